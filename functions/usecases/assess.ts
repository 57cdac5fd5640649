/**
 * Assess: gathers the facts an operator would check (is the primary back? a
 * healthy replica? a warm standby, filled by the mirror? a Global Datastore
 * secondary? the newest usable backup?) and turns them into a recovery plan
 * with an ETA.
 */
import { planName } from '../domain/labels';
import type { ProtectedCache } from '../domain/caches';
import { InvalidBackupError } from '../domain/errors';
import { estimateMinutes } from '../domain/eta';
import { RDB_HEADER_BYTES, looksLikeRdbKey, maxRdbVersionLoadedBy, rdbVersionOf } from '../domain/rdb';
import {
  chooseRecovery,
  nodeMemoryBytes,
  requiresApproval,
  type ApprovalPolicy,
  type AssessmentFacts,
  type BackupFacts,
  type ReplicaFacts,
} from '../domain/recovery';
import type { AssessInput, AssessOutput } from '../domain/steps';
import { formatBytes } from '../domain/format';
import { isProductBackup, type BackupManifest } from '../domain/backup/manifest';
import type {
  BackupCatalog,
  BackupStore,
  CacheFleet,
  CacheProbe,
  Clock,
  EndpointRecord,
  IncidentRecords,
  MirrorRecords,
  SecretReader,
  Timeline,
} from '../ports';
import { standbyFacts } from './assess/standby';
import { pingWithRetry } from './shared/ping';
import { authTokenFor, currentEndpoint, findCache } from './shared/protected-cache';
import { addTimeline } from './shared/timeline';

export interface AssessDeps {
  store: IncidentRecords & Timeline;
  probe: CacheProbe;
  fleet: CacheFleet;
  backups: BackupCatalog;
  /** The manifests and metadata of the backups this deployment made. */
  backupStore: Pick<BackupStore, 'readManifest' | 'head'>;
  /** The last completed mirror cycle into each cache's warm standby. */
  mirrorRecords: Pick<MirrorRecords, 'mirrorStatus'>;
  endpoints: EndpointRecord;
  secrets: SecretReader;
  clock: Clock;
  caches: readonly ProtectedCache[];
  approvalPolicy: ApprovalPolicy;
  probeTimeoutMs: number;
}

/** Backups examined at most, newest first. */
const MAX_BACKUPS_EXAMINED = 20;
/**
 * Clocks differ between the writer of a backup (or of a mirror cycle's watermark)
 * and the source of truth's: rehydration starts this much earlier.
 */
const BACKUP_MARGIN_MS = 60_000;
/** Writes just before the incident opened may not have reached a replica. */
const REPLICATION_MARGIN_MS = 5 * 60_000;
const PRIMARY_PING_TRIES = 2;
const HISTORY_LIMIT = 20;

