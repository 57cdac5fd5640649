/**
 * README "Detection time" states each alarm's worst case and the probe's cost: the figures must be what
 * functions/domain/detection.ts computes from serverless.yml's defaults, so the two cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  probeDetectionSeconds,
  probeGbSecondsPerMonth,
  PING_DEADLINE_SLACK_MS,
  worstCaseDetectionSeconds,
  worstCaseSilenceSeconds,
} from '../../functions/domain/detection';
import { PROBE_ATTEMPTS } from '../../functions/usecases/probe';
import { probeAlarmSettings } from '../../local/stack/alarms';
import { readManifest } from '../../local/stack/serverless-manifest';

const ROOT = path.join(__dirname, '..', '..');
const manifest = readManifest(ROOT);
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = (() => {
  const start = readme.indexOf('## Detection time');
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
})();
/** The bold figure of the table row whose first cell starts with `label`. */
const figure = (label: string): number => {
  const row = section.split('\n').find((l) => l.startsWith(`| ${label}`));
  expect(row).toBeDefined();
  const m = /\*\*([\d.]+) s\*\*/.exec(row!);
  expect(m).not.toBeNull();
  return Number(m![1]);
};

const probe = probeAlarmSettings(manifest.params);
const pingTimeoutMs = Number(manifest.params.probeTimeoutMs);
const elastiCache = (periods: number) =>
  worstCaseDetectionSeconds({
    sampleIntervalSeconds: 60,
    sampleOffsetSeconds: 0,
    measureSeconds: 0,
    periodSeconds: 60,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
  });

describe('README "Detection time"', () => {
  it("gives each alarm's worst case as the domain computes it from the default settings", () => {
    const now = probeDetectionSeconds({ ...probe, pingTimeoutMs, attempts: PROBE_ATTEMPTS });
    expect(figure('`…-incident-<cache>-unreachable`')).toBe(now);
    expect(now).toBe(35);
    // The recovery plans' table counts detection from the same figure.
    expect(readme).toContain(`detection (**${now} s** alarm`);
    expect(figure('the same alarm with one round a minute')).toBe(
      probeDetectionSeconds({
        probeIntervalSeconds: 60,
        pingTimeoutMs,
        attempts: PROBE_ATTEMPTS,
        periodSeconds: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      }),
    );
    expect(figure('`…-health-<cache>-probe-silent`')).toBe(
      worstCaseSilenceSeconds({
        sampleIntervalSeconds: probe.probeIntervalSeconds,
        sampleOffsetSeconds: probe.probeIntervalSeconds / 2,
        periodSeconds: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
      }),
    );
    // serverless/alarms.js: CPU and memory 5 periods, replication lag 3.
    expect(figure('`…-health-<cache>-engine-cpu`')).toBe(elastiCache(5));
    expect(figure('`…-health-<cache>-memory`')).toBe(elastiCache(5));
    expect(figure('`…-health-<cache>-replication-lag`')).toBe(elastiCache(3));
    expect(section).toContain(
      `2 attempts × ${pingTimeoutMs.toLocaleString('en-US')} ms (+${PING_DEADLINE_SLACK_MS} ms)`,
    );
  });

  it("gives the probe's Lambda time per month at its memory size as the domain computes it", () => {
    const fn = manifest.functions.find((f) => f.key === 'probe')!;
    const roundSeconds = (PROBE_ATTEMPTS * (pingTimeoutMs + PING_DEADLINE_SLACK_MS)) / 1000;
    const scheduleSeconds = manifest.scheduleRates.ProbeScheduleRule!;
    const gbs = (probeIntervalSeconds: number) =>
      probeGbSecondsPerMonth({ scheduleSeconds, probeIntervalSeconds, roundSeconds, memoryMb: fn.memorySizeMb });
    const dollars = (g: number) => `$${(g * 0.0000133334).toFixed(2)}`;
    const looping = gbs(probe.probeIntervalSeconds);
    const once = gbs(scheduleSeconds);
    expect(section).toContain(`At the function's ${fn.memorySizeMb} MB`);
    expect(section).toContain(`**${looping.toLocaleString('en-US')} GB-s, ${dollars(looping)}**`);
    expect(section).toContain(`${once.toLocaleString('en-US')}\n  GB-s (${dollars(once)})`);
    expect(section).toContain(`at\n  most ${scheduleSeconds + probe.probeIntervalSeconds + roundSeconds} s`);
  });
});
