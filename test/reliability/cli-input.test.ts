/**
 * Any command line gives the `cache-outage` CLI a typed command or a typed
 * usage error (exit code 2), never another exception, and parsing it does
 * nothing: no request, no process, so a bad command line cannot decide an
 * approval. Arbitrary argv (random strings, flags, Unicode, missing values,
 * unknown commands, incident ids with slashes) for robustness; argv from the
 * CLI's grammar against a model of it for correctness; and the CLI itself,
 * run as operators run it, for the exit code and message of usage errors.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DEFAULT_STEP, parseCommand, UsageError, type Command } from '../../cli/operator-args';
import { SOURCE_CLI } from '../cli/support';
import { figure } from './harness';
import { assertProperty, RUNS, SEED } from './properties';

const COMMANDS = [
  'incidents',
  'caches',
  'show',
  'approve',
  'reject',
  'ack',
  'notices',
  'redrive',
  'stats',
  'report',
] as const;
const STRING_OPTIONS = ['url', 'token', 'as', 'step', 'reason', 'only', 'since', 'format'] as const;
const BOOLEAN_OPTIONS = ['local', 'json', 'follow'] as const;

type Outcome = { kind: 'command'; command: Command } | { kind: 'usage'; error: UsageError };

/** Parses; anything but a command or a UsageError fails the property. */
function classify(argv: string[]): Outcome {
  try {
    return { kind: 'command', command: parseCommand(argv) };
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'usage', error };
    throw error;
  }
}

/** What every parsed command promises the code that runs it. */
function invariantBroken(argv: string[], out: Outcome): string | undefined {
  if (out.kind === 'usage') {
    return out.error.exitCode === 2 && out.error.message.length > 0
      ? undefined
      : `bad usage error ${String(out.error)}`;
  }
  const c = out.command;
  switch (c.name) {
    case 'help':
      return c.exitCode === 0 || c.exitCode === 2 ? undefined : `help exits ${String(c.exitCode)}`;
    case 'drill':
      return argv[0] === 'drill' && JSON.stringify(c.args) === JSON.stringify(argv.slice(1))
        ? undefined
        : 'drill args changed';
    default: {
      if (argv[0] !== c.name) return `ran ${c.name} for ${JSON.stringify(argv[0])}`;
      const o = c.options;
      if (typeof o.local !== 'boolean' || typeof o.json !== 'boolean' || typeof o.follow !== 'boolean')
        return 'a flag is not a boolean';
      if (typeof o.step !== 'string') return 'no step';
      for (const k of ['url', 'token', 'as'] as const)
        if (o[k] !== undefined && typeof o[k] !== 'string') return `${k} is not text`;
      if (c.name === 'incidents' || c.name === 'caches' || c.name === 'stats') return undefined;
      if (typeof c.incidentId !== 'string' || !c.incidentId || !argv.includes(c.incidentId))
        return `incident id ${JSON.stringify(c.incidentId)}`;
      if ((c.name === 'approve' || c.name === 'reject' || c.name === 'redrive') && !c.reason.trim())
        return 'a decision without a reason';
      if (c.name === 'report' && !['md', 'html', 'json'].includes(c.format)) return `format ${c.format}`;
      if ((c.name === 'approve' || c.name === 'reject') && c.only !== undefined) {
        if (!c.only.length || c.only.some((id) => !id.trim() || id.includes(',')))
          return `only ${JSON.stringify(c.only)}`;
      }
      return undefined;
    }
  }
}

const figures: [string, string | number][] = [];
afterAll(() => {
  figure('cli_input.runs_per_parser', RUNS);
  figure('cli_input.seed', SEED);
  for (const [name, value] of figures) figure(name, value);
});

// ── arbitrary command lines ──────────────────────────────────────────────────

const FLAGS = [
  '--local',
  '--json',
  '--follow',
  '--url',
  '--token',
  '--as',
  '--step',
  '--reason',
  '--format',
  '-h',
  '--help',
  '--',
  '-',
  '--reason=',
  '--json=false',
  '--local=1',
  '--bogus',
  '-x',
  '-hx',
  '---',
  '--URL',
];
const word = fc.oneof(
  fc.constantFrom(...COMMANDS, 'drill', 'help', '', ' ', 'approve ', 'APPROVE', ...FLAGS),
  fc.constantFrom(
    'accounts-20240514T093107Z',
    'a/b',
    '../../etc/passwd',
    '%2F',
    'x/approvals/recovery-plan',
    '障害🚨',
    '\u0000',
    '\ud800',
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ maxLength: 12 }).map((s) => `--${s}`),
  fc.tuple(fc.constantFrom(...FLAGS), fc.string({ maxLength: 12 })).map(([f, v]) => `${f}=${v}`),
);
const argvs = fc.array(word, { maxLength: 8 });

