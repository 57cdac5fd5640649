/**
 * `cache-outage` — follow and decide incidents from a terminal, through the
 * console's HTTP API (the same API, the same authorizer, the same audit trail
 * as the browser).
 *
 *   cache-outage incidents                       open incidents first
 *   cache-outage caches                          each cache's backups, against its RPO
 *   cache-outage show <id> [--follow]            the incident and its timeline
 *   cache-outage approve <id> --reason R [--step recovery-plan] [--only a,b]
 *   cache-outage reject <id> --reason R [--step recovery-plan] [--only a,b]
 *   cache-outage ack <id> [--step recovery-plan] "I'm looking at it" (delays escalation)
 *     <id>: an incident, or an incident group (see ./group.ts)
 *   cache-outage notices <id>                    notices sent to subscribers
 *   cache-outage stats [--since 90d]             reliability over time, per cache and overall
 *   cache-outage report <id> [--format md|html|json]  the post-incident report
 *     (with --local once the stack has stopped: the report the drill kept, see ./report.ts)
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
import type { CacheBackupSummary } from '../functions/usecases/cache-backups';
import {
  statusText,
  cacheLine,
  noticeRows,
  out,
  printView,
  table,
  timelineLine,
  whenText,
  incidentListLines,
  type IncidentListJson,
  type View,
} from './human';
import { groupAck, groupDecision, groupNamed } from './group';
import { archivedReport } from './report';
import { CliError, parseCommand, USAGE } from './operator-args';
import type { ReliabilityStats } from '../functions/usecases/reliability-stats';
import { statsLines } from './stats';

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

/** The local stack is not there: no .local/stack.json, or nothing answers at its address. */
class StackDownError extends CliError {}

function readStackFile(): StackFile {
  const candidates = [path.join(process.cwd(), '.local', 'stack.json'), path.join(ROOT, '.local', 'stack.json')];
  const file = candidates.find((f) => existsSync(f));
  if (!file)
    throw new StackDownError(
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
      throw new StackDownError(`the local stack does not answer at ${tokenUrl} (${err.message}): is it still running?`);
    });
    // Anything but the stack's identity provider answering there (a stale stack file): the stack is not running.
    const body = (await res.json().catch(() => undefined)) as { id_token?: unknown } | undefined;
    if (!res.ok || typeof body?.id_token !== 'string')
      throw new StackDownError(`the local stack's identity provider gave no token at ${tokenUrl} (HTTP ${res.status})`);
    return { url: stack.consoleUrl, token: body.id_token };
  }
  const url = values.url ?? process.env.CACHE_OUTAGE_URL;
  const token = values.token ?? process.env.CACHE_OUTAGE_TOKEN;
  if (!url || !token)
    throw new CliError('say where: --local, or --url and --token (or CACHE_OUTAGE_URL and CACHE_OUTAGE_TOKEN)', 2);
  return { url, token };
}

/** The console's answer as text; a refusal is a CliError with the console's message. */
async function send(target: Target, method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<string> {
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
  if (!res.ok) {
    let doc: unknown;
    try {
      doc = text ? JSON.parse(text) : {};
    } catch {
      doc = { message: text.slice(0, 200) };
    }
    const message = (doc as { message?: string }).message ?? res.statusText;
    const hint =
      res.status === 403
        ? message === 'Forbidden'
          ? ' (the token is missing, invalid or expired)'
          : ' (you are not in the operators group)'
        : '';
    throw new CliError(`HTTP ${res.status}: ${message}${hint}`, res.status === 409 ? 3 : 1, res.status);
  }
  return text;
}

async function call<T>(target: Target, method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<T> {
  const text = await send(target, method, pathname, body);
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    return { message: text.slice(0, 200) } as T;
  }
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
  const target = await resolveTarget(values).catch((err: unknown) => {
    if (parsed.name === 'report' && err instanceof StackDownError) {
      const kept = archivedReport([process.cwd(), ROOT], parsed.incidentId, parsed.format);
      if (kept) return kept;
      throw new CliError(
        `${err.message}; and no drill kept a report of ${parsed.incidentId} in .local/reports`,
        err.exitCode,
      );
    }
    throw err;
  });
  if ('file' in target) {
    process.stderr.write(
      `cache-outage: the local stack is not running: the report the drill drafted at ${target.generatedAt} (${path.relative(process.cwd(), target.file) || target.file})\n`,
    );
    process.stdout.write(target.body.endsWith('\n') ? target.body : `${target.body}\n`);
    return 0;
  }
  const incidentPath = `/incidents/${encodeURIComponent(incidentId ?? '')}`;
  const step = values.step;

  switch (parsed.name) {
    case 'incidents': {
      const list = await call<IncidentListJson>(target, 'GET', '/');
      // The incidents' array as before groups: each incident names its group (`groupId`).
      if (values.json) return (out(JSON.stringify(list.incidents)), 0);
      for (const line of list.incidents.length ? incidentListLines(list) : ['No incidents.']) out(line);
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
          else out(timelineLine(e));
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
      if (!values.json) out(`\n${view.incident.incidentId}: ${statusText(view.incident.status)}`);
      return 0;
    }
    case 'approve':
    case 'reject': {
      const group = await groupNamed(call, target, incidentId ?? '', parsed.only !== undefined);
      if (group) return groupDecision(call, target, group, parsed, step);
      const decided = await call<{ status: string; decidedBy: string; decidedAt: string; step: string }>(
        target,
        'POST',
        `${incidentPath}/approvals/${encodeURIComponent(step)}`,
        { decision: parsed.name, reason: parsed.reason },
      );
      if (values.json) out(JSON.stringify(decided));
      else
        out(
          `${decided.status.toLowerCase()} ${decided.step} of ${incidentId} as ${decided.decidedBy} at ${whenText(decided.decidedAt)}`,
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
          `${incidentId} continues from ${redriven.continuesAt ?? 'the step it stopped at'} (asked by ${redriven.requestedBy} at ${whenText(redriven.requestedAt)})`,
        );
      return 0;
    }
    case 'ack': {
      const group = await groupNamed(call, target, incidentId ?? '', false);
      if (group) return groupAck(call, target, group, values, step);
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
    case 'stats': {
      const query = parsed.since !== undefined ? `?since=${encodeURIComponent(parsed.since)}` : '';
      const stats = await call<ReliabilityStats>(target, 'GET', `/stats${query}`);
      if (values.json) return (out(JSON.stringify(stats)), 0);
      for (const line of statsLines(stats)) out(line);
      return 0;
    }
    case 'notices': {
      const view = await call<View>(target, 'GET', incidentPath);
      if (values.json) return (out(JSON.stringify(view.notices)), 0);
      if (!view.notices.length) return (out('No notices sent yet.'), 0);
      table(['AT', 'STAGE', 'NOTICE'], noticeRows(view.notices));
      return 0;
    }
    case 'report': {
      // Errors come back as JSON (the Accept header); the report in the format asked for.
      const report = await send(target, 'GET', `${incidentPath}/report?format=${parsed.format}`);
      process.stdout.write(report.endsWith('\n') ? report : `${report}\n`);
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
