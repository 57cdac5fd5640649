/**
 * `npm run drill -- [--scenario restore] [--keys 100000] [--interactive] [--json]`
 * `npm run drill -- --scenario provider-outage [--caches 3] [--keys 20000] [--json]`
 *
 * Runs a whole incident on the local stack and prints what happened. Exit 0
 * only when the scenario ended as it must: resolved with 0 keys lost, or (for
 * the failure scenarios) failed with the operators escalated. With
 * --interactive a person decides in the console (the drill prints the
 * sign-in link) or the CLI, and the stack and the console stay up after the
 * incident ends, with the report printed, until Ctrl-C (or SIGTERM); then
 * every process the drill started is stopped.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CACHES, PROVIDER_OUTAGE_KEYS, runProviderOutage, type ProviderOutageReport } from '../drill/provider-outage';
import { runDrill, type DrillReport } from '../drill/run';
import { SCENARIOS, isScenario } from '../drill/scenarios';

// The workflow runs on nodejs22.x in AWS; this tool runs on the machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = path.resolve(__dirname, '..', '..');
const localDir = path.join(root, '.local');

function usage(): string {
  return [
    'usage: npm run drill -- [--scenario NAME] [--keys N] [--changed N] [--interactive] [--json]',
    `       npm run drill -- --scenario provider-outage [--caches N] [--keys N] [--changed N] [--json]`,
    '',
    '  --keys N     keys per cache (default 100000; provider-outage: 20000 per cache, as its N caches,',
    '               N providers and 2N replacement nodes share the machine)',
    `  --caches N   provider-outage only: caches of the provider, ${CACHES.min} to ${CACHES.max} (default ${CACHES.default})`,
    '',
    'scenarios:',
    ...Object.entries(SCENARIOS).map(([k, v]) => `  ${k.padEnd(17)} ${v}`),
  ].join('\n');
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`;
}

function print(report: DrillReport): void {
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out();
  out(`Incident ${report.incidentId ?? '(none)'} — scenario ${report.scenario}, ${report.keys} keys`);
  out(
    `Execution: ${report.executionStatus ?? '?'}${report.executionError ? ` (${report.executionError})` : ''}, ${report.transitions} state transitions`,
  );
  out();
  if (report.backups.runs.length) {
    out("Backups before the outage (made by the stack's backup function)");
    for (const b of report.backups.runs) {
      const tried = b.attempts.map((a) => `${a.method} ${a.outcome}`).join(', ');
      out(
        b.outcome === 'ok'
          ? `  ${b.key ?? ''}: ${b.keys ?? 0} keys, ${((b.bytes ?? 0) / 1024 / 1024).toFixed(1)} MB, watermark ${b.watermark ?? ''} [${tried}]`
          : `  failed [${tried}]: ${b.attempts[b.attempts.length - 1]?.reason ?? ''}`,
      );
    }
    const t = report.backups.testRestore;
    if (t)
      out(
        `  test restore: ${t.ok ? 'ok' : 'FAILED'}, ${t.keysLoaded}/${t.keysExpected} keys, ${t.sampled} sampled, ${t.mismatched} differ, ${seconds(t.durationMs)}`,
      );
    if (report.backups.freshnessAlarm) out(`  operators ← ${report.backups.freshnessAlarm.subject}`);
    out();
  }
  const sb = report.standby;
  if (sb) {
    out(`Warm standby ${sb.replicationGroupId} (kept by the stack's mirror function)`);
    if (sb.lastCycle)
      out(
        `  last complete mirror cycle: ${sb.lastCycle.keys} keys copied, ${sb.lastCycle.deleted} deleted, in ${seconds(sb.lastCycle.durationMs)}, watermark ${sb.lastCycle.watermark}`,
      );
    if (sb.stoppedAtMs !== undefined) out(`  the mirror stopped at ${seconds(sb.stoppedAtMs)}`);
    if (sb.lagAlarm) out(`  operators ← ${sb.lagAlarm.subject} (at ${seconds(sb.lagAlarm.atMs)}, before the outage)`);
    if (sb.lagAtOutageMinutes !== undefined)
      out(`  behind the cache by ${sb.lagAtOutageMinutes} (scaled) minutes when it died`);
    out();
  }
  out('Timeline');
  const opened = report.incident ? Date.parse(report.incident.openedAt) : undefined;
  for (const e of report.timeline) {
    const rel = opened !== undefined ? `+${((Date.parse(e.at) - opened) / 1000).toFixed(1)} s` : e.at;
    out(`  ${rel.padStart(9)}  ${e.type.padEnd(22)} ${e.message}`);
  }
  out();
  out('Notices received by the HTTP subscriber');
  for (const n of report.notices) out(`  ${seconds(n.atMs).padStart(8)}  ${n.stage.padEnd(19)} ${n.subject ?? ''}`);
  if (report.operatorMessages.length) {
    out('Messages to operators');
    for (const n of report.operatorMessages)
      out(`  ${seconds(n.atMs).padStart(8)}  ${n.kind.padEnd(19)} ${n.subject ?? ''}`);
  }
  out();
  const inc = report.incident;
  out(
    `Outage (workflow): ${inc?.outageSeconds !== undefined ? `${inc.outageSeconds} s` : '–'}   Degraded: ${inc?.degradedSeconds !== undefined ? `${inc.degradedSeconds} s` : '–'}`,
  );
  out(
    `Outage as the sample application saw it: ${seconds(report.appOutageMs)} (endpoints: ${report.appEndpoints.join(' → ')})`,
  );
  if (report.detection) {
    const d = report.detection;
    out(
      `Detection: ${seconds(d.brokenToConfirmedMs)} (broken → alarm ${seconds(d.brokenToAlarmMs)}, alarm → confirmed ${seconds(d.alarmToConfirmedMs)}); confirmed → first notice ${seconds(d.confirmedToFirstNoticeMs)} (confirmation window ${seconds(d.confirmationWindowMs)})`,
    );
    if (report.appOutageMs !== undefined && d.brokenToConfirmedMs !== undefined)
      out(
        `Outage the application saw beyond detection: ${seconds(report.appOutageMs - d.brokenToConfirmedMs)} (the takeover, from the confirmed outage to clients served)`,
      );
  }
  if (report.rehydrated !== undefined) out(`Keys written back from the source of truth: ${report.rehydrated}`);
  if (report.cachesCreated.length) out(`Caches created: ${report.cachesCreated.join(', ')}`);
  if (report.verification) {
    const v = report.verification;
    out(
      `Keys checked on the new endpoint: ${v.checked}, missing ${v.missing}, wrong ${v.wrong}; with a TTL ${v.withTtl}, TTL lost ${v.ttlLost}${v.firstProblems.length ? ` (${v.firstProblems.join('; ')})` : ''}`,
    );
  }
  out(
    `Wall time: ${seconds(report.wallMs)}  (phases: ${Object.entries(report.phases)
      .map(([k, v]) => `${k} ${seconds(v)}`)
      .join(', ')})`,
  );
  out();
  out(`${report.ok ? 'PASS' : 'FAIL'}: ${report.why}`);
}

function printProviderOutage(report: ProviderOutageReport): void {
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out();
  out(
    `Provider outage — ${report.caches} caches of one provider, ${report.keys} keys each; group ${report.groupIds.join(', ') || '(none)'}`,
  );
  out();
  out('Backups before the outage');
  for (const b of report.backups) out(`  ${b}`);
  out();
  out('Caches');
  out(
    `  ${'cache'.padEnd(12)} ${'execution'.padEnd(10)} ${'incident'.padEnd(9)} ${'detection'.padStart(9)} ${'outage'.padStart(7)} ${'degraded'.padStart(8)} ${'app outage'.padStart(10)}  keys checked/lost`,
  );
  for (const m of report.members) {
    const v = m.verification;
    const s = (n: number | undefined) => (n === undefined ? '–' : `${n} s`);
    out(
      `  ${m.cacheId.padEnd(12)} ${(m.executionStatus ?? '?').padEnd(10)} ${(m.incident?.status ?? '?').padEnd(9)} ${seconds(m.detectionMs).padStart(9)} ${s(m.outageSeconds).padStart(7)} ${s(m.degradedSeconds).padStart(8)} ${seconds(m.appOutageMs).padStart(10)}  ${v ? `${v.checked}/${v.missing + v.wrong + v.ttlLost}${v.firstProblems.length ? ` (${v.firstProblems.join('; ')})` : ''}` : 'unchecked'}`,
    );
  }
  out();
  out('Notices received by the HTTP subscriber');
  for (const n of report.notices) out(`  ${seconds(n.atMs).padStart(8)}  ${n.stage.padEnd(19)} ${n.subject ?? ''}`);
  out('Messages to operators');
  for (const m of report.operatorMessages)
    out(`  ${seconds(m.atMs).padStart(8)}  ${m.kind.padEnd(19)} ${m.subject ?? ''}`);
  out();
  const t = report.timings;
  out('Group timings');
  out(`  alarm spread (first to last alarm):         ${seconds(t.alarmSpreadMs)}`);
  out(`  first confirmation → INVESTIGATING notice:  ${seconds(t.firstConfirmedToInvestigatingMs)}`);
  out(`  approval request → decision:                ${seconds(t.requestToDecisionMs)}`);
  out(`  last cut-over → PARTIALLY_RESTORED notice:  ${seconds(t.lastCutOverToPartiallyRestoredMs)}`);
  out(`  last verify → RESOLVED notice:              ${seconds(t.lastVerifiedToResolvedMs)}`);
  out(`  providers killed → RESOLVED notice:         ${seconds(t.brokenToResolvedMs)}`);
  out(`  total wall time:                            ${seconds(report.wallMs)}`);
  out(`Caches created: ${report.cachesCreated.join(', ') || 'none'}`);
  out();
  for (const c of report.checks) out(`  ${c.ok ? '✔' : '✖'} ${c.what}${c.ok ? '' : ` — saw ${c.saw}`}`);
  out();
  out(`${report.ok ? 'PASS' : 'FAIL'}: ${report.why}`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'restore' },
      keys: { type: 'string' },
      caches: { type: 'string' },
      changed: { type: 'string' },
      interactive: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const scenario = values.scenario ?? 'restore';
  const keys = Number(values.keys ?? (scenario === 'provider-outage' ? PROVIDER_OUTAGE_KEYS : 100_000));
  const caches = Number(values.caches ?? CACHES.default);
  const problem = !isScenario(scenario)
    ? `unknown scenario "${scenario}"`
    : !Number.isInteger(keys) || keys < 10 || keys > 5_000_000
      ? '--keys must be an integer from 10 to 5000000'
      : values.caches !== undefined && scenario !== 'provider-outage'
        ? '--caches applies to --scenario provider-outage only'
        : !/^\d+$/.test(String(values.caches ?? CACHES.default)) || caches < CACHES.min || caches > CACHES.max
          ? `--caches must be an integer from ${CACHES.min} to ${CACHES.max}, got "${values.caches ?? ''}"`
          : scenario === 'provider-outage' && values.interactive
            ? '--interactive is not available for provider-outage: the drill approves as "drill"'
            : undefined;
  if (problem !== undefined || !isScenario(scenario)) {
    process.stderr.write(`${problem ?? ''}\n\n${usage()}\n`);
    return 2;
  }
  mkdirSync(localDir, { recursive: true });
  const logFile = path.join(localDir, 'functions.log');
  writeFileSync(logFile, '');
  const live = values.json ? () => undefined : (line: string) => process.stdout.write(`${line}\n`);
  live(`Drill: ${SCENARIOS[scenario]}`);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onStack = async (stack: { writeDescription(file: string): Promise<void> }) => {
    await stack.writeDescription(path.join(localDir, 'stack.json'));
    live(
      `stack description: ${path.relative(process.cwd(), path.join(localDir, 'stack.json'))}; function logs: ${path.relative(process.cwd(), logFile)}`,
    );
  };
  if (scenario === 'provider-outage') {
    const report = await runProviderOutage({
      caches,
      keys,
      ...(values.changed ? { changedAfterBackup: Number(values.changed) } : {}),
      signal: controller.signal,
      log: live,
      functionLog: (fn, line) => appendFileSync(logFile, `${fn}\t${line}\n`),
      onReport: (r) => {
        writeFileSync(path.join(localDir, 'last-drill.json'), `${JSON.stringify(r, null, 2)}\n`);
        if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else printProviderOutage(r);
      },
      onStack,
    });
    return report.ok ? 0 : 1;
  }
  const done = (report: DrillReport) => {
    writeFileSync(path.join(localDir, 'last-drill.json'), `${JSON.stringify(report, null, 2)}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else print(report);
  };
  const report = await runDrill({
    scenario,
    keys,
    ...(values.changed ? { changedAfterBackup: Number(values.changed) } : {}),
    interactive: values.interactive ?? false,
    signal: controller.signal,
    log: live,
    functionLog: (fn, line) => appendFileSync(logFile, `${fn}\t${line}\n`),
    onReport: done,
    onStack,
  });
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`drill failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
