import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DeleteParameterCommand,
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

describe('other operations', () => {
  it('GetParameters splits found and invalid names', async () => {
    await put('/multi/a', '1');
    await put('/multi/b', '2');
    const result = await client.send(new GetParametersCommand({ Names: ['/multi/a', '/multi/b', '/multi/missing'] }));
    expect(result.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
      ['/multi/a', '1'],
      ['/multi/b', '2'],
    ]);
    expect(result.InvalidParameters).toEqual(['/multi/missing']);
  });

  it('GetParameterHistory returns every version with values and dates', async () => {
    await put('/history/p', 'v1', { Description: 'first' });
    await put('/history/p', 'v2', { Overwrite: true, Type: 'SecureString' });
    const { Parameters } = await client.send(
      new GetParameterHistoryCommand({ Name: '/history/p', WithDecryption: true }),
    );
    expect(Parameters?.map((p) => [p.Version, p.Value, p.Type])).toEqual([
      [1, 'v1', 'String'],
      [2, 'v2', 'SecureString'],
    ]);
    expect(Parameters?.[0]?.Description).toBe('first');
    expect(Parameters?.[1]?.KeyId).toBe('alias/aws/ssm');
    expect(Parameters?.every((p) => p.LastModifiedDate instanceof Date)).toBe(true);
    const hidden = await client.send(new GetParameterHistoryCommand({ Name: '/history/p' }));
    expect(hidden.Parameters?.[1]?.Value).not.toBe('v2');
  });

  it('labels versions and reads them by label', async () => {
    await put('/labels/p', 'blue');
    await put('/labels/p', 'green', { Overwrite: true });
    const labelled = await client.send(
      new LabelParameterVersionCommand({ Name: '/labels/p', ParameterVersion: 1, Labels: ['stable', '1bad'] }),
    );
    expect(labelled).toMatchObject({ ParameterVersion: 1, InvalidLabels: ['1bad'] });
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/labels/p:stable' }));
    expect(Parameter).toMatchObject({ Value: 'blue', Version: 1, Selector: ':stable' });
  });

  it('GetParametersByPath honours Recursive and pagination', async () => {
    await put('/tree/a', '1');
    await put('/tree/b', '2');
    await put('/tree/deep/c', '3');
    const shallow = await client.send(new GetParametersByPathCommand({ Path: '/tree' }));
    expect(shallow.Parameters?.map((p) => p.Name)).toEqual(['/tree/a', '/tree/b']);
    const first = await client.send(new GetParametersByPathCommand({ Path: '/tree/', Recursive: true, MaxResults: 2 }));
    const second = await client.send(
      new GetParametersByPathCommand({ Path: '/tree/', Recursive: true, MaxResults: 2, NextToken: first.NextToken }),
    );
    expect([...(first.Parameters ?? []), ...(second.Parameters ?? [])].map((p) => p.Name)).toEqual([
      '/tree/a',
      '/tree/b',
      '/tree/deep/c',
    ]);
    expect(second.NextToken).toBeUndefined();
  });

  it('DescribeParameters lists metadata without values and filters by name', async () => {
    await put('/describe/x', '1', { Description: 'described' });
    const { Parameters } = await client.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/describe/'] }],
      }),
    );
    expect(Parameters).toEqual([
      expect.objectContaining({
        Name: '/describe/x',
        Type: 'String',
        Version: 1,
        Description: 'described',
        Tier: 'Standard',
      }),
    ]);
    expect(Parameters?.[0]).not.toHaveProperty('Value');
  });

  it('DeleteParameter removes the parameter', async () => {
    await put('/delete/me', 'x');
    await client.send(new DeleteParameterCommand({ Name: '/delete/me' }));
    await expect(client.send(new GetParameterCommand({ Name: '/delete/me' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
    await expect(client.send(new DeleteParameterCommand({ Name: '/delete/me' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
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
  });
});
