/**
 * Every error the workflow can raise. Names are string literals because the
 * state machine's Retry and Catch match on them (`ErrorEquals`), and bundlers
 * rename classes.
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One problem found in an input, with the path of the offending field. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Input that cannot be accepted. Nothing was started or written. */
export class ValidationError extends DomainError {
  readonly name = 'ValidationError' as const;
  constructor(
    readonly what: string,
    readonly issues: ValidationIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `${what} is invalid: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      options,
    );
  }
}

/** A configuration value is missing or malformed. Raised at load time. */
export class ConfigError extends DomainError {
  readonly name = 'ConfigError' as const;
}

/** The alarm concerns no cache this deployment protects. */
export class UnknownCacheError extends DomainError {
  readonly name = 'UnknownCacheError' as const;
}

/** The incident does not exist. */
export class IncidentNotFoundError extends DomainError {
  readonly name = 'IncidentNotFoundError' as const;
}

/** A call to a dependency failed in a way that may succeed when retried (throttling, 5xx, timeouts). */
export class TransientDependencyError extends DomainError {
  readonly name = 'TransientDependencyError' as const;
}

/**
 * A control plane refused the call for its request rate (ElastiCache's
 * `Throttling`, `APICallRateForCustomerExceeded`). Steps that call it retry
 * this longer and more spread out than other transient failures: parallel
 * recoveries share the account's rate.
 */
export class DependencyThrottledError extends DomainError {
  readonly name = 'DependencyThrottledError' as const;
}

/**
 * ElastiCache refused to create the replacement because an account quota is
 * reached. No retry helps until the quota is raised or nodes are freed: the
 * execution stops at the step, redrivable then. The message names the quota
 * (see ./quotas.ts), which is all that reaches the escalation.
 */
export class QuotaExceededError extends DomainError {
  readonly name = 'QuotaExceededError' as const;
  constructor(
    /** AWS's error code, e.g. `NodeQuotaForCustomerExceeded`. */
    readonly awsError: string,
    /** The quota, as AWS names it. */
    readonly quota: string,
    /** Nodes the refused replacement needed. */
    readonly nodesRequested: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** ElastiCache gave up creating or restoring the replacement cache. */
export class CacheProvisioningFailedError extends DomainError {
  readonly name = 'CacheProvisioningFailedError' as const;
}

/** The replacement cache did not become available within the allowed number of polls. */
export class CacheWaitTimeoutError extends DomainError {
  readonly name = 'CacheWaitTimeoutError' as const;
}

/** Promotion of a replica (or Global Datastore failover) was refused or failed. */
export class PromotionFailedError extends DomainError {
  readonly name = 'PromotionFailedError' as const;
}

/** The new endpoint does not answer, or sample reads fail. */
export class VerificationFailedError extends DomainError {
  readonly name = 'VerificationFailedError' as const;
}

/** Writing back data from the source of truth failed. */
export class RehydrationFailedError extends DomainError {
  readonly name = 'RehydrationFailedError' as const;
}

/** An operator rejected the recovery plan. Sent through SendTaskFailure. */
export class ApprovalRejectedError extends DomainError {
  readonly name = 'ApprovalRejectedError' as const;
}

/** A decision was made on an approval that was already decided. */
export class ApprovalAlreadyDecidedError extends DomainError {
  readonly name = 'ApprovalAlreadyDecidedError' as const;
}

/** No recovery is possible: no healthy replica and no valid backup. */
export class NoRecoveryPathError extends DomainError {
  readonly name = 'NoRecoveryPathError' as const;
}

/** A newer incident now holds the cache: this one (redriven late) must not touch it. */
export class IncidentSupersededError extends DomainError {
  readonly name = 'IncidentSupersededError' as const;
}

/** The incident's workflow cannot be redriven: it is not stopped at a step, or another incident holds the cache. */
export class NotRedrivableError extends DomainError {
  readonly name = 'NotRedrivableError' as const;
}

/** The backup object is not a Redis RDB file, or is unusable. */
export class InvalidBackupError extends DomainError {
  readonly name = 'InvalidBackupError' as const;
  /** The byte of the file at which the problem was found, when the file was read. */
  readonly offset?: number;
  constructor(message: string, options?: { cause?: unknown; offset?: number }) {
    super(message, options);
    if (options?.offset !== undefined) this.offset = options.offset;
  }
}

/** A DUMP payload read from a cache is damaged: too short, an unknown type or version, a wrong CRC-64. */
export class InvalidDumpPayloadError extends DomainError {
  readonly name = 'InvalidDumpPayloadError' as const;
  /** The key whose payload it is, as messages show it. */
  readonly key?: string;
  constructor(message: string, options?: { cause?: unknown; key?: string }) {
    super(message, options);
    if (options?.key !== undefined) this.key = options.key;
  }
}

/** A backup would not load on the engine it is meant for: an RDB version too new, a database it lacks. */
export class IncompatibleBackupError extends DomainError {
  readonly name = 'IncompatibleBackupError' as const;
}

/** A backup method the cache cannot serve: the reason is what the cache answered. */
export type BackupSourceMethod = 'sync' | 'scan-dump' | 'elasticache-export';

/**
 * The cache refused a command a backup method needs (SYNC, SELECT, DUMP, …),
 * as managed providers do. Another method may still work: the caller falls
 * back. `reply` is the cache's answer, without the leading `-`.
 */
export class BackupMethodRefusedError extends DomainError {
  readonly name = 'BackupMethodRefusedError' as const;
  constructor(
    readonly method: BackupSourceMethod,
    readonly command: string,
    readonly reply: string,
    options?: { cause?: unknown },
  ) {
    super(`${method}: the cache refused ${command}: ${reply}`, options);
  }
}

/** Reading a cache for a backup failed in a way no retry or other method mends (credentials refused, not a Redis reply). */
export class BackupFailedError extends DomainError {
  readonly name = 'BackupFailedError' as const;
}

/**
 * Error names the state machine may match in `ErrorEquals`. A test checks
 * that every custom name in the ASL is listed here.
 */
export const WORKFLOW_ERROR_NAMES = [
  'ValidationError',
  'ConfigError',
  'UnknownCacheError',
  'IncidentNotFoundError',
  'TransientDependencyError',
  'DependencyThrottledError',
  'CacheProvisioningFailedError',
  'CacheWaitTimeoutError',
  'PromotionFailedError',
  'VerificationFailedError',
  'RehydrationFailedError',
  'ApprovalRejectedError',
  'ApprovalAlreadyDecidedError',
  'NoRecoveryPathError',
  'InvalidBackupError',
  'IncidentSupersededError',
] as const;

/** A mirror cycle refused to run: copying the cache now would cost the standby data worth keeping. */
export class MirrorRefusedError extends DomainError {
  readonly name = 'MirrorRefusedError' as const;
}

/** The incident is still open: its post-incident report is not written yet. */
export class IncidentNotFinishedError extends DomainError {
  readonly name = 'IncidentNotFinishedError' as const;
}

/** Someone saved the report's notes since they were loaded: nothing was overwritten. */
export class ReportNotesConflictError extends DomainError {
  readonly name = 'ReportNotesConflictError' as const;
}
