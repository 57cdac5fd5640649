/** The warm standby: copying a cache's keys into it, and the record of each mirror cycle. */
import type { Endpoint } from '../domain/caches';

/** How to reach the cache mirrored from and the standby mirrored into. */
export interface MirrorEnds {
  source: Endpoint;
  target: Endpoint;
  sourceAuthToken?: string;
  targetAuthToken?: string;
}

/** What one complete pass copied. */
export interface MirrorPass {
  /**
   * Taken before the first SCAN of the source: every write the standby may
   * lack after this pass was made at or after it, so rehydration starts here.
   */
  watermark: Date;
  /** Keys read from the source and written into the standby (`RESTORE … REPLACE ABSTTL`). */
  copied: number;
  /** Keys SCAN returned that were gone (deleted or expired) by the time of their DUMP. */
  vanished: number;
  /** Keys the standby held that the source no longer has, deleted from the standby. */
  deleted: number;
  /** Bytes of `DUMP` payload written. */
  bytes: number;
  /** Databases copied. */
  databases: number[];
}

/**
 * Copies every key of every database of the source into the target, with its
 * value and its absolute expiry, and deletes from the target the keys the
 * source no longer has. Not a point-in-time copy: keys written during the pass
 * may or may not be in it. Throws BackupMethodRefusedError when a cache refuses
 * a command the pass needs, TransientDependencyError when a connection fails or
 * falls silent, CacheWaitTimeoutError when `deadline` passes first.
 */
export interface KeyspaceMirror {
  /**
   * `refuse`, when given, is asked before anything is written, with the keys
   * each end holds (INFO keyspace): a reason it returns stops the pass with
   * MirrorRefusedError and the standby keeps what it holds.
   */
  mirror(
    ends: MirrorEnds,
    options: { deadline: Date; refuse?: (keys: { source: number; target: number }) => string | undefined },
  ): Promise<MirrorPass>;
}

/** One mirror cycle of one cache. */
export interface MirrorCycle {
  cacheId: string;
  standbyReplicationGroupId: string;
  startedAt: string;
  finishedAt: string;
  /** `skipped`: the standby already serves the clients (after a cut-over), there is nothing to mirror into. */
  outcome: 'ok' | 'failed' | 'skipped';
  /** Why the cycle failed or was skipped. */
  reason?: string;
  /** The pass, when the cycle completed. */
  pass?: Omit<MirrorPass, 'watermark'> & { watermark: string };
}

export interface MirrorStatus {
  cacheId: string;
  lastCycle?: MirrorCycle;
  lastSuccess?: MirrorCycle;
  /** Cycles that failed since the last success. */
  consecutiveFailures: number;
}

/** The mirror status of each cache, in the incidents table. */
export interface MirrorRecords {
  /** Records the cycle and returns the status it leaves. */
  recordMirrorCycle(cycle: MirrorCycle): Promise<MirrorStatus>;
  mirrorStatus(cacheId: string): Promise<MirrorStatus | undefined>;
}
