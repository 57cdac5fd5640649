/** SecureString parameters, decrypted, kept per container for a few minutes. Values never appear in errors or logs. */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../domain/errors';
import { systemClock, type Clock, type SecretReader } from '../ports';
import { errorName, rethrowAws } from './aws-errors';
import { ssmClient, type SsmOptions } from './ssm-endpoint-record';

const DEFAULT_TTL_MS = 5 * 60 * 1000;

export interface SsmSecretReaderOptions extends SsmOptions {
  clock?: Clock;
  ttlMs?: number;
}

export class SsmSecretReader implements SecretReader {
  private readonly client: SSMClient;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly cache = new Map<string, { value: string; expires: number }>();

  constructor(options: SsmSecretReaderOptions = {}) {
    this.client = ssmClient(options);
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  async secret(name: string): Promise<string> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(name);
    if (hit && hit.expires > now) return hit.value;
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      value = out.Parameter?.Value;
    } catch (err) {
      if (errorName(err) === 'ParameterNotFound')
        throw new ConfigError(`SSM parameter ${name} does not exist`, { cause: err });
      rethrowAws(err, `SSM GetParameter ${name}`);
    }
    if (value === undefined) throw new ConfigError(`SSM parameter ${name} has no value`);
    this.cache.set(name, { value, expires: now + this.ttlMs });
    return value;
  }
}
