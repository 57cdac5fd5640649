/** The probe's metrics (Powertools Metrics, EMF on stdout): one sink per container. */
import { config } from '../config';
import { powertoolsMetricsSink } from '../adapters/powertools-metrics';
import type { MetricsSink } from '../ports';

const METRICS_SERVICE_NAME = 'cache-outage-workflow';

let sink: MetricsSink | undefined;
export function metricsSink(): MetricsSink {
  return (sink ??= powertoolsMetricsSink(config.metricsNamespace, METRICS_SERVICE_NAME));
}
