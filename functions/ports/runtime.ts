/** Time and metrics. */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** One metric value in an emitted set. */
export interface MetricValue {
  name: string;
  unit: 'Count' | 'Milliseconds' | 'Seconds' | 'Bytes';
  value: number;
}

/** Publishes custom metrics (EMF on stdout in Lambda); each call is one flush with its own dimensions. */
export interface MetricsSink {
  emit(dimensions: Record<string, string>, metrics: MetricValue[]): void;
}
