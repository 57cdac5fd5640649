/** Summaries of repeated measurements: a median and the spread around it. */

export interface Summary {
  /** The median of the samples. */
  median: number;
  min: number;
  max: number;
  /** Number of samples. */
  n: number;
  samples: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (0 < p ≤ 100), nearest-rank method: a value that was actually observed. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
    samples: [...samples],
  };
}

/** The ratio of two summaries' medians, with the spread of the per-run ratios (runs paired in order). */
export function ratioOf(numerator: Summary, denominator: Summary): Summary {
  const n = Math.min(numerator.samples.length, denominator.samples.length);
  const pairs = Array.from(
    { length: n },
    (_, i) => (numerator.samples[i] as number) / (denominator.samples[i] as number),
  );
  return { ...summarize(pairs), median: numerator.median / denominator.median };
}

/** "1.23 (1.10–1.31, n=5)" */
export function formatSummary(s: Summary, digits = 2): string {
  const f = (v: number) => v.toFixed(digits);
  return s.n > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)}, n=${s.n})` : f(s.median);
}
