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
  /**
   * Seconds CloudWatch stores it at: 1 (high resolution, for alarm periods of
   * 10, 20 or 30 s) or 60 (standard, the default).
   */
  storageResolution?: 1 | 60;
}

/** Options of one flush. */
export interface EmitOptions {
  /** When the values were measured (default: now). */
  timestamp?: Date;
}

/** Publishes custom metrics (EMF on stdout in Lambda); each call is one flush with its own dimensions. */
export interface MetricsSink {
  emit(dimensions: Record<string, string>, metrics: MetricValue[], options?: EmitOptions): void;
}
