import {
  probeAlarmProblems,
  probeDetectionSeconds,
  probeGbSecondsPerMonth,
  worstCaseDetectionSeconds,
  worstCaseSilenceSeconds,
  type DetectionSettings,
} from '../../functions/domain/detection';

/**
 * A brute-force check of the closed forms: samples at offset o of every interval, each value known d later,
 * periods aligned to epoch multiples; the failure starts at every moment of a cycle (in 0.25 s steps) and the
 * alarm fires at the first period end by which M consecutive periods hold a known failing sample.
 */
function simulate(s: DetectionSettings, silence = false): number {
  const { sampleIntervalSeconds: i, sampleOffsetSeconds: o, measureSeconds: d, periodSeconds: p } = s;
  const m = s.datapointsToAlarm;
  let worst = 0;
  for (let t0 = 10 * p; t0 < 10 * p + p; t0 += 0.25) {
    // Each period from the one holding t0: breaching (a failing sample, or for silence no sample at all) and when known.
    let run = 0;
    for (let k = Math.floor(t0 / p); ; k++) {
      const samples: number[] = [];
      for (let t = Math.ceil((k * p - o) / i) * i + o; t < (k + 1) * p; t += i) samples.push(t);
      const failing = samples.filter((t) => t > t0);
      const breaching = silence ? samples.length > 0 && failing.length === samples.length : failing.length > 0;
      run = breaching ? run + 1 : 0;
      if (run === m) {
        const known = silence ? (k + 1) * p : Math.max((k + 1) * p, Math.min(...failing) + d);
        worst = Math.max(worst, known - t0);
        break;
      }
    }
  }
  return worst;
}

describe('worst-case detection time', () => {
  const probe: DetectionSettings = {
    sampleIntervalSeconds: 10,
    sampleOffsetSeconds: 5,
    measureSeconds: 2.5,
    periodSeconds: 10,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
  };

  it('is M periods plus the gap from the last sample of a period to its end, as a simulation finds', () => {
    expect(worstCaseDetectionSeconds(probe)).toBe(35);
    for (const s of [
      probe,
      { ...probe, periodSeconds: 30, datapointsToAlarm: 2 },
      { ...probe, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 },
      { ...probe, sampleIntervalSeconds: 20, sampleOffsetSeconds: 10, periodSeconds: 20 },
      // A value known after the period it belongs to has ended delays the alarm.
      { ...probe, measureSeconds: 8 },
      // ElastiCache's one-minute metrics, sampled at an unknown moment of the minute (0: the worst).
      {
        ...probe,
        sampleIntervalSeconds: 60,
        sampleOffsetSeconds: 0,
        measureSeconds: 0,
        periodSeconds: 60,
        datapointsToAlarm: 5,
        evaluationPeriods: 5,
      },
    ]) {
      // The simulation's failure moments are 0.25 s apart: it finds the supremum up to that step.
      expect(worstCaseDetectionSeconds(s) - simulate(s)).toBeGreaterThanOrEqual(0);
      expect(worstCaseDetectionSeconds(s) - simulate(s)).toBeLessThanOrEqual(0.25);
    }
    expect(worstCaseDetectionSeconds({ ...probe, measureSeconds: 8 })).toBe(28 + 10 - 0);
  });

  it('of a silence is M + 1 periods less the first sample offset', () => {
    const silent = { ...probe, periodSeconds: 60, datapointsToAlarm: 3 };
    expect(worstCaseSilenceSeconds(silent)).toBe(4 * 60 - 5);
    expect(worstCaseSilenceSeconds(silent) - simulate(silent, true)).toBeLessThanOrEqual(0.25);
  });

  it('of the probe alarm follows the probe interval, the pings and the alarm settings', () => {
    const defaults = {
      probeIntervalSeconds: 10,
      pingTimeoutMs: 1000,
      attempts: 2,
      periodSeconds: 10,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    };
    expect(probeDetectionSeconds(defaults)).toBe(35);
    // Yesterday's probe: once a minute, 2 of 3 one-minute periods.
    expect(
      probeDetectionSeconds({ ...defaults, probeIntervalSeconds: 60, periodSeconds: 60, datapointsToAlarm: 2 }),
    ).toBe(150);
    // Pings slower than what is left of the period after the round push the alarm out.
    expect(probeDetectionSeconds({ ...defaults, pingTimeoutMs: 5000 })).toBe(20 + 10 + 10.5);
  });
});

describe('probe alarm settings', () => {
  const ok = { probeIntervalSeconds: 10, periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 3 };

  it('accepts the defaults, 20 and 30 s periods and multiples of a minute', () => {
    expect(probeAlarmProblems(ok)).toEqual([]);
    for (const periodSeconds of [20, 30, 60, 300]) expect(probeAlarmProblems({ ...ok, periodSeconds })).toEqual([]);
  });

  it('refuses what PutMetricAlarm refuses, and periods that could hold no probe round', () => {
    expect(probeAlarmProblems({ ...ok, periodSeconds: 15 }).join()).toMatch(/10, 20, 30 or a multiple of 60/);
    expect(probeAlarmProblems({ ...ok, periodSeconds: 90 }).join()).toMatch(/10, 20, 30 or a multiple of 60/);
    expect(
      probeAlarmProblems({ ...ok, periodSeconds: 60, evaluationPeriods: 1441, datapointsToAlarm: 2 }).join(),
    ).toMatch(/exceeds/);
    expect(probeAlarmProblems({ ...ok, datapointsToAlarm: 4 }).join()).toMatch(/datapoints to alarm/);
    // The intake takes an ALARM with fewer failed probes than PROBE_ALARM's as unproven.
    expect(probeAlarmProblems({ ...ok, datapointsToAlarm: 1 }).join()).toMatch(/from 2/);
    expect(probeAlarmProblems({ ...ok, probeIntervalSeconds: 20 }).join()).toMatch(/multiple of the probe interval/);
    expect(probeAlarmProblems({ ...ok, probeIntervalSeconds: 20, periodSeconds: 30 }).join()).toMatch(
      /multiple of the probe interval/,
    );
    expect(probeAlarmProblems({ ...ok, probeIntervalSeconds: 0 }).join()).toMatch(/more than 0/);
  });
});

describe("the probe's Lambda duration", () => {
  it('is a schedule period plus one interval and a round per run when it loops, a round when it does not', () => {
    // 43,200 runs of 72.5 s at 256 MB.
    expect(
      probeGbSecondsPerMonth({ scheduleSeconds: 60, probeIntervalSeconds: 10, roundSeconds: 2.5, memoryMb: 256 }),
    ).toBe(783_000);
    expect(
      probeGbSecondsPerMonth({ scheduleSeconds: 60, probeIntervalSeconds: 60, roundSeconds: 2.5, memoryMb: 256 }),
    ).toBe(27_000);
  });
});