export async function assess(deps: AssessDeps, input: AssessInput): Promise<AssessOutput> {
  const cache = findCache(deps.caches, input.cacheId);
  const authToken = await authTokenFor(cache, deps.secrets);
  const pingOpts = { timeoutMs: deps.probeTimeoutMs, authToken };
  const now = deps.clock.now();

  const endpoint = await currentEndpoint(deps.endpoints, cache);
  const memory = nodeMemoryBytes(cache.replacement.nodeType);
  // Independent checks, at once: a standby's takeover waits on the slowest of them, not on their sum.
  const [primary, group, standby, global, backups] = await Promise.all([
    pingWithRetry(deps.probe, endpoint, pingOpts, PRIMARY_PING_TRIES),
    replicaFacts(deps, cache, pingOpts),
    standbyFacts(deps, cache, endpoint, pingOpts, now),
    globalSecondaryFacts(deps.fleet, cache),
    cache.backup
      ? backupFacts(
          deps,
          cache.backup,
          memory,
          maxRdbVersionLoadedBy(cache.replacement.engine, cache.replacement.engineVersion),
          now,
        )
      : noBackups(),
  ]);

  const facts: AssessmentFacts = {
    primaryReachable: primary.ok,
    ...(group.replica ? { replica: group.replica } : {}),
    ...standby,
    ...global,
    ...(backups.backup ? { backup: backups.backup } : {}),
    rejectedBackups: backups.rejected,
    ...(memory !== undefined ? { nodeMemoryBytes: memory } : {}),
  };
  const { plan, reason } = chooseRecovery(facts);
  const history =
    plan === 'RECOVERED' || plan === 'ESCALATE' ? [] : await deps.store.recentRecoveries(plan, HISTORY_LIMIT);
  const etaMinutes = estimateMinutes(plan, history, facts.backup?.sizeBytes);
  const rehydrateSince =
    plan === 'PROVISION_FROM_BACKUP' && facts.backup
      ? new Date(Date.parse(facts.backup.watermark ?? facts.backup.lastModified) - BACKUP_MARGIN_MS).toISOString()
      : plan === 'PROMOTE_STANDBY' && facts.standby
        ? new Date(Date.parse(facts.standby.watermark) - BACKUP_MARGIN_MS).toISOString()
        : plan === 'PROMOTE_REPLICA' || plan === 'GLOBAL_FAILOVER'
          ? new Date(Date.parse(input.openedAt) - REPLICATION_MARGIN_MS).toISOString()
          : undefined;
  const assessment: AssessOutput = {
    ...facts,
    plan,
    reason,
    requiresApproval: requiresApproval(plan, deps.approvalPolicy),
    etaMinutes,
    ...(rehydrateSince ? { rehydrateSince } : {}),
  };

  await addTimeline(deps, input.incidentId, 'ASSESSED', `${planName(plan)}: ${reason}`, {
    plan,
    reason,
    etaMinutes,
    requiresApproval: assessment.requiresApproval,
    endpointProbed: endpoint,
    primaryReachable: primary.ok,
    ...(primary.ok ? {} : { primaryError: primary.error }),
    ...(group.primaryMember ? { primaryMember: group.primaryMember } : {}),
    ...(facts.replica ? { replica: facts.replica.cacheClusterId } : {}),
    ...(facts.standby ? { standby: facts.standby } : {}),
    ...(facts.rejectedStandby ? { rejectedStandby: facts.rejectedStandby } : {}),
    ...(facts.globalSecondary ? { globalSecondary: facts.globalSecondary } : {}),
    ...(facts.backup
      ? { backup: { key: facts.backup.key, sizeBytes: facts.backup.sizeBytes, ageMinutes: facts.backup.ageMinutes } }
      : {}),
    rejectedBackups: facts.rejectedBackups,
  });
  await deps.store.updateIncident(input.incidentId, { plan });
  return assessment;
}

async function replicaFacts(
  deps: Pick<AssessDeps, 'fleet' | 'probe'>,
  cache: ProtectedCache,
  pingOpts: { timeoutMs: number; authToken?: string | undefined },
): Promise<{ replica?: ReplicaFacts; primaryMember?: string }> {
  if (!cache.replicationGroupId) return {};
  const group = await deps.fleet.describeGroup(cache.replicationGroupId);
  if (!group) return {};
  const primary = group.members.find((m) => m.role === 'primary');
  const primaryMember = primary?.cacheClusterId;
  // With automatic failover ElastiCache may already have promoted a replica ("Minimizing downtime in
  // ElastiCache by using Multi-AZ with Valkey and Redis OSS"): a primary that answers is the one to use.
  const candidates = [...(primary ? [primary] : []), ...group.members.filter((m) => m.role === 'replica')];
  for (const member of candidates) {
    if (!member.endpoint) continue;
    const ping = await pingWithRetry(deps.probe, member.endpoint, pingOpts, 1);
    if (ping.ok) {
      const replica: ReplicaFacts = {
        replicationGroupId: group.replicationGroupId,
        cacheClusterId: member.cacheClusterId,
        endpoint: member.endpoint,
        ...(member === primary ? { alreadyPrimary: true } : primaryMember ? { primaryClusterId: primaryMember } : {}),
      };
      return primaryMember ? { replica, primaryMember } : { replica };
    }
  }
  return primaryMember ? { primaryMember } : {};
}

async function globalSecondaryFacts(
  fleet: CacheFleet,
  cache: ProtectedCache,
): Promise<Pick<AssessmentFacts, 'globalSecondary'>> {
  if (!cache.globalReplicationGroupId) return {};
  const secondary = await fleet.describeGlobalSecondary(cache.globalReplicationGroupId);
  return secondary
    ? { globalSecondary: { globalReplicationGroupId: cache.globalReplicationGroupId, ...secondary } }
    : {};
}

