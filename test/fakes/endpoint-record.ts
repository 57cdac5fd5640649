import type { Endpoint } from '../../functions/domain/caches';
import type { EndpointRecord } from '../../functions/ports';
import { Failures, copy } from './failures';

/** SSM String parameters holding endpoints; every write is a new version, like PutParameter with Overwrite. */
export class FakeEndpointRecord implements EndpointRecord {
  readonly failures = new Failures<keyof EndpointRecord>();
  readonly writes: { name: string; endpoint: Endpoint; version: number }[] = [];
  private readonly params = new Map<string, { endpoint: Endpoint; version: number }>();

  set(name: string, endpoint: Endpoint): this {
    const version = (this.params.get(name)?.version ?? 0) + 1;
    this.params.set(name, { endpoint: copy(endpoint), version });
    return this;
  }

  value(name: string): Endpoint | undefined {
    return copy(this.params.get(name)?.endpoint);
  }

  version(name: string): number {
    return this.params.get(name)?.version ?? 0;
  }

  async read(name: string): Promise<Endpoint | undefined> {
    this.failures.check('read');
    return this.value(name);
  }

  async write(name: string, endpoint: Endpoint): Promise<{ version: number }> {
    this.failures.check('write');
    this.set(name, endpoint);
    const version = this.version(name);
    this.writes.push({ name, endpoint: copy(endpoint), version });
    return { version };
  }
}
