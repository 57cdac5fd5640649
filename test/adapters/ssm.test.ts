import 'aws-sdk-client-mock-jest';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SsmEndpointRecord } from '../../functions/adapters/ssm-endpoint-record';
import { SsmSecretReader } from '../../functions/adapters/ssm-secret-reader';
import { ConfigError, TransientDependencyError } from '../../functions/domain/errors';
import { throttled } from './aws-errors';

const ssm = mockClient(SSMClient);
const client = ssm as unknown as SSMClient;
const notFound = () => new ParameterNotFound({ message: 'not found', $metadata: {} });

afterEach(() => ssm.reset());

describe('SsmEndpointRecord', () => {
  it('reads the endpoint clients follow', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"host":"sessions.local","port":6380,"tls":true}' } });

    // Act
    const endpoint = await new SsmEndpointRecord({ client }).read('/app/cache/endpoint');

    // Assess
    expect(endpoint).toEqual({ host: 'sessions.local', port: 6380, tls: true });
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/app/cache/endpoint' });
  });

  it('answers undefined when the parameter does not exist', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(notFound());

    // Act
    const endpoint = await new SsmEndpointRecord({ client }).read('/app/cache/endpoint');

    // Assess
    expect(endpoint).toBeUndefined();
  });

  it.each([
    ['not JSON', 'sessions.local:6379', /is not JSON/],
    ['without a port', '{"host":"sessions.local"}', /port/],
  ])('rejects a record that is %s', async (_what, value, message) => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: value } });

    // Act
    const attempt = new SsmEndpointRecord({ client }).read('/app/cache/endpoint');

    // Assess
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('overwrites the record and returns the new version', async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 7 });

    // Act
    const result = await new SsmEndpointRecord({ client }).write('/app/cache/endpoint', {
      host: 'new.local',
      port: 6379,
      tls: true,
    });

    // Assess
    expect(result).toEqual({ version: 7 });
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/app/cache/endpoint',
      Value: '{"host":"new.local","port":6379,"tls":true}',
      Type: 'String',
      Overwrite: true,
    });
  });

  it('reports throttling as transient', async () => {
    // Prepare
    ssm.on(PutParameterCommand).rejects(throttled());

    // Act
    const attempt = new SsmEndpointRecord({ client }).write('/app/cache/endpoint', {
      host: 'new.local',
      port: 6379,
      tls: true,
    });

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });
});

describe('SsmSecretReader', () => {
  it('decrypts the parameter and keeps it for five minutes', async () => {
    // Prepare
    let now = Date.parse('2025-03-01T12:00:00Z');
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'first' } })
      .resolves({ Parameter: { Value: 'rotated' } });
    const reader = new SsmSecretReader({ client, clock: { now: () => new Date(now) } });

    // Act
    const a = await reader.secret('/app/cache/auth');
    now += 4 * 60 * 1000;
    const b = await reader.secret('/app/cache/auth');
    now += 2 * 60 * 1000;
    const c = await reader.secret('/app/cache/auth');

    // Assess
    expect([a, b, c]).toEqual(['first', 'first', 'rotated']);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/app/cache/auth', WithDecryption: true });
  });

  it('reports a missing parameter as a configuration error naming it', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(notFound());

    // Act
    const attempt = new SsmSecretReader({ client }).secret('/app/cache/auth');

    // Assess
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow('/app/cache/auth');
  });
});