/**
 * The newest backup that is an RDB file, recent enough, small enough and, when
 * this deployment made it, checked after upload; why each newer one was not.
 */
async function backupFacts(
  { backups: catalog, backupStore }: Pick<AssessDeps, 'backups' | 'backupStore'>,
  location: NonNullable<ProtectedCache['backup']>,
  memoryBytes: number | undefined,
  maxRdbVersion: number | undefined,
  now: Date,
): Promise<{ backup?: BackupFacts; rejected: { key: string; reason: string }[] }> {
  const rejected: { key: string; reason: string }[] = [];
  const candidates = (await catalog.list(location.bucket, location.prefix)).filter((o) => looksLikeRdbKey(o.key));
  for (const object of candidates.slice(0, MAX_BACKUPS_EXAMINED)) {
    const reject = (reason: string) => rejected.push({ key: object.key, reason });
    let made: Made;
    try {
      made = await howMade(backupStore, object);
    } catch (err) {
      if (!(err instanceof InvalidBackupError)) throw err;
      reject(err.message);
      continue;
    }
    if (made.kind === 'unverified') {
      reject('made by this deployment but never checked after upload (no manifest): not trusted');
      continue;
    }
    if (made.kind === 'failed') {
      reject(`failed its integrity check: ${made.reason}`);
      continue;
    }
    const watermark = made.kind === 'verified' ? made.manifest.watermark : object.lastModified;
    const ageMinutes = Math.max(0, Math.floor((now.getTime() - Date.parse(watermark)) / 60_000));
    if (ageMinutes > location.maxAgeHours * 60) {
      reject(`${ageMinutes} min old, older than the ${location.maxAgeHours} h limit`);
      break;
    }
    if (memoryBytes !== undefined && object.sizeBytes > memoryBytes) {
      reject(`${formatBytes(object.sizeBytes)} does not fit the replacement node's ${formatBytes(memoryBytes)}`);
      continue;
    }
    let rdbVersion: number;
    if (made.kind === 'verified') rdbVersion = made.manifest.rdbVersion;
    else {
      try {
        rdbVersion = rdbVersionOf(await catalog.readHeader(object.bucket, object.key, RDB_HEADER_BYTES));
      } catch (err) {
        if (!(err instanceof InvalidBackupError)) throw err;
        reject(err.message);
        continue;
      }
    }
    // The engine refuses a newer RDB format at load, and the restore fails.
    if (maxRdbVersion !== undefined && rdbVersion > maxRdbVersion) {
      reject(`RDB format version ${rdbVersion} is newer than the replacement engine loads (up to ${maxRdbVersion})`);
      continue;
    }
    const backup: BackupFacts = {
      bucket: object.bucket,
      key: object.key,
      snapshotArn: `arn:aws:s3:::${object.bucket}/${object.key}`,
      lastModified: object.lastModified,
      sizeBytes: object.sizeBytes,
      ageMinutes,
      rdbVersion,
      ...(made.kind === 'verified'
        ? { watermark, method: made.manifest.method, pointInTime: made.manifest.pointInTime }
        : {}),
    };
    return { backup, rejected };
  }
  return { rejected };
}

async function noBackups(): ReturnType<typeof backupFacts> {
  return { rejected: [] };
}

type Made =
  | { kind: 'verified'; manifest: BackupManifest }
  | { kind: 'failed'; reason: string }
  | { kind: 'unverified' }
  | { kind: 'elsewhere' };

/** A backup this deployment made has a manifest once checked; one without metadata of ours was made elsewhere. */
async function howMade(store: AssessDeps['backupStore'], object: { bucket: string; key: string }): Promise<Made> {
  const manifest = await store.readManifest(object);
  if (manifest) {
    return manifest.verification.ok
      ? { kind: 'verified', manifest }
      : { kind: 'failed', reason: manifest.verification.reason };
  }
  const head = await store.head(object);
  return head && isProductBackup(head.metadata) ? { kind: 'unverified' } : { kind: 'elsewhere' };
}
