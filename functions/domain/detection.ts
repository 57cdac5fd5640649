/**
 * How long an alarm takes, at worst, to see a failure, from its settings and
 * those of the samples it evaluates; and the rules those settings obey.
 *
 * The model: samples are taken every `sampleIntervalSeconds`, each at
 * `sampleOffsetSeconds` into its interval (intervals and periods start at
 * epoch multiples of their length, as CloudWatch aligns periods), and each
 * value is known `measureSeconds` after its sample time, under which it is
 * stamped. A period breaches when one of its samples does (Minimum below
 * the threshold, Maximum above it). The alarm goes to ALARM at the end of
 * the period that makes `datapointsToAlarm` breaching periods.
 *
 * With missing data not breaching, a period without samples counts as good,
 * so "M of N" needs M periods that measured the failure: a failure that
 * lasts breaches consecutive periods, and N (≥ M) only widens the window an
 * intermittent failure may spread over. The worst case is a failure that
 * starts just after a good sample that was the last of its period: the first
 * failing sample is in the next period, which becomes the first of the M.
 *
 * Left out, because AWS bounds neither: the time CloudWatch Logs takes to
 * extract an embedded-metric-format document, and the time between a
 * period's end and the alarm's evaluation of it.
 */
import { PROBE_ALARM } from './alarm';

/** The settings an alarm's detection time depends on. */
export interface DetectionSettings {
  /** Seconds between two samples of the metric. */
  sampleIntervalSeconds: number;
  /** Where in its interval a sample is taken (the probe: the middle; unknown: 0, the worst). */
  sampleOffsetSeconds: number;
  /** Seconds from a sample's time until its value is published (the probe: its attempts' timeouts). */
  measureSeconds: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
}

/**
 * Worst-case seconds from the start of a lasting failure to ALARM.
 *
 * The failure starts just after a sample at offset o that was the last of
 * period k−1, i.e. at kP − I + o. The first failing sample is at kP + o; the
 * periods k … k+M−1 breach, and ALARM is reached at (k+M)P, unless the
 * value of period k+M−1's first sample, known at (k+M−1)P + o + d, arrives
 * later. Hence max(M·P + I − o, (M−1)·P + I + d).
 */
export function worstCaseDetectionSeconds(s: DetectionSettings): number {
  const { sampleIntervalSeconds: i, sampleOffsetSeconds: o, measureSeconds: d, periodSeconds: p } = s;
  const m = s.datapointsToAlarm;
  return Math.max(m * p + i - o, (m - 1) * p + i + d);
}

/**
 * Worst-case seconds from the moment samples stop to ALARM, for an alarm on
 * the sample count (fewer than one) with missing data breaching: a period
 * breaches only when it holds no sample at all. The samples stop just after
 * the first one of period k−1, at (k−1)P + o; periods k … k+M−1 are empty,
 * and ALARM is reached at (k+M)P: (M+1)·P − o.
 */
export function worstCaseSilenceSeconds(s: Omit<DetectionSettings, 'measureSeconds'>): number {
  return (s.datapointsToAlarm + 1) * s.periodSeconds - s.sampleOffsetSeconds;
}

/** The probe's settings the incident alarm's detection time follows. */
export interface ProbeDetectionSettings {
  probeIntervalSeconds: number;
  pingTimeoutMs: number;
  attempts: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
}

/** A ping attempt is given up this long after its timeout, if the client did not give up itself. */
export const PING_DEADLINE_SLACK_MS = 250;

/**
 * The probe alarm's worst case: a round every probe interval, in the middle
 * of it; an unreachable cache is known after every attempt timed out.
 */
export function probeDetectionSeconds(s: ProbeDetectionSettings): number {
  return worstCaseDetectionSeconds({
    sampleIntervalSeconds: s.probeIntervalSeconds,
    sampleOffsetSeconds: s.probeIntervalSeconds / 2,
    measureSeconds: (s.attempts * (s.pingTimeoutMs + PING_DEADLINE_SLACK_MS)) / 1000,
    periodSeconds: s.periodSeconds,
    evaluationPeriods: s.evaluationPeriods,
    datapointsToAlarm: s.datapointsToAlarm,
  });
}

/** The probe alarm's settings, as serverless.yml's params give them. */
export interface ProbeAlarmSettings {
  probeIntervalSeconds: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
}

/** Alarm periods PutMetricAlarm accepts besides multiples of 60 (high-resolution alarms). */
export const HIGH_RESOLUTION_PERIODS = [10, 20, 30] as const;

/**
 * Why the probe alarm's settings would not work, or an empty list. Rules:
 * - PutMetricAlarm's `Period` is 10, 20, 30 or a multiple of 60; Period ×
 *   EvaluationPeriods is at most one day below one hour (PutMetricAlarm);
 * - DatapointsToAlarm is from 1 to EvaluationPeriods (PutMetricAlarm); here
 *   at least what the alarm intake takes as proof of failed probes
 *   (PROBE_ALARM.datapointsToAlarm), or it would refuse a genuine alarm;
 * - every period holds the same whole number of probe rounds: with missing
 *   data not breaching, an empty period would count as a good one.
 */
export function probeAlarmProblems(s: ProbeAlarmSettings): string[] {
  const problems: string[] = [];
  const { probeIntervalSeconds: i, periodSeconds: p, evaluationPeriods: n, datapointsToAlarm: m } = s;
  if (!(i > 0)) problems.push(`the probe interval must be more than 0 s, got ${i}`);
  const periodValid =
    Number.isInteger(p) && p > 0 && ((HIGH_RESOLUTION_PERIODS as readonly number[]).includes(p) || p % 60 === 0);
  if (!periodValid) problems.push(`the alarm period must be 10, 20, 30 or a multiple of 60 s, got ${p}`);
  if (!Number.isInteger(n) || n < 1) problems.push(`the evaluation periods must be a whole number ≥ 1, got ${n}`);
  else if (periodValid && p * n > (p < 3600 ? 86_400 : 604_800))
    problems.push(`period × evaluation periods (${p * n} s) exceeds CloudWatch's limit`);
  if (!Number.isInteger(m) || m < PROBE_ALARM.datapointsToAlarm || m > n)
    problems.push(
      `the datapoints to alarm must be a whole number from ${PROBE_ALARM.datapointsToAlarm} to the evaluation periods (${n}), got ${m}`,
    );
  if (i > 0 && periodValid && (i > p || !Number.isInteger(p / i)))
    problems.push(
      `the alarm period (${p} s) must be a multiple of the probe interval (${i} s), or periods without a probe round count as good`,
    );
  return problems;
}

/** Seconds in the month the prices below are quoted for (30 days). */
export const MONTH_SECONDS = 30 * 86_400;

/**
 * The probe's billed Lambda duration in a month, in GB-seconds, at most: one
 * run per schedule period, each lasting its period plus one interval (the
 * overlap) plus its last round, at the function's memory size. A single
 * round per run when the interval is not shorter than the schedule.
 */
export function probeGbSecondsPerMonth(s: {
  scheduleSeconds: number;
  probeIntervalSeconds: number;
  /** The longest a round takes: every attempt timing out. */
  roundSeconds: number;
  memoryMb: number;
}): number {
  const runs = MONTH_SECONDS / s.scheduleSeconds;
  const looping = s.probeIntervalSeconds < s.scheduleSeconds;
  const runSeconds = (looping ? s.scheduleSeconds + s.probeIntervalSeconds : 0) + s.roundSeconds;
  return (runs * runSeconds * s.memoryMb) / 1024;
}
