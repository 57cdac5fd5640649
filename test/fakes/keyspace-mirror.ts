import type { Endpoint } from '../../functions/domain/caches';
import { MirrorRefusedError } from '../../functions/domain/errors';
import type { Clock, KeyspaceMirror, MirrorEnds, MirrorPass } from '../../functions/ports';
import { copy, Failures } from './failures';

type Keyspace = Map<string, { value: string; expiresAtMs?: number }>;

const at = (e: Endpoint) => `${e.host}:${e.port}`;

/**
 * Caches' keyspaces in memory, by endpoint; `mirror` makes the target's equal
 * to the source's (expired keys left out) and counts what it did.
 */
export class FakeKeyspaceMirror implements KeyspaceMirror {
  readonly failures = new Failures<keyof KeyspaceMirror>();
  readonly calls: { ends: MirrorEnds; deadline: Date }[] = [];
  private readonly caches = new Map<string, Keyspace>();

  constructor(private readonly clock: Clock) {}

  /** The keyspace answering at `endpoint` (created empty). */
  cache(endpoint: Endpoint): Keyspace {
    let ks = this.caches.get(at(endpoint));
    if (!ks) this.caches.set(at(endpoint), (ks = new Map()));
    return ks;
  }

  async mirror(
    ends: MirrorEnds,
    options: { deadline: Date; refuse?: (keys: { source: number; target: number }) => string | undefined },
  ): Promise<MirrorPass> {
    this.calls.push({ ends: copy(ends), deadline: options.deadline });
    this.failures.check('mirror');
    const watermark = this.clock.now();
    const source = this.cache(ends.source);
    const target = this.cache(ends.target);
    const refused = options.refuse?.({ source: source.size, target: target.size });
    if (refused !== undefined) throw new MirrorRefusedError(refused);
    let copied = 0;
    let vanished = 0;
    let bytes = 0;
    let deleted = 0;
    for (const [key, entry] of source) {
      if (entry.expiresAtMs !== undefined && entry.expiresAtMs <= watermark.getTime()) {
        vanished++;
        continue;
      }
      target.set(key, { ...entry });
      copied++;
      bytes += entry.value.length;
    }
    for (const key of [...target.keys()]) {
      const entry = source.get(key);
      if (!entry || (entry.expiresAtMs !== undefined && entry.expiresAtMs <= watermark.getTime())) {
        target.delete(key);
        deleted++;
      }
    }
    return { watermark, copied, vanished, deleted, bytes, databases: source.size > 0 ? [0] : [] };
  }
}
