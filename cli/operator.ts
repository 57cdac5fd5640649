/**
 * `cache-outage` — follow and decide incidents from a terminal, through the
 * console's HTTP API (the same API, the same authorizer, the same audit trail
 * as the browser).
 *
 *   cache-outage incidents                       open incidents first
 *   cache-outage caches                          each cache's backups, against its RPO
 *   cache-outage show <id> [--follow]            the incident and its timeline
 *   cache-outage approve <id> --reason R [--step recovery-plan]
 *   cache-outage reject <id> --reason R [--step recovery-plan]
 *   cache-outage ack <id> [--step recovery-plan] "I'm looking at it" (delays escalation)
 *   cache-outage notices <id>                    notices sent to subscribers
 *   cache-outage drill [drill options]           runs the local incident drill
 *
 * Where: `--local` (the local stack's console from .local/stack.json, with a
 * token from its local identity provider), or `--url URL --token JWT`
 * (or CACHE_OUTAGE_URL / CACHE_OUTAGE_TOKEN) for the deployed console: the
 * token is a Cognito ID or access token of a member of the operators group.
 * `--json` prints the API's JSON for scripts; otherwise tables for people.
 *
 * Shipped as one file, dist/cache-outage.js (`npm run build:cli`, run by npm
 * before packing): it needs Node and nothing else installed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeConfirmation } from '../functions/domain/incident';
import type { ConfirmationFacts } from '../functions/domain/steps';
import { formatBytes } from '../functions/console/format';
import type { CacheBackupSummary } from '../functions/usecases/cache-backups';
import type { IncidentSummary } from '../functions/usecases/incident-view';
import { CliError, parseCommand, USAGE } from './operator-args';

/** The package's root: one level above this file, and above dist/ where it is bundled. */
const ROOT = path.resolve(__dirname, '..');

interface Target {
  url: string;
  token: string;
}

interface StackFile {
  consoleUrl?: string;
  identity?: { tokenUrl?: string };
}

// ── progress line ────────────────────────────────────────────────────────────

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

async function withProgress<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work();
  let i = 0;
  const draw = () => process.stderr.write(`\r${FRAMES[i++ % FRAMES.length]} ${label}\x1b[K`);
  draw();
  const timer = setInterval(draw, 80);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
}

// ── target and HTTP ──────────────────────────────────────────────────────────

function readStackFile(): StackFile {
  const candidates = [path.join(process.cwd(), '.local', 'stack.json'), path.join(ROOT, '.local', 'stack.json')];
  const file = candidates.find((f) => existsSync(f));
  if (!file)
    throw new CliError(
      'no .local/stack.json: start the local stack (npm run stack) or a drill (npx cache-outage drill --interactive) first',
      2,
    );
  return JSON.parse(readFileSync(file, 'utf8')) as StackFile;
}

async function resolveTarget(values: { local?: boolean; url?: string; token?: string; as?: string }): Promise<Target> {
  if (values.local) {
    const stack = readStackFile();
    if (!stack.consoleUrl || !stack.identity?.tokenUrl)
      throw new CliError('.local/stack.json has no console: is the stack up to date?', 2);
    const username = values.as ?? `${os.userInfo().username}@local`;
    const tokenUrl = stack.identity.tokenUrl;
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, groups: ['operators'] }),
    }).catch((err: Error) => {
      throw new CliError(`the local stack does not answer at ${tokenUrl} (${err.message}): is it still running?`);
    });
    if (!res.ok) throw new CliError(`the local identity provider refused a token: HTTP ${res.status}`);
    const body = (await res.json()) as { id_token: string };
    return { url: stack.consoleUrl, token: body.id_token };
  }
  const url = values.url ?? process.env.CACHE_OUTAGE_URL;
  const token = values.token ?? process.env.CACHE_OUTAGE_TOKEN;
  if (!url || !token)
    throw new CliError('say where: --local, or --url and --token (or CACHE_OUTAGE_URL and CACHE_OUTAGE_TOKEN)', 2);
  return { url, token };
}

