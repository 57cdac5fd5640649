/**
 * What a test's functions write to stdout and stderr (the structured logger's
 * lines), captured for each test of the enclosing describe and restored after.
 */
export interface CapturedLogs {
  /** Everything written, in order. */
  text(): string;
  /** The JSON log lines written, parsed. */
  lines(): Record<string, unknown>[];
  /** Forgets what was written so far. */
  clear(): void;
}

export function captureLogs(): CapturedLogs {
  let output: string[] = [];
  let spies: jest.SpyInstance[] = [];
  beforeEach(() => {
    output = [];
    const capture = (chunk: unknown): boolean => {
      output.push(String(chunk));
      return true;
    };
    spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
  });
  afterEach(() => spies.forEach((s) => s.mockRestore()));
  return {
    text: () => output.join(''),
    lines: () =>
      output
        .join('')
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    clear: () => {
      output = [];
    },
  };
}
