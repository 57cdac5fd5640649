/**
 * The `cache-outage` command line, parsed: a typed command, or a `UsageError`
 * (exit code 2) saying what is wrong. Pure: no I/O, no environment, so
 * cli/operator.ts runs the command and tests can parse any argv.
 */
import { parseArgs } from 'node:util';
import type { ReportFormat } from '../functions/usecases/incident-report';

export const DEFAULT_STEP = 'recovery-plan';

const isReportFormat = (f: string): f is ReportFormat => f === 'md' || f === 'html' || f === 'json';

export const USAGE = `usage: cache-outage <command> [options]

commands:
  incidents                          list incidents, open ones first
  caches                             each protected cache's backups: newest verified, age against the RPO,
                                     last run, failures in a row, last test restore
  show <incident> [--follow]         the incident, its approvals and its timeline
  approve <id> --reason TEXT         approve the pending recovery plan   [--step ${DEFAULT_STEP}]
  reject <id> --reason TEXT          reject it (the workflow escalates)  [--step ${DEFAULT_STEP}]
                                     <id>: an incident, or an incident group (a provider outage): then every
                                     cache of the group waiting is decided, or only those in --only
  ack <id>                           acknowledge the request (of every cache waiting, for a group): delays
                                     escalation while you look
  redrive <incident> --reason TEXT   continue a workflow that stopped at a step, once the cause is fixed
  notices <incident>                 notices sent to subscribers
  report <incident>                  the post-incident report, drafted from the incident's record
                                     [--format md|html|json] (default md; --json is --format json)
  drill [options]                    run the local incident drill (see: cache-outage drill --help)
  stats [--since 90d]                reliability over time, per cache and overall: time to detect, to start
                                     recovery, outage and degraded time (median, worst), operators needed

options:
  --local              use the local stack (.local/stack.json)
  --url URL            console URL (or CACHE_OUTAGE_URL)
  --token JWT          bearer token of an operator (or CACHE_OUTAGE_TOKEN)
  --as NAME            local only: the operator name to sign in as (default: $USER@local)
  --only A,B           approve/reject of a group: only these caches (incident or cache ids)
  --format F           report: md (default), html or json
  --json               machine-readable output
  --since WHEN         stats: from a date (2025-01-01) or a span back from now (90d, 12h, 2w; default 90d)
  -h, --help           this help
`;

/** An error the CLI reports as `cache-outage: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The console's HTTP status, when the console refused the request. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The command line itself is wrong: exit code 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super(message, 2);
  }
}

/** Where to send requests, and how to print them: shared by every console command. */
export interface CommandOptions {
  local: boolean;
  url?: string;
  token?: string;
  as?: string;
  json: boolean;
  step: string;
  follow: boolean;
}

export type Command =
  /** Print the usage; exit 0 when asked for, 2 when there was no command. */
  | { name: 'help'; exitCode: 0 | 2 }
  | { name: 'drill'; args: string[] }
  | { name: 'incidents'; options: CommandOptions }
  | { name: 'caches'; options: CommandOptions }
  /** `since` as typed: the console reads it (a date or a span such as 90d). */
  | { name: 'stats'; since?: string; options: CommandOptions }
  | { name: 'show' | 'ack' | 'notices'; incidentId: string; options: CommandOptions }
  | { name: 'redrive'; incidentId: string; reason: string; options: CommandOptions }
  | { name: 'report'; incidentId: string; format: ReportFormat; options: CommandOptions }
  | {
      name: 'approve' | 'reject';
      /** An incident id or a group id. */
      incidentId: string;
      reason: string;
      /** For a group: only these caches (incident or cache ids). */
      only?: string[];
      options: CommandOptions;
    };

const NEEDS_ID = ['show', 'approve', 'reject', 'ack', 'notices', 'redrive', 'report'] as const;
type NeedsId = (typeof NEEDS_ID)[number];
const needsId = (command: string): command is NeedsId => (NEEDS_ID as readonly string[]).includes(command);

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        local: { type: 'boolean', default: false },
        url: { type: 'string' },
        token: { type: 'string' },
        as: { type: 'string' },
        json: { type: 'boolean', default: false },
        step: { type: 'string', default: DEFAULT_STEP },
        reason: { type: 'string' },
        only: { type: 'string' },
        follow: { type: 'boolean', default: false },
        since: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // node:util's own errors (unknown option, missing or ambiguous value) are the user's to fix.
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((err as Error).message);
    throw err;
  }
}

export function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === 'drill') return { name: 'drill', args: rest };
  if (!command || command === '-h' || command === '--help' || command === 'help')
    return { name: 'help', exitCode: command ? 0 : 2 };
  const { values, positionals } = parseOptions(rest);
  if (values.help) return { name: 'help', exitCode: 0 };
  if (command !== 'incidents' && command !== 'caches' && command !== 'stats' && !needsId(command))
    throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  const options: CommandOptions = {
    local: values.local,
    ...(values.url !== undefined ? { url: values.url } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values.as !== undefined ? { as: values.as } : {}),
    json: values.json,
    step: values.step,
    follow: values.follow,
  };
  if (values.only !== undefined && command !== 'approve' && command !== 'reject')
    throw new UsageError(`--only is for approve and reject of an incident group, not ${command}`);
  if (values.since !== undefined && command !== 'stats') throw new UsageError(`--since is for stats, not ${command}`);
  if (values.format !== undefined && command !== 'report')
    throw new UsageError(`--format is for report, not ${command}`);
  if (command === 'stats')
    return { name: command, ...(values.since !== undefined ? { since: values.since } : {}), options };
  if (command === 'incidents' || command === 'caches') return { name: command, options };
  const incidentId = positionals[0];
  if (!incidentId) throw new UsageError(`${command} needs an incident id\n\n${USAGE}`);
  if (command === 'approve' || command === 'reject' || command === 'redrive') {
    if (!values.reason?.trim())
      throw new UsageError(`${command} needs --reason: it is recorded with your name on the incident's timeline`);
    if (command === 'redrive') return { name: command, incidentId, reason: values.reason, options };
    if (values.only === undefined) return { name: command, incidentId, reason: values.reason, options };
    const only = values.only
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (!only.length)
      throw new UsageError('--only needs the caches to decide: incident or cache ids, separated by commas');
    return { name: command, incidentId, reason: values.reason, only, options };
  }
  if (command === 'report') {
    const format = values.format ?? (values.json ? 'json' : 'md');
    if (!isReportFormat(format)) throw new UsageError('--format must be md, html or json');
    return { name: command, incidentId, format, options };
  }
  return { name: command, incidentId, options };
}