async function call<T>(target: Target, method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<T> {
  const url = `${target.url.replace(/\/+$/, '')}${pathname}`;
  const res = await withProgress(`${method} ${pathname}`, () =>
    fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${target.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  ).catch((err: Error) => {
    throw new CliError(`cannot reach the console at ${target.url}: ${err.message}`);
  });
  const text = await res.text();
  let doc: unknown;
  try {
    doc = text ? JSON.parse(text) : {};
  } catch {
    doc = { message: text.slice(0, 200) };
  }
  if (!res.ok) {
    const message = (doc as { message?: string }).message ?? res.statusText;
    const hint =
      res.status === 403
        ? message === 'Forbidden'
          ? ' (the token is missing, invalid or expired)'
          : ' (you are not in the operators group)'
        : '';
    throw new CliError(`HTTP ${res.status}: ${message}${hint}`, res.status === 409 ? 3 : 1);
  }
  return doc as T;
}

// ── output ───────────────────────────────────────────────────────────────────

/** The console API's incident summary (the CLI reads the same JSON the console serves). */
type Summary = IncidentSummary;

interface Approval {
  step: string;
  status: string;
  requestedAt: string;
  facts: Record<string, unknown>;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
}

interface View {
  incident: Summary & {
    triggerAlarm?: string;
    error?: { error: string; cause: string };
    confirmation?: ConfirmationFacts;
  };
  execution?: { status: string; currentState?: string };
  timeline: { at: string; type: string; message: string }[];
  notices: { at: string; stage: string; message: string }[];
  approvals: Approval[];
}

const out = (line = '') => process.stdout.write(`${line}\n`);

function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  out(line(headers));
  for (const r of rows) out(line(r));
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  if (seconds < 90) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  return m < 90
    ? `${m}m${String(seconds % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const shortTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z');

function printView(view: View): void {
  const i = view.incident;
  out(`Incident ${i.incidentId}`);
  out(`  cache ${i.cacheId} · ${i.status} · stage ${i.stage} · plan ${i.plan ?? '–'}`);
  out(
    `  started ${shortTime(i.openedAt)} · elapsed ${duration(i.elapsedSeconds)} · outage ${duration(i.outageSeconds)} · degraded ${duration(i.degradedSeconds)}`,
  );
  if (view.execution) out(`  workflow ${view.execution.status}, state ${view.execution.currentState ?? '–'}`);
  if (i.triggerAlarm) out(`  alarm ${i.triggerAlarm}`);
  if (i.confirmation)
    out(`  ${i.confirmation.confirmed ? 'outage confirmed' : 'false alarm'}: ${describeConfirmation(i.confirmation)}`);
  if (i.error) out(`  error ${i.error.error}: ${i.error.cause}`);
  for (const a of view.approvals) {
    out();
    out(`Approval ${a.step}: ${a.status}`);
    for (const [k, v] of Object.entries(a.facts))
      out(`  ${k.padEnd(18)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    if (a.status === 'PENDING') out(`  → cache-outage approve ${i.incidentId} --reason "…"   or   reject …`);
    else if (a.decidedBy) out(`  decided by ${a.decidedBy} at ${shortTime(a.decidedAt ?? '')}: ${a.reason ?? ''}`);
  }
  out();
  out('Timeline');
  table(
    ['AT', 'EVENT', 'MESSAGE'],
    view.timeline.map((e) => [shortTime(e.at), e.type, e.message]),
  );
}

/** `; standby <group> <lag> behind (limit …), last mirrored …, n failures in a row`, or nothing without a standby. */
function standbyPart(c: CacheBackupSummary): string {
  const s = c.standby;
  if (!s) return '';
  const lag =
    s.lagSeconds === undefined
      ? 'never mirrored'
      : `${duration(s.lagSeconds)} behind${s.overLag ? ' OVER LIMIT' : ''} (limit ${duration(s.maxLagSeconds)})`;
  const last = s.lastSuccess
    ? `, last mirrored ${shortTime(s.lastSuccess.finishedAt)}, ${s.lastSuccess.keys} keys`
    : '';
  const failures = `, ${s.consecutiveFailures} failure${s.consecutiveFailures === 1 ? '' : 's'} in a row${s.lastCycle?.reason && s.consecutiveFailures ? `: ${s.lastCycle.reason}` : ''}`;
  return `; standby ${s.replicationGroupId} ${lag}${last}${failures}`;
}

/** One line per cache: its newest verified backup against the RPO, the last run, the last test restore, the standby. */
function cacheLine(c: CacheBackupSummary): string {
  if (!c.configured) return `${c.cacheId}: no backups configured${standbyPart(c)}`;
  const parts: string[] = [];
  const b = c.newest;
  const rpo = `RPO ${duration(c.rpoSeconds)}`;
  if (b) {
    parts.push(
      `backup ${duration(b.ageSeconds)} old${c.overRpo ? ' OVER RPO' : ''} (${rpo}): ${b.method}, ${formatBytes(b.bytes)}, ${b.keys} keys, ${b.pointInTime ? 'point-in-time' : 'not point-in-time'}, watermark ${shortTime(b.watermark)}`,
    );
  } else {
    parts.push(
      `${c.method === 'none' ? 'no backup recorded (made elsewhere)' : 'no verified backup'}${c.overRpo ? ' OVER RPO' : ''} (${rpo})`,
    );
  }
  const r = c.lastRun;
  parts.push(r ? `last run ${r.outcome} ${shortTime(r.finishedAt)}${r.reason ? `: ${r.reason}` : ''}` : 'no run yet');
  parts.push(`${c.consecutiveFailures} failure${c.consecutiveFailures === 1 ? '' : 's'} in a row`);
  const t = c.lastTestRestore;
  parts.push(
    t
      ? `test restore ${t.ok ? 'ok' : 'failed'} ${shortTime(t.at)}: ${t.keysLoaded}/${t.keysExpected} keys loaded, ${t.mismatched}/${t.sampled} sampled differ${t.reason ? ` (${t.reason})` : ''}`
      : 'no test restore yet',
  );
  return `${c.cacheId}: ${parts.join(' · ')}${standbyPart(c)}`;
}

// ── commands ─────────────────────────────────────────────────────────────────

/** The drill runs the local stack, which only a checkout of the repository holds. */
function runDrill(args: string[]): Promise<number> {
  const drill = path.join(ROOT, 'local', 'cli', 'drill.ts');
  if (!existsSync(drill))
    throw new CliError(
      'the drill needs the local stack, which comes with a checkout of the repository: run npm run drill there',
    );
  const tsx = require.resolve('tsx/cli', { paths: [ROOT] });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, drill, ...args], {
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv);
  if (parsed.name === 'drill') return runDrill(parsed.args);
  if (parsed.name === 'help') {
    process.stdout.write(USAGE);
    return parsed.exitCode;
  }
  const values = parsed.options;
  const incidentId = 'incidentId' in parsed ? parsed.incidentId : undefined;
  const target = await resolveTarget(values);
  const incidentPath = `/incidents/${encodeURIComponent(incidentId ?? '')}`;
  const step = values.step;

  switch (parsed.name) {
    case 'incidents': {
      const { incidents } = await call<{ incidents: Summary[] }>(target, 'GET', '/');
      if (values.json) return (out(JSON.stringify(incidents)), 0);
      if (!incidents.length) return (out('No incidents.'), 0);
      const real = incidents.filter((i) => i.status !== 'FALSE_ALARM');
      const falseAlarms = incidents.filter((i) => i.status === 'FALSE_ALARM');
      if (real.length) {
        table(
          ['INCIDENT', 'CACHE', 'STATUS', 'STAGE', 'PLAN', 'STARTED', 'ELAPSED', 'APPROVALS'],
          real.map((i) => [
            i.incidentId,
            i.cacheId,
            i.status,
            i.stage,
            i.plan ?? '–',
            shortTime(i.openedAt),
            duration(i.elapsedSeconds),
            i.pendingApprovals ? `${i.pendingApprovals} pending` : '–',
          ]),
        );
      } else out('No incidents.');
      if (falseAlarms.length) {
        out();
        out(
          `False alarms (${falseAlarms.length}): an alarm fired, the cache answered throughout the confirmation window, no customer was told`,
        );
        table(
          ['INCIDENT', 'CACHE', 'STATUS', 'STARTED'],
          falseAlarms.map((i) => [i.incidentId, i.cacheId, 'FALSE ALARM', shortTime(i.openedAt)]),
        );
      }
      return 0;
    }
    case 'caches': {
      const { caches } = await call<{ caches: CacheBackupSummary[] }>(target, 'GET', '/caches');
      if (values.json) return (out(JSON.stringify(caches)), 0);
      if (!caches.length) return (out('No protected cache is configured.'), 0);
      for (const c of caches) out(cacheLine(c));
      return 0;
    }
    case 'show': {
      let view = await call<View>(target, 'GET', incidentPath);
      if (!values.follow) {
        if (values.json) out(JSON.stringify(view));
        else printView(view);
        return 0;
      }
      let printed = 0;
      const emit = (v: View) => {
        for (const e of v.timeline.slice(printed)) {
          if (values.json) out(JSON.stringify(e));
          else out(`${shortTime(e.at)}  ${e.type.padEnd(22)} ${e.message}`);
        }
        printed = v.timeline.length;
      };
      emit(view);
      while (view.incident.status === 'OPEN' && view.execution?.status !== 'FAILED') {
        await withProgress(
          `following ${view.incident.incidentId}: ${view.execution?.currentState ?? view.incident.stage}`,
          () => new Promise((r) => setTimeout(r, 2000)),
        );
        view = await call<View>(target, 'GET', `${incidentPath}/events`);
        emit(view);
      }
      if (!values.json) out(`\n${view.incident.incidentId}: ${view.incident.status}`);
      return 0;
    }
    case 'approve':
    case 'reject': {
      const decided = await call<{ status: string; decidedBy: string; decidedAt: string; step: string }>(
        target,
        'POST',
        `${incidentPath}/approvals/${encodeURIComponent(step)}`,
        { decision: parsed.name, reason: parsed.reason },
      );
      if (values.json) out(JSON.stringify(decided));
      else
        out(
          `${decided.status.toLowerCase()} ${decided.step} of ${incidentId} as ${decided.decidedBy} at ${shortTime(decided.decidedAt)}`,
        );
      return 0;
    }
    case 'redrive': {
      const redriven = await call<{ continuesAt?: string; requestedBy: string; requestedAt: string }>(
        target,
        'POST',
        `${incidentPath}/redrive`,
        {
          reason: parsed.reason,
        },
      );
      if (values.json) out(JSON.stringify(redriven));
      else
        out(
          `${incidentId} continues from ${redriven.continuesAt ?? 'the step it stopped at'} (asked by ${redriven.requestedBy} at ${shortTime(redriven.requestedAt)})`,
        );
      return 0;
    }
    case 'ack': {
      const acked = await call<{ acknowledgedBy: string }>(
        target,
        'POST',
        `${incidentPath}/approvals/${encodeURIComponent(step)}/ack`,
        {},
      );
      if (values.json) out(JSON.stringify(acked));
      else out(`acknowledged ${step} of ${incidentId} as ${acked.acknowledgedBy}: escalation is delayed`);
      return 0;
    }
    case 'notices': {
      const view = await call<View>(target, 'GET', incidentPath);
      if (values.json) return (out(JSON.stringify(view.notices)), 0);
      if (!view.notices.length) return (out('No notices sent yet.'), 0);
      table(
        ['AT', 'STAGE', 'NOTICE'],
        view.notices.map((n) => [shortTime(n.at), n.stage, n.message]),
      );
      return 0;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`cache-outage: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    const e = err as Error;
    process.stderr.write(`cache-outage: ${e.message}\n`);
    process.exit(e.name === 'TypeError' && /parseArgs|option/i.test(e.message) ? 2 : 1);
  },
);
