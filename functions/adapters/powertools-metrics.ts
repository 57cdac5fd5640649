/**
 * MetricsSink on Powertools Metrics: every `emit` is one EMF document on
 * stdout with exactly the given dimensions, so CloudWatch alarms can match
 * the metric by `CacheId` alone. A value stored at high resolution carries
 * `StorageResolution: 1` in its metric definition; the document's timestamp
 * is the flush's own when one is given ("Specification: Embedded metric
 * format", `Timestamp` and `StorageResolution`).
 */
import { Metrics, MetricResolution, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';
import type { EmitOptions, MetricValue, MetricsSink } from '../ports';

const UNITS: Record<MetricValue['unit'], MetricUnitValue> = {
  Count: MetricUnit.Count,
  Milliseconds: MetricUnit.Milliseconds,
  Seconds: MetricUnit.Seconds,
  Bytes: MetricUnit.Bytes,
};

export class PowertoolsMetricsSink implements MetricsSink {
  constructor(
    private readonly metrics: Metrics,
    private readonly serviceName: string,
  ) {
    // Powertools adds a `service` dimension by default; an alarm on {CacheId} would not match {service, CacheId}.
    this.metrics.clearDefaultDimensions();
  }

  emit(dimensions: Record<string, string>, values: MetricValue[], options: EmitOptions = {}): void {
    if (values.length === 0) return;
    for (const [name, value] of Object.entries(dimensions)) this.metrics.addDimension(name, value);
    for (const v of values)
      this.metrics.addMetric(
        v.name,
        UNITS[v.unit],
        v.value,
        v.storageResolution === 1 ? MetricResolution.High : MetricResolution.Standard,
      );
    // Cleared with the stored metrics by publishStoredMetrics: the next flush is stamped anew.
    if (options.timestamp) this.metrics.setTimestamp(options.timestamp);
    this.metrics.addMetadata('service', this.serviceName);
    this.metrics.publishStoredMetrics();
  }
}

export function powertoolsMetricsSink(namespace: string, serviceName: string): PowertoolsMetricsSink {
  return new PowertoolsMetricsSink(new Metrics({ namespace, serviceName }), serviceName);
}