describe('cache-outage command lines', () => {
  it('arbitrary argv: a typed command or a UsageError (exit 2), never another exception, never a request', async () => {
    const fetch = jest.spyOn(globalThis, 'fetch');
    const tally = { commands: 0, usage: 0 };
    try {
      await assertProperty(
        'cli argv',
        fc.property(argvs, (argv) => {
          const out = classify(argv);
          tally[out.kind === 'command' ? 'commands' : 'usage'] += 1;
          const broken = invariantBroken(argv, out);
          if (broken) throw new Error(broken);
        }),
      );
      expect(fetch).not.toHaveBeenCalled();
    } finally {
      fetch.mockRestore();
    }
    figures.push(['cli_input.arbitrary_outcomes', `${tally.commands} commands, ${tally.usage} usage errors`]);
    expect(tally.commands).toBeGreaterThan(RUNS / 20);
    expect(tally.usage).toBeGreaterThan(RUNS / 20);
  });

  // ── command lines from the grammar, against a model ────────────────────────

  type Token =
    | { kind: 'positional'; value: string }
    | { kind: 'flag'; name: (typeof BOOLEAN_OPTIONS)[number] | 'help' | 'h' }
    | { kind: 'option'; name: (typeof STRING_OPTIONS)[number]; value: string; equals: boolean };

  /** Text that parses as a value or a positional: it does not start with a dash. */
  const plain = fc
    .oneof(
      fc.constantFrom(
        '',
        ' ',
        'accounts-20240514T093107Z',
        'a/b',
        'x/approvals/other',
        'restore from the newest backup',
        'md',
        'html',
        'json',
        '障害🚨',
        '\t',
      ),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
    )
    .filter((s) => !s.startsWith('-'));
  const tokens = fc.array(
    fc.oneof(
      { arbitrary: plain.map((value): Token => ({ kind: 'positional', value })), weight: 2 },
      fc.constantFrom(...BOOLEAN_OPTIONS, 'help' as const, 'h' as const).map((name): Token => ({ kind: 'flag', name })),
      {
        arbitrary: fc
          .record({ name: fc.constantFrom(...STRING_OPTIONS), value: plain, equals: fc.boolean() })
          .map((o): Token => ({ kind: 'option', ...o })),
        weight: 3,
      },
      // With `--name=value`, a value may start with a dash.
      fc
        .record({ name: fc.constantFrom(...STRING_OPTIONS), value: fc.string({ maxLength: 10 }).map((s) => `-${s}`) })
        .map((o): Token => ({ kind: 'option', ...o, equals: true })),
    ),
    { maxLength: 6 },
  );
  const render = (t: Token): string[] =>
    t.kind === 'positional'
      ? [t.value]
      : t.kind === 'flag'
        ? [t.name === 'h' ? '-h' : `--${t.name}`]
        : t.equals
          ? [`--${t.name}=${t.value}`]
          : [`--${t.name}`, t.value];

  /** The CLI's documented grammar: last value wins, `--help` anywhere, the first positional is the incident. */
  function model(command: string, ts: Token[]): { usage: RegExp } | Command {
    if (command === 'drill') return { name: 'drill', args: ts.flatMap(render) };
    if (!command || command === 'help') return { name: 'help', exitCode: command ? 0 : 2 };
    if (ts.some((t) => t.kind === 'flag' && (t.name === 'help' || t.name === 'h')))
      return { name: 'help', exitCode: 0 };
    if (!(COMMANDS as readonly string[]).includes(command)) return { usage: /^unknown command/ };
    const last = (name: string) =>
      ts.filter((t) => t.kind === 'option' && t.name === name).at(-1) as { value: string } | undefined;
    const has = (name: string) => ts.some((t) => t.kind === 'flag' && t.name === name);
    const options = {
      local: has('local'),
      ...(last('url') ? { url: last('url')?.value } : {}),
      ...(last('token') ? { token: last('token')?.value } : {}),
      ...(last('as') ? { as: last('as')?.value } : {}),
      json: has('json'),
      step: last('step')?.value ?? DEFAULT_STEP,
      follow: has('follow'),
    };
    const only = last('only')?.value;
    const since = last('since')?.value;
    const format = last('format')?.value;
    if (only !== undefined && command !== 'approve' && command !== 'reject')
      return { usage: /^--only is for approve and reject/ };
    if (since !== undefined && command !== 'stats') return { usage: /^--since is for stats, not / };
    if (format !== undefined && command !== 'report') return { usage: /^--format is for report/ };
    if (command === 'stats') return { name: command, ...(since !== undefined ? { since } : {}), options };
    if (command === 'incidents' || command === 'caches') return { name: command, options } as Command;
    const incidentId = ts.find((t) => t.kind === 'positional')?.value;
    if (!incidentId) return { usage: /needs an incident id/ };
    if (command === 'report') {
      const chosen = format ?? (options.json ? 'json' : 'md');
      if (!['md', 'html', 'json'].includes(chosen)) return { usage: /^--format must be md, html or json/ };
      return { name: command, incidentId, format: chosen, options } as Command;
    }
    if (command === 'approve' || command === 'reject' || command === 'redrive') {
      const reason = last('reason')?.value;
      if (!reason?.trim()) return { usage: /needs --reason/ };
      if (only === undefined) return { name: command, incidentId, reason, options } as Command;
      const ids = only
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      if (!ids.length) return { usage: /^--only needs the caches to decide/ };
      return { name: command, incidentId, reason, only: ids, options } as Command;
    }
    return { name: command, incidentId, options } as Command;
  }

  it('argv from the grammar parses to exactly the command the model expects', async () => {
    let usage = 0;
    await assertProperty(
      'cli grammar',
      fc.property(
        fc.tuple(
          fc.oneof(
            { arbitrary: fc.constantFrom(...COMMANDS), weight: 6 },
            fc.constantFrom('drill', 'help', '', 'status'),
          ),
          tokens,
        ),
        ([command, ts]) => {
          const argv = [command, ...ts.flatMap(render)];
          const expected = model(command, ts);
          const out = classify(argv);
          if ('usage' in expected) {
            usage += 1;
            if (out.kind !== 'usage' || !expected.usage.test(out.error.message)) {
              throw new Error(`expected a usage error ${String(expected.usage)}, got ${JSON.stringify(out)}`);
            }
          } else if (out.kind !== 'command' || JSON.stringify(out.command) !== JSON.stringify(expected)) {
            throw new Error(
              `expected ${JSON.stringify(expected)}, got ${JSON.stringify(out.kind === 'command' ? out.command : out.error.message)}`,
            );
          }
        },
      ),
    );
    figures.push(['cli_input.grammar_usage_errors', `${usage}/${RUNS}`]);
    expect(usage).toBeGreaterThan(0);
  });

  it.each([
    [[], { name: 'help', exitCode: 2 }],
    [['help'], { name: 'help', exitCode: 0 }],
    [['frob', '--help'], { name: 'help', exitCode: 0 }],
    [['frob'], /^unknown command "frob"/],
    [['show'], /^show needs an incident id/],
    [['approve', 'inc-1'], /^approve needs --reason/],
    [['reject', 'inc-1', '--reason', '   '], /^reject needs --reason/],
    [['show', 'inc-1', '--url'], /^Option '--url <value>' argument missing/],
    [['show', 'inc-1', '--url', '--json'], /^Option '--url' argument is ambiguous/],
    [['incidents', '--bogus'], /^Unknown option '--bogus'/],
    [['incidents', '--json=yes'], /^Option '--json' does not take an argument/],
    [['approve', 'a/b', '--reason', 'r', '--step', 'x/../y'], { name: 'approve', incidentId: 'a/b', reason: 'r' }],
    [
      [
        'approve',
        'acme-redis-20261207T095000Z',
        '--reason',
        'r',
        '--only',
        ' accounts-1, ,accounts-2-20261207T095001Z',
      ],
      {
        name: 'approve',
        incidentId: 'acme-redis-20261207T095000Z',
        only: ['accounts-1', 'accounts-2-20261207T095001Z'],
      },
    ],
    [['reject', 'g', '--reason', 'r', '--only', ' , '], /^--only needs the caches to decide/],
    [['ack', 'g', '--only', 'a'], /^--only is for approve and reject of an incident group, not ack/],
    [['stats'], { name: 'stats' }],
    [['stats', '--since', '2025-01-01', '--json'], { name: 'stats', since: '2025-01-01', options: { json: true } }],
    [['show', 'inc-1', '--since', '30d'], /^--since is for stats, not show/],
    [['report', 'inc-1'], { name: 'report', incidentId: 'inc-1', format: 'md' }],
    [['report', 'inc-1', '--json'], { name: 'report', incidentId: 'inc-1', format: 'json' }],
    [['report', 'inc-1', '--json', '--format', 'html'], { name: 'report', incidentId: 'inc-1', format: 'html' }],
    [['report', 'inc-1', '--format', 'pdf'], /^--format must be md, html or json/],
    [['report', '--format', 'md'], /^report needs an incident id/],
    [['show', 'inc-1', '--format', 'md'], /^--format is for report, not show/],
  ] as [string[], RegExp | Partial<Command>][])('%j', (argv, expected) => {
    const out = classify(argv);
    if (expected instanceof RegExp) {
      expect(out.kind).toBe('usage');
      expect(out.kind === 'usage' && out.error.message).toMatch(expected);
    } else {
      expect(out).toMatchObject({ kind: 'command', command: expected });
    }
  });

  it('the CLI reports usage errors on stderr with exit code 2, and asks for nothing', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'cache-outage-cli-input-'));
    const env = { ...process.env };
    delete env.CACHE_OUTAGE_URL;
    delete env.CACHE_OUTAGE_TOKEN;
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [...SOURCE_CLI, ...args], { cwd, env, timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
        );
      });
    try {
      const cases: [string[], RegExp][] = [
        [['frob', '障害🚨'], /^cache-outage: unknown command "frob"/],
        [['approve', 'a/b/../c'], /^cache-outage: approve needs --reason/],
        [['show', 'x', '--url'], /^cache-outage: Option '--url <value>' argument missing/],
        [['incidents', '--bogus'], /^cache-outage: Unknown option '--bogus'/],
      ];
      const results = await Promise.all(cases.map(([args]) => run(args)));
      results.forEach((r, i) => {
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch((cases[i] as [string[], RegExp])[1]);
        expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
      });
      const none = await run([]);
      expect(none.code).toBe(2);
      expect(none.stdout).toMatch(/^usage: cache-outage/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
