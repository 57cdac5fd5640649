import * as z from 'zod';

/** Where a cache answers. */
export const endpointSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean().default(false),
});
export type Endpoint = z.infer<typeof endpointSchema>;

/** A cache id or a provider name: lowercase letters, digits and hyphens, starting with a letter, at most 40. */
const nameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and hyphens, starting with a letter, at most 40');

/** One cache this deployment protects, as configured by the operators. */
export const protectedCacheSchema = z.object({
  /** Stable id used in incident ids and notices: lowercase letters, digits, hyphens. */
  id: nameSchema,
  /**
   * The provider or failure domain hosting the cache (e.g. `redis-cloud-use1`):
   * the incidents of caches of one provider that open together join one group.
   * Without it the cache's incident is a group of its own.
   */
  provider: nameSchema.optional(),
  /** Human name used in notices, e.g. "account settings". */
  displayName: z.string().min(1).default('cache'),
  /** The endpoint clients used before any cut-over; probed when the endpoint record is unreadable. */
  endpoint: endpointSchema,
  /** SSM parameter holding the endpoint clients follow (JSON `{host, port, tls}`). */
  endpointParameter: z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/),
  /** SSM SecureString parameter holding the AUTH token for the cache (and its replacement). */
  authTokenParameter: z
    .string()
    .regex(/^\/[A-Za-z0-9_.\-/]+$/)
    .optional(),
  /**
   * True when the cache answers only inside a VPC (a self-managed Redis or
   * Valkey on private subnets, say). ElastiCache caches always do and need not
   * be marked. The functions that connect to caches then run in the
   * deployment's VPC subnets (see serverless/config.js).
   */
  inVpc: z.boolean().optional(),
  /** Set when the cache is an ElastiCache replication group: enables promotion of a replica. */
  replicationGroupId: z.string().optional(),
  /** Set when the cache belongs to a Global Datastore: enables cross-region failover. */
  globalReplicationGroupId: z.string().optional(),
  /** Alarm names that concern this cache (besides CacheClusterId / ReplicationGroupId dimensions). */
  alarmNames: z.array(z.string()).default([]),
  /** RDB backups of this cache in S3. */
  backup: z
    .object({
      bucket: z.string().min(3),
      prefix: z.string().default(''),
      /** Backups older than this are not used for an automatic restore. */
      maxAgeHours: z.number().positive().default(24),
      /**
       * How the product backs the cache up on its schedule: `auto` tries `sync`,
       * then `scan-dump`, then (for an ElastiCache group) `elasticache-export`;
       * `none` makes no backups (they come from elsewhere).
       */
      method: z.enum(['auto', 'sync', 'scan-dump', 'elasticache-export', 'none']).default('auto'),
      /** Minutes between two backups. */
      intervalMinutes: z.number().int().min(1).max(1440).default(15),
      /** Recovery point objective: a newest verified backup older than this alarms the operators. Default: maxAgeHours. */
      rpoMinutes: z.number().int().positive().optional(),
      /**
       * Restores the newest backup into a small temporary replication group on a
       * schedule and compares it with the source of truth, then deletes the group.
       * Off by default: on AWS each run pays for the group while it lives.
       */
      testRestore: z
        .object({
          enabled: z.boolean().default(false),
          intervalDays: z.number().int().min(1).max(90).default(7),
          nodeType: z.string().default('cache.t4g.micro'),
          /** Keys read back and compared with the source of truth. */
          sampleKeys: z.number().int().min(0).max(10_000).default(100),
        })
        .default({ enabled: false, intervalDays: 7, nodeType: 'cache.t4g.micro', sampleKeys: 100 }),
    })
    .superRefine((backup, ctx) => {
      if (backup.method === 'elasticache-export' && !exportable(backup.prefix)) {
        ctx.addIssue({
          code: 'custom',
          path: ['prefix'],
          message:
            'elasticache-export names its objects <TargetSnapshotName>-0001.rdb: use a prefix without "/" (e.g. "sessions-")',
        });
      }
    })
    .optional(),
  /**
   * A warm standby: an ElastiCache replication group (cluster mode disabled) that
   * the `mirror` function keeps close to the cache by copying its keys every
   * `intervalMinutes`. When the cache fails and no replica of its own answers,
   * the workflow cuts clients over to the standby (plan PROMOTE_STANDBY) and
   * writes back from the source of truth only what changed since the last
   * mirror cycle. It answers with the cache's AUTH token and TLS settings.
   */
  standby: z
    .object({
      /** The standby's replication group id, in the cache's VPC. */
      replicationGroupId: z
        .string()
        .regex(
          /^[a-z][a-z0-9-]{0,39}$/,
          'an ElastiCache replication group id: lowercase letters, digits and hyphens, at most 40',
        ),
      /**
       * True: the stack declares the group itself, from `replacement` (node type,
       * engine, subnet group, security groups, port). False: the operators provide it.
       */
      declared: z.boolean().default(false),
      /** Minutes between two mirror cycles (EventBridge schedules run at most once a minute). */
      intervalMinutes: z.number().int().min(1).max(60).default(1),
      /** The operators are alerted when the last complete mirror cycle started longer ago than this. */
      maxLagMinutes: z.number().int().min(1).max(1440).default(10),
    })
    .optional(),
  /** How a replacement is provisioned. */
  replacement: z
    .object({
      nodeType: z.string().default('cache.r7g.large'),
      engine: z.enum(['redis', 'valkey']).default('valkey'),
      engineVersion: z.string().optional(),
      numCacheClusters: z.number().int().min(1).max(6).default(2),
      cacheSubnetGroupName: z.string().optional(),
      securityGroupIds: z.array(z.string()).default([]),
      port: z.number().int().default(6379),
    })
    .default({ nodeType: 'cache.r7g.large', engine: 'valkey', numCacheClusters: 2, securityGroupIds: [], port: 6379 }),
  /** The system of record for data the cache holds, used to write back what the backup lacks. */
  sourceOfTruth: z
    .object({
      /** DynamoDB table with items `{ key: S, value: S, kind: S, updatedAt: N (epoch ms), expiresAt?: N (epoch s) }`. */
      tableName: z.string().min(3),
      /** Kinds written back first, in this order. */
      priorityKinds: z.array(z.string()).default(['customization', 'flag']),
      /**
       * Read units per second that rehydration and Verify Data may use on the
       * table, shared equally by the recoveries reading it at once (every cache
       * naming the table sets the same). Unset: reads are not paced.
       */
      readUnitsPerSecond: z.number().min(1).max(1_000_000).optional(),
    })
    .optional(),
});
export type ProtectedCache = z.infer<typeof protectedCacheSchema>;

