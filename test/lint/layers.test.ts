/**
 * The layer rules of eslint.config.js and the cycle check of `npm run lint`,
 * run on a small tree laid out like this repository: each rule refuses the
 * import it is meant to refuse and lets the allowed ones through.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
let dir: string;

const files: Record<string, string> = {
  'functions/config.ts': 'export const config = { region: "us-east-1" };\n',
  'functions/ports.ts': 'export interface Clock {\n  now(): Date;\n}\n',
  'functions/domain/eta.ts': 'export const minutes = (ms: number): number => ms / 60000;\n',
  'functions/domain/uses-adapter.ts':
    "import { read } from '../adapters/store';\nexport const fromDomain = (): string => read();\n",
  'functions/domain/uses-domain.ts':
    "import { minutes } from './eta';\nexport const twice = (ms: number): number => 2 * minutes(ms);\n",
  'functions/adapters/store.ts':
    "import type { Clock } from '../ports';\nexport const read = (): string => 'item';\nexport type C = Clock;\n",
  'functions/adapters/uses-usecase.ts': "import { run } from '../usecases/plain';\nexport const fromAdapter = run;\n",
  'functions/usecases/plain.ts':
    "import { twice } from '../domain/uses-domain';\nimport type { Clock } from '../ports';\nexport const run = (c: Clock): number => twice(c.now().getTime());\n",
  'functions/usecases/uses-config.ts':
    "import { config } from '../config';\nexport const region = (): string => config.region;\n",
  'functions/usecases/cycle-a.ts': "import { b } from './cycle-b';\nexport const a = (): number => b() + 1;\n",
  'functions/usecases/cycle-b.ts':
    "import { a } from './cycle-a';\nexport const b = (): number => (Math.random() > 2 ? a() : 0);\n",
  'functions/handlers/uses-local.ts': "import { stack } from '../../local/stack';\nexport const handler = stack;\n",
  'functions/handlers/plain.ts':
    "import { config } from '../config';\nimport { run } from '../usecases/plain';\nexport const handler = () => run({ now: () => new Date(config.region.length) });\n",
  'local/stack.ts': 'export const stack = 1;\n',
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layers-'));
  copyFileSync(path.join(root, 'eslint.config.js'), path.join(dir, 'eslint.config.js'));
  copyFileSync(path.join(root, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

/** Runs the eslint CLI, as `npm run lint` does, over the whole tree once. */
function lintTree(): Map<string, string[]> {
  let stdout: string;
  try {
    stdout = execFileSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', 'functions', 'local'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    stdout = String((err as { stdout?: string }).stdout);
  }
  const results = JSON.parse(stdout) as LintResult[];
  return new Map(
    results.map((r) => [path.relative(dir, r.filePath), r.messages.map((m) => `${m.ruleId}: ${m.message}`)]),
  );
}

let linted: Map<string, string[]> | undefined;
async function problems(file: string): Promise<string[]> {
  linted ??= lintTree();
  const found = linted.get(file);
  if (!found) throw new Error(`eslint did not lint ${file}`);
  return found;
}

describe('npm run lint holds the layers', () => {
  it.each([
    ['the domain importing an adapter', 'functions/domain/uses-adapter.ts', 'The domain is pure'],
    ['an adapter importing a use case', 'functions/adapters/uses-usecase.ts', 'Adapters implement ports'],
    ['a use case importing config', 'functions/usecases/uses-config.ts', 'Use cases get configuration'],
    ['functions/ importing local/', 'functions/handlers/uses-local.ts', 'never imports the local stack'],
  ])('refuses %s', async (_what, file, message) => {
    const found = await problems(file);
    expect(found).toEqual([expect.stringContaining(message)]);
    expect(found[0]).toMatch(/^import-x\/no-restricted-paths/);
  });

  it('refuses an import cycle between two modules', async () => {
    const found = await problems('functions/usecases/cycle-a.ts');
    expect(found).toEqual([expect.stringMatching(/^import-x\/no-cycle: Dependency cycle detected/)]);
  });

  it.each([
    ['the domain importing the domain', 'functions/domain/uses-domain.ts'],
    ['an adapter importing a port', 'functions/adapters/store.ts'],
    ['a use case importing the domain and ports', 'functions/usecases/plain.ts'],
    ['a handler importing config and a use case', 'functions/handlers/plain.ts'],
  ])('allows %s', async (_what, file) => {
    expect(await problems(file)).toEqual([]);
  });

  it('finds a cycle made only of type imports, which eslint leaves to madge', () => {
    writeFileSync(
      path.join(dir, 'functions/domain/type-a.ts'),
      "import type { B } from './type-b';\nexport interface A {\n  b?: B;\n}\n",
    );
    writeFileSync(
      path.join(dir, 'functions/domain/type-b.ts'),
      "import type { A } from './type-a';\nexport interface B {\n  a?: A;\n}\n",
    );
    const madge = path.join(root, 'node_modules/.bin/madge');
    const run = () =>
      execFileSync(madge, ['--circular', '--extensions', 'ts', '--ts-config', 'tsconfig.json', 'functions'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    let output = '';
    try {
      run();
    } catch (err) {
      output = String((err as { stdout?: string }).stdout);
    }
    expect(output).toContain('domain/type-a.ts > domain/type-b.ts');
    expect(output).toContain('usecases/cycle-a.ts > usecases/cycle-b.ts');
  });
});
