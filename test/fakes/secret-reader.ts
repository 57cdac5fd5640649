import { ConfigError } from '../../functions/domain/errors';
import type { SecretReader } from '../../functions/ports';
import { Failures } from './failures';

/** SecureString parameters; reading a missing one fails like ParameterNotFound. */
export class FakeSecretReader implements SecretReader {
  readonly failures = new Failures<keyof SecretReader>();
  readonly reads: string[] = [];
  private readonly secrets: Map<string, string>;

  constructor(secrets: Record<string, string> = {}) {
    this.secrets = new Map(Object.entries(secrets));
  }

  set(name: string, value: string): this {
    this.secrets.set(name, value);
    return this;
  }

  async secret(name: string): Promise<string> {
    this.failures.check('secret');
    this.reads.push(name);
    const value = this.secrets.get(name);
    if (value === undefined) throw new ConfigError(`parameter ${name} does not exist`);
    return value;
  }
}
