import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { FunctionNotFoundError, startLambda, type LocalLambda } from '../../local/lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { childProcesses } from '../e2e/processes';

const run = promisify(execFile);
const FIXTURES = join(__dirname, 'fixtures', 'lambda');

describe('local Lambda runtime', () => {
  let lambda: LocalLambda;
  let client: LambdaClient;
  const logs: Array<{ fn: string; line: string }> = [];
  const metrics: Array<{ fn: string; emf: Record<string, unknown> }> = [];

  beforeAll(async () => {
    lambda = await startLambda({
      functions: [
        { name: 'echo', entry: join(FIXTURES, 'echo-env.ts'), environment: { ECHO_VALUE: 'from-env' } },
        { name: 'throws', entry: join(FIXTURES, 'throws.ts'), environment: {} },
        { name: 'metric', entry: join(FIXTURES, 'emits-metric.ts'), environment: {} },
        { name: 'sleeps', entry: join(FIXTURES, 'sleeps.ts'), environment: {}, timeoutSeconds: 1 },
        { name: 'crashes', entry: join(FIXTURES, 'crashes.ts'), environment: {} },
        { name: 'missing-handler', entry: join(FIXTURES, 'echo-env.ts'), handler: 'nope', environment: {} },
      ],
      onLog: (fn, line) => logs.push({ fn, line }),
      onMetric: (fn, emf) => metrics.push({ fn, emf }),
    });
    client = new LambdaClient({ endpoint: lambda.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });

  afterAll(async () => {
    client.destroy();
    await lambda.stop();
  });

  const decode = (bytes: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(bytes));

  it('invokes a middy handler through the SDK with the function environment and a Lambda context', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ name: 'sdk' }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    const payload = decode(out.Payload) as Record<string, unknown>;
    expect(payload).toMatchObject({
      greeting: 'hello sdk',
      value: 'from-env',
      region: 'us-east-1',
      functionName: 'echo',
      invokedFunctionArn: lambda.arnOf('echo'),
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/echo',
      nodeOptions: null,
    });
    expect(payload.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.remainingMs).toBeGreaterThan(25_000);
  });

  it('keeps the module loaded between invocations, like a warm container', async () => {
    const first = await lambda.invoke('echo', {});
    const second = await lambda.invoke(lambda.arnOf('echo'), {});
    expect(first).toMatchObject({ ok: true, payload: { loads: 1 } });
    expect(second).toMatchObject({ ok: true, payload: { loads: 1 } });
    if (first.ok && second.ok)
      expect((first.payload as { loadedAt: number }).loadedAt).toBe((second.payload as { loadedAt: number }).loadedAt);
  });

  it('accepts ARNs and NAME:$LATEST and rejects unknown functions with ResourceNotFoundException', async () => {
    await expect(
      client.send(new InvokeCommand({ FunctionName: `${lambda.arnOf('echo')}:$LATEST` })),
    ).resolves.toMatchObject({ StatusCode: 200 });
    await expect(client.send(new InvokeCommand({ FunctionName: 'echo:$LATEST' }))).resolves.toMatchObject({
      StatusCode: 200,
    });
    await expect(client.send(new InvokeCommand({ FunctionName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: ${lambda.arnOf('nope')}`,
      $metadata: { httpStatusCode: 404 },
    });
    await expect(lambda.invoke('nope', {})).rejects.toBeInstanceOf(FunctionNotFoundError);
  });

  it('reports a handler error with its custom name as an Unhandled function error', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'throws', Payload: JSON.stringify({ cacheId: 'c-1' }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const error = decode(out.Payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect(error.errorType).toBe('CacheUnavailableError');
    expect(error.errorMessage).toBe('cache c-1 is unavailable');
    expect(error.trace[0]).toContain('CacheUnavailableError');
  });

  it('supports Event (202) and DryRun (204) invocation types', async () => {
    const event = await client.send(
      new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: '{}' }),
    );
    expect(event.StatusCode).toBe(202);
    const dry = await client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
  });

  it('forwards stdout lines to onLog and embedded-metric-format lines to onMetric', async () => {
    const outcome = await lambda.invoke('metric', {});
    expect(outcome).toEqual({ ok: true, payload: { emitted: true } });
    await waitFor(() => logs.some((l) => l.fn === 'metric' && l.line.includes('plain log line')));
    const plain = logs.find((l) => l.fn === 'metric' && l.line.includes('plain log line'));
    expect(plain?.line).toMatch(/^\S+Z\t[0-9a-f-]{36}\tINFO\tplain log line$/);
    expect(logs.some((l) => l.fn === 'metric' && l.line.startsWith('REPORT RequestId:'))).toBe(true);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ fn: 'metric', emf: { service: 'fixture', RecoveryStarted: 1 } });
  });

  it('times out with Sandbox.Timedout and restarts the worker on the next invocation', async () => {
    const timedOut = await lambda.invoke('sleeps', { ms: 5000 });
    expect(timedOut).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    if (!timedOut.ok) expect(timedOut.error.errorMessage).toContain('Task timed out after 1.00 seconds');
    await expect(lambda.invoke('sleeps', { ms: 10 })).resolves.toEqual({ ok: true, payload: 'woke up' });
  });

  it('reports a crashed worker as Runtime.ExitError and a missing export as Runtime.HandlerNotFound', async () => {
    await expect(lambda.invoke('crashes', {})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.ExitError' },
    });
    await expect(lambda.invoke('missing-handler', {})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.HandlerNotFound', errorMessage: 'echo-env.nope is undefined or not exported' },
    });
  });

  it('answers ListFunctions and GetFunction, which the local stack does not use, with UnknownOperationException', async () => {
    for (const sent of [
      client.send(new ListFunctionsCommand({})),
      client.send(new GetFunctionCommand({ FunctionName: 'echo' })),
    ]) {
      await expect(sent).rejects.toMatchObject({
        name: 'UnknownOperationException',
        $metadata: { httpStatusCode: 404 },
      });
    }
    await expect(lambda.invoke('echo', {})).resolves.toMatchObject({ ok: true });
  });

  it('is reachable with the AWS CLI', async () => {
    if (!(await hasAwsCli())) {
      console.warn('aws CLI not installed: skipping the CLI invoke check');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'lambda-cli-'));
    try {
      const outFile = join(dir, 'out.json');
      const args = [
        'lambda',
        'invoke',
        '--function-name',
        'echo',
        '--endpoint-url',
        lambda.endpoint,
        '--payload',
        '{"name":"cli"}',
        outFile,
      ];
      const { stdout } = await run('aws', [...args, '--cli-binary-format', 'raw-in-base64-out'], {
        env: cliEnv(),
      }).catch(() => run('aws', args, { env: cliEnv() }));
      expect(JSON.parse(stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
      expect(JSON.parse(await readFile(outFile, 'utf8'))).toMatchObject({ greeting: 'hello cli', value: 'from-env' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function cliEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
}

async function hasAwsCli(): Promise<boolean> {
  return run('aws', ['--version']).then(
    () => true,
    () => false,
  );
}

async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('local Lambda runtime, stopping', () => {
  it('forks no worker for an invocation still waiting to start when the service stops', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const lambda = await startLambda({
      functions: [{ name: 'echo', entry: join(FIXTURES, 'echo-env.ts'), environment: { ECHO_VALUE: 'x' } }],
      beforeInvoke: () => gate,
    });
    const pending = lambda.invoke('echo', { name: 'late' });
    await lambda.stop();
    release();
    const outcome = await pending;
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'ServiceException' } });
    expect(childProcesses()).toEqual([]);
  });
});