export const protectedCachesSchema = z.array(protectedCacheSchema).superRefine((caches, ctx) => {
  const seen = new Set<string>();
  caches.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate cache id ${c.id}` });
    seen.add(c.id);
  });
  // A group id is `<provider>-<stamp>` and an incident id `<cache>-<stamp>`: a provider named like a cache
  // would make one provider's group id another cache's incident id.
  caches.forEach((c, i) => {
    if (c.provider !== undefined && seen.has(c.provider)) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'provider'],
        message: `provider ${c.provider} is also a cache id: name the provider differently`,
      });
    }
  });
  // The budget belongs to the table: caches reading one table share one budget.
  const budgets = new Map<string, number | undefined>();
  caches.forEach((c, i) => {
    if (!c.sourceOfTruth) return;
    const { tableName, readUnitsPerSecond } = c.sourceOfTruth;
    if (budgets.has(tableName) && budgets.get(tableName) !== readUnitsPerSecond) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'sourceOfTruth', 'readUnitsPerSecond'],
        message: `caches reading ${tableName} share its budget: set the same readUnitsPerSecond on each`,
      });
    }
    if (!budgets.has(tableName)) budgets.set(tableName, readUnitsPerSecond);
  });
});

/**
 * Why ElastiCache would refuse `token` as `AuthToken`, or undefined when it accepts it:
 * 16 to 128 printable characters, and the only special characters allowed are
 * ! & # $ ^ < > and - (CreateReplicationGroup, `AuthToken`, ElastiCache API Reference,
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html).
 */
export function authTokenProblem(token: string): string | undefined {
  if (token.length < 16) return 'it is shorter than 16 characters';
  if (token.length > 128) return 'it is longer than 128 characters';
  // The token is a secret: the reason names the rule, never the characters.
  if (!/^[A-Za-z0-9!&#$^<>-]*$/.test(token)) {
    return 'it contains a character other than letters, digits and the allowed specials ! & # $ ^ < > -';
  }
  return undefined;
}

/** Which cache an alarm concerns: configured alarm names first, then ElastiCache dimensions. */
export function findCacheForAlarm(
  caches: readonly ProtectedCache[],
  alarm: { alarmName: string; dimensions: Record<string, string> },
): ProtectedCache | undefined {
  const byName = caches.find((c) => c.alarmNames.includes(alarm.alarmName));
  if (byName) return byName;
  const cacheIdDim = alarm.dimensions['CacheId'];
  if (cacheIdDim) {
    const byProbe = caches.find((c) => c.id === cacheIdDim);
    if (byProbe) return byProbe;
  }
  const rg = alarm.dimensions['ReplicationGroupId'];
  const cluster = alarm.dimensions['CacheClusterId'];
  return caches.find(
    (c) =>
      c.replicationGroupId !== undefined &&
      (c.replicationGroupId === rg || (cluster !== undefined && memberOfGroup(cluster, c.replicationGroupId))),
  );
}

/** ElastiCache names member clusters `<group>-001`, `<group>-002`, … */
function memberOfGroup(cacheClusterId: string, replicationGroupId: string): boolean {
  return (
    cacheClusterId.startsWith(`${replicationGroupId}-`) &&
    /^\d{3}$/.test(cacheClusterId.slice(replicationGroupId.length + 1))
  );
}

/** The RPO of a cache's backups in seconds: `rpoMinutes`, else `maxAgeHours`. */
export function backupRpoSeconds(backup: NonNullable<ProtectedCache['backup']>): number {
  return backup.rpoMinutes !== undefined ? backup.rpoMinutes * 60 : Math.round(backup.maxAgeHours * 3600);
}

/**
 * Whether ElastiCache's export can write under the prefix: a snapshot name is
 * letters, digits and hyphens, and the exported object is named after it.
 */
export function exportable(prefix: string): boolean {
  return /^[A-Za-z0-9-]*$/.test(prefix);
}

/** The mirror lag above which a cache's standby alarms the operators, in seconds. */
export function standbyMaxLagSeconds(standby: NonNullable<ProtectedCache['standby']>): number {
  return standby.maxLagMinutes * 60;
}

/**
 * Why a mirror cycle must not run, or undefined: a cache that suddenly holds
 * far fewer keys than its standby (restarted empty, flushed, the wrong
 * endpoint) would have the deletion pass empty the standby, which is then the
 * copy of the data most worth keeping. Below `MIRROR_GUARD_MIN_KEYS` in the
 * standby there is nothing much to lose and the cycle runs.
 */
export function mirrorRefusal(keys: { source: number; target: number }): string | undefined {
  if (keys.target < MIRROR_GUARD_MIN_KEYS || keys.source >= keys.target * MIRROR_GUARD_MIN_SHARE) return undefined;
  return `the cache holds ${keys.source} keys and its standby ${keys.target}: not mirrored, so that the standby keeps its data (a cache that lost most of its keys is an incident to look at, not a state to copy)`;
}
export const MIRROR_GUARD_MIN_KEYS = 1000;
export const MIRROR_GUARD_MIN_SHARE = 0.5;
