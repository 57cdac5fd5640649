/**
 * Each function's worker starts with the variables serverless.yml declares for
 * it (provider + function `environment`), the ones the Lambda runtime sets, and
 * the local endpoint settings; nothing another function declares. A variable
 * left out of one function's declaration is missing there, as on AWS.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startStack, type LocalStack } from '../../local/stack';

const ROOT = path.resolve(__dirname, '..', '..');

describe('function environments on the local stack', () => {
  let stack: LocalStack;
  let root: string;

  beforeAll(async () => {
    // A copy of the service whose closeIncident function no longer declares INCIDENTS_TABLE.
    root = await mkdtemp(path.join(os.tmpdir(), 'function-env-'));
    const yml = await readFile(path.join(ROOT, 'serverless.yml'), 'utf8');
    const declaration =
      /(\n {2}closeIncident:\n(?: {4}.*\n)*? {4}environment:\n) {6}INCIDENTS_TABLE:\n {8}Ref: IncidentsTable\n/;
    expect(yml).toMatch(declaration);
    await writeFile(path.join(root, 'serverless.yml'), yml.replace(declaration, '$1      DECLARED_INSTEAD: Example\n'));
    for (const entry of [
      'functions',
      'statemachines',
      'serverless',
      'config',
      'node_modules',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
    ]) {
      await symlink(path.join(ROOT, entry), path.join(root, entry));
    }
    stack = await startStack({ root, iam: false });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('gives each function only the variables declared for it, plus the runtime and endpoint settings', () => {
    const probe = stack.environmentOf('probe');
    expect(probe).toHaveProperty('PROTECTED_CACHES');
    expect(probe).not.toHaveProperty('INCIDENTS_TABLE');
    expect(probe).not.toHaveProperty('STATUS_TOPIC_ARN');
    expect(probe).not.toHaveProperty('STATE_MACHINE_ARN');
    expect(probe.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.description.endpoints.dynamodb);
    // The probe's interval and schedule on the alarms' time scale (1/60 by default): 10 s → 1/6 s, 60 s → 1 s.
    expect(Number(probe.PROBE_INTERVAL_SECONDS)).toBeCloseTo(10 / 60, 10);
    expect(Number(probe.PROBE_SCHEDULE_SECONDS)).toBe(1);
    expect(stack.environmentOf('notify')).not.toHaveProperty('PROBE_INTERVAL_SECONDS');
    const onAlarm = stack.environmentOf('on-alarm');
    expect(onAlarm.STATE_MACHINE_ARN).toBe(stack.description.stateMachineArn);
    expect(onAlarm).not.toHaveProperty('OPERATORS_TOPIC_ARN');
    expect(stack.environmentOf('notify').OPERATORS_TOPIC_ARN).toBe(stack.description.topics.operators);
  });

  it('a variable missing from one function declaration is missing in its worker: its configuration fails as on AWS', async () => {
    expect(stack.environmentOf('close-incident')).not.toHaveProperty('INCIDENTS_TABLE');
    const outcome = await stack.lambda.invoke('close-incident', {
      incidentId: 'i-1',
      cacheId: 'c-1',
      plan: 'RECOVERED',
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error.errorMessage).toContain('environment variable INCIDENTS_TABLE is required');
    // Another function that declares it still has it.
    expect(stack.environmentOf('cut-over').INCIDENTS_TABLE).toBe(stack.description.tables.incidents);
  });
});
