/**
 * The local ElastiCache serves several regions from one endpoint. AWS tells
 * them apart by endpoint ("Amazon ElastiCache endpoints and quotas", AWS
 * General Reference: one endpoint per region); locally the region is the one
 * the request is signed for, in its SigV4 credential scope
 * (`Credential=<key>/<date>/<region>/elasticache/aws4_request`). Each region
 * has its own fleet: a group exists in one region only.
 */
import path from 'node:path';
import { Fleet } from './fleet';
import type { FleetOptions } from './fleet';
import { GlobalDatastores } from './global';
import { SnapshotStore } from './snapshots';

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/elasticache\/aws4_request/;

/** The region of a request's SigV4 credential scope; `fallback` for an unsigned request. */
export function requestRegion(authorization: string | undefined, fallback: string): string {
  return (authorization ? CREDENTIAL_SCOPE.exec(authorization)?.[1] : undefined) ?? fallback;
}

export class Regions {
  private readonly fleets = new Map<string, Fleet>();
  private readonly snapshotStores = new Map<string, SnapshotStore>();
  readonly globals: GlobalDatastores;

  /**
   * `options.region` is the default region; each other region's groups live under `dataDir/<region>`.
   * `snapshotDelayMs`: extra time a snapshot spends in `creating`, and an export in `copying`.
   */
  constructor(private readonly options: FleetOptions & { readonly snapshotDelayMs?: number }) {
    this.globals = new GlobalDatastores((region) => this.fleet(region), options.accountId);
  }

  get defaultRegion(): string {
    return this.options.region;
  }

  fleet(region: string = this.options.region): Fleet {
    let fleet = this.fleets.get(region);
    if (!fleet) {
      const dataDir = region === this.options.region ? this.options.dataDir : path.join(this.options.dataDir, region);
      fleet = new Fleet({ ...this.options, region, dataDir });
      this.fleets.set(region, fleet);
    }
    return fleet;
  }

  /** The region's manual snapshots (a snapshot, like its group, exists in one region only). */
  snapshots(region: string = this.options.region): SnapshotStore {
    let store = this.snapshotStores.get(region);
    if (!store) {
      const fleet = this.fleet(region);
      const dataDir = region === this.options.region ? this.options.dataDir : path.join(this.options.dataDir, region);
      store = new SnapshotStore(fleet, {
        region,
        accountId: this.options.accountId,
        dataDir,
        s3: this.options.snapshots,
        delayMs: this.options.snapshotDelayMs ?? 0,
      });
      this.snapshotStores.set(region, store);
    }
    return store;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.snapshotStores.values()].map((store) => store.stop()));
    await Promise.all([...this.fleets.values()].map((fleet) => fleet.stop()));
  }
}
