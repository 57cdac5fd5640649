import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  HierarchyLevelLimitExceededException,
  LabelParameterVersionCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterPatternMismatchException,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  ValidationException,
} from '@aws-sdk/client-ssm';
import type { LocalService } from '../../local/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { startSsm } from '../../local/ssm';

let ssm: LocalService;
let client: SSMClient;

beforeAll(async () => {
  ssm = await startSsm();
  client = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  client.destroy();
  await ssm.stop();
  await ssm.stop();
});

const put = (Name: string, Value: string, extra: Partial<ConstructorParameters<typeof PutParameterCommand>[0]> = {}) =>
  client.send(new PutParameterCommand({ Name, Value, Type: 'String', ...extra }));

describe('PutParameter / GetParameter', () => {
  it('creates, refuses to overwrite without Overwrite, and versions on overwrite', async () => {
    expect(await put('/cache/endpoint', 'redis://a:6379')).toMatchObject({ Version: 1, Tier: 'Standard' });
    await expect(put('/cache/endpoint', 'redis://b:6379')).rejects.toBeInstanceOf(ParameterAlreadyExists);
    expect(await put('/cache/endpoint', 'redis://b:6379', { Overwrite: true })).toMatchObject({ Version: 2 });

    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/cache/endpoint' }));
    expect(Parameter).toMatchObject({
      Name: '/cache/endpoint',
      Type: 'String',
      Value: 'redis://b:6379',
      Version: 2,
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/cache/endpoint',
      DataType: 'text',
    });
    expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    expect(Math.abs((Parameter?.LastModifiedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(10_000);

    const first = await client.send(new GetParameterCommand({ Name: '/cache/endpoint:1' }));
    expect(first.Parameter).toMatchObject({ Value: 'redis://a:6379', Version: 1, Selector: ':1' });
    await expect(client.send(new GetParameterCommand({ Name: '/cache/endpoint:9' }))).rejects.toBeInstanceOf(
      ParameterVersionNotFound,
    );
  });

  it('hides SecureString values unless decryption is requested', async () => {
    await put('/cache/password', 's3cret', { Type: 'SecureString' });
    const encrypted = await client.send(new GetParameterCommand({ Name: '/cache/password' }));
    expect(encrypted.Parameter?.Type).toBe('SecureString');
    expect(encrypted.Parameter?.Value).not.toContain('s3cret');
    expect(encrypted.Parameter?.Value).toMatch(/^AQICAH[A-Za-z0-9+/=]+$/);
    const again = await client.send(new GetParameterCommand({ Name: '/cache/password' }));
    expect(again.Parameter?.Value).toBe(encrypted.Parameter?.Value);

    const decrypted = await client.send(new GetParameterCommand({ Name: '/cache/password', WithDecryption: true }));
    expect(decrypted.Parameter?.Value).toBe('s3cret');
  });

  it('stores StringList values as given', async () => {
    await put('/cache/nodes', 'a,b,c', { Type: 'StringList' });
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/cache/nodes' }));
    expect(Parameter).toMatchObject({ Type: 'StringList', Value: 'a,b,c' });
  });

  it('returns ParameterNotFound as a typed error with HTTP 400', async () => {
    const missing = client.send(new GetParameterCommand({ Name: '/nope' }));
    await expect(missing).rejects.toBeInstanceOf(ParameterNotFound);
    await expect(missing).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it.each([
    ['hierarchy without a leading slash', 'cache/endpoint'],
    ['a space', '/cache/end point'],
    ['a reserved prefix', '/aws/thing'],
    ['a reserved prefix without a path', 'ssmThing'],
    ['a trailing slash', '/cache/'],
    ['an empty path segment', '/cache//x'],
  ])('rejects a name with %s', async (_label, name) => {
    await expect(put(name, 'x')).rejects.toBeInstanceOf(ValidationException);
  });

  it('validates type, value, depth and allowed patterns', async () => {
    await expect(client.send(new PutParameterCommand({ Name: '/typeless', Value: 'x' }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await expect(put('/bad-type', 'x', { Type: 'Number' as never })).rejects.toBeInstanceOf(ValidationException);
    await expect(put('/too-long', 'x'.repeat(4097))).rejects.toBeInstanceOf(ValidationException);
    await expect(put('/advanced', 'x'.repeat(4097), { Tier: 'Advanced' })).resolves.toMatchObject({ Tier: 'Advanced' });
    await expect(put(`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, 'x')).rejects.toBeInstanceOf(
      HierarchyLevelLimitExceededException,
    );
    await expect(put('/port', 'abc', { AllowedPattern: '\\d+' })).rejects.toBeInstanceOf(
      ParameterPatternMismatchException,
    );
    await expect(put('/port', '6379', { AllowedPattern: '\\d+' })).resolves.toMatchObject({ Version: 1 });
  });
});

describe('versions, selectors and tags', () => {
  it('keeps the last 100 versions, dropping the oldest', async () => {
    await put('/versions/p', 'v1');
    for (let i = 2; i <= 101; i++) await put('/versions/p', `v${i}`, { Overwrite: true });
    await expect(client.send(new GetParameterCommand({ Name: '/versions/p:1' }))).rejects.toBeInstanceOf(
      ParameterVersionNotFound,
    );
    const second = await client.send(new GetParameterCommand({ Name: '/versions/p:2' }));
    expect(second.Parameter).toMatchObject({ Value: 'v2', Version: 2 });
    const latest = await client.send(new GetParameterCommand({ Name: '/versions/p' }));
    expect(latest.Parameter).toMatchObject({ Value: 'v101', Version: 101 });
  });

  it('reads by ARN; a label selector finds nothing, since no version is labelled locally', async () => {
    await put('/selectors/p', 'blue');
    const byArn = await client.send(
      new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/selectors/p' }),
    );
    expect(byArn.Parameter).toMatchObject({ Name: '/selectors/p', Value: 'blue' });
    await expect(client.send(new GetParameterCommand({ Name: '/selectors/p:stable' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
      message: 'Parameter /selectors/p:stable not found.',
    });
  });

  it('refuses Tags together with Overwrite, as SSM does', async () => {
    await put('/tags/p', 'x', { Tags: [{ Key: 'team', Value: 'cache' }] });
    await expect(
      put('/tags/p', 'y', { Overwrite: true, Tags: [{ Key: 'team', Value: 'cache' }] }),
    ).rejects.toBeInstanceOf(ValidationException);
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/tags/p' }));
    expect(Parameter).toMatchObject({ Value: 'x', Version: 1 });
  });
});

describe('operations the local stack does not use', () => {
  it('answers each with UnknownOperationException', async () => {
    await put('/unused/p', 'kept');
    const unused: [string, Promise<unknown>][] = [
      ['GetParameters', client.send(new GetParametersCommand({ Names: ['/unused/p'] }))],
      ['GetParametersByPath', client.send(new GetParametersByPathCommand({ Path: '/unused' }))],
      ['GetParameterHistory', client.send(new GetParameterHistoryCommand({ Name: '/unused/p' }))],
      ['DeleteParameter', client.send(new DeleteParameterCommand({ Name: '/unused/p' }))],
      ['DeleteParameters', client.send(new DeleteParametersCommand({ Names: ['/unused/p'] }))],
      ['DescribeParameters', client.send(new DescribeParametersCommand({}))],
      [
        'LabelParameterVersion',
        client.send(new LabelParameterVersionCommand({ Name: '/unused/p', Labels: ['stable'] })),
      ],
    ];
    for (const [operation, sent] of unused) {
      await expect(sent).rejects.toMatchObject({
        name: 'UnknownOperationException',
        message: `Unknown operation AmazonSSM.${operation}`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    // Nothing was done: the parameter is still there.
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/unused/p' }));
    expect(Parameter).toMatchObject({ Value: 'kept', Version: 1 });
  });
});

describe('AWS CLI', () => {
  const cli = promisify(execFile);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'us-east-1',
  };

  it('reads a SecureString with `aws ssm get-parameter --with-decryption`', async () => {
    const available = await cli('aws', ['--version'], { env }).then(
      () => true,
      () => false,
    );
    if (!available) {
      console.warn('skipping AWS CLI check: `aws` is not installed');
      return;
    }
    const aws = async (...args: string[]): Promise<{ Parameter?: { Value?: string; Version?: number } }> =>
      JSON.parse(
        (await cli('aws', ['--endpoint-url', ssm.endpoint, '--output', 'json', 'ssm', ...args], { env })).stdout,
      ) as {
        Parameter?: { Value?: string; Version?: number };
      };
    await aws('put-parameter', '--name', '/cli/token', '--value', 'from-cli', '--type', 'SecureString');
    const { Parameter } = await aws('get-parameter', '--name', '/cli/token', '--with-decryption');
    expect(Parameter).toMatchObject({ Value: 'from-cli', Version: 1 });
    const sdk = await client.send(new GetParameterCommand({ Name: '/cli/token', WithDecryption: true }));
    expect(sdk.Parameter?.Value).toBe('from-cli');

    const missing = await cli(
      'aws',
      ['--endpoint-url', ssm.endpoint, 'ssm', 'get-parameter', '--name', '/cli/missing'],
      { env },
    ).catch((error: { stderr?: string }) => error.stderr ?? '');
    expect(missing).toContain('ParameterNotFound');

    const unknown = await cli(
      'aws',
      ['--endpoint-url', ssm.endpoint, 'ssm', 'delete-parameter', '--name', '/cli/token'],
      { env },
    ).catch((error: { stderr?: string }) => error.stderr ?? '');
    expect(unknown).toContain(
      'An error occurred (UnknownOperationException) when calling the DeleteParameter operation: Unknown operation AmazonSSM.DeleteParameter',
    );
  });
});
