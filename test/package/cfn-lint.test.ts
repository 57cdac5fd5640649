/**
 * cfn-lint, AWS's CloudFormation linter, on the packaged template: no errors,
 * and no warning other than the ones listed here with the reason the project
 * accepts them. cfn-lint is installed on the development and CI machines
 * (pip); without it this test fails and says so rather than skip.
 */
import { spawnSync } from 'node:child_process';
import { ensurePackaged } from './packaging';

/**
 * Warnings the project accepts, by rule, with the reason. None today: the
 * framework's redundant DependsOn (W3005) are dropped by
 * serverless/stack-plugin.js, and the console URL is chosen at package time
 * instead of by a condition on a constant (W8003).
 */
const ACCEPTED: Record<string, string> = {};

interface Finding {
  Rule: { Id: string };
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Location: { Path: (string | number)[] };
}

function cfnLintVersion(): string | undefined {
  const r = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

describe('cfn-lint on the packaged template', () => {
  let findings: Finding[];

  beforeAll(async () => {
    const version = cfnLintVersion();
    if (!version) {
      throw new Error(
        'cfn-lint is not on PATH: install it (pip install cfn-lint) to run this test; the packaged template is checked with it',
      );
    }
    const template = await ensurePackaged();
    const r = spawnSync('cfn-lint', ['--format', 'json', template], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    // Exit codes: 0 clean, 2 errors, 4 warnings, 8 informational (or-ed); anything else is cfn-lint failing.
    if (r.status === null || (r.status & 1) === 1 || !r.stdout.trim().startsWith('[')) {
      throw new Error(`cfn-lint ${version} did not run: ${r.stderr || r.stdout}`);
    }
    findings = JSON.parse(r.stdout) as Finding[];
  }, 240_000);

  const show = (f: Finding) => `${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`;

  it('reports no error', () => {
    expect(findings.filter((f) => f.Level === 'Error').map(show)).toEqual([]);
  });

  it('reports no warning the project has not accepted with a reason', () => {
    expect(findings.filter((f) => f.Level === 'Warning' && !ACCEPTED[f.Rule.Id]).map(show)).toEqual([]);
  });
});
