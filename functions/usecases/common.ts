/**
 * Small pieces every recovery step shares: finding the protected cache,
 * reading its AUTH token, pinging with retries and writing timeline events.
 */
import type { Endpoint, ProtectedCache } from '../domain/caches';
import { IncidentSupersededError, UnknownCacheError, ValidationError } from '../domain/errors';
import type { TimelineEventType } from '../domain/incident';
import type { CacheProbe, Clock, IncidentStore, SecretReader } from '../ports';

export function findCache(caches: readonly ProtectedCache[], cacheId: string): ProtectedCache {
  const cache = caches.find((c) => c.id === cacheId);
  if (!cache) throw new UnknownCacheError(`cache ${cacheId} is not configured in PROTECTED_CACHES`);
  return cache;
}

export async function authTokenFor(cache: ProtectedCache, secrets: SecretReader): Promise<string | undefined> {
  return cache.authTokenParameter ? secrets.secret(cache.authTokenParameter) : undefined;
}

export type PingResult = Awaited<ReturnType<CacheProbe['ping']>>;

/** PINGs up to `tries` times; the first success wins, otherwise the last failure is returned. */
export async function pingWithRetry(
  probe: CacheProbe,
  endpoint: Endpoint,
  opts: { timeoutMs: number; authToken?: string | undefined },
  tries: number,
): Promise<PingResult> {
  let last: PingResult = { ok: false, error: 'not tried' };
  for (let i = 0; i < tries; i++) {
    last = await probe.ping(endpoint, {
      timeoutMs: opts.timeoutMs,
      ...(opts.authToken ? { authToken: opts.authToken } : {}),
    });
    if (last.ok) return last;
  }
  return last;
}

export function sameEndpoint(a: Endpoint | undefined, b: Endpoint | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.host === b.host && a.port === b.port && Boolean(a.tls) === Boolean(b.tls)
  );
}

export function describeEndpoint(e: Endpoint): string {
  return `${e.host}:${e.port}${e.tls ? ' (TLS)' : ''}`;
}

export async function addTimeline(
  deps: { store: Pick<IncidentStore, 'appendTimeline'>; clock: Clock },
  incidentId: string,
  type: TimelineEventType,
  message: string,
  detail?: Record<string, unknown>,
): Promise<void> {
  await deps.store.appendTimeline(incidentId, {
    at: deps.clock.now().toISOString(),
    type,
    message,
    ...(detail ? { detail } : {}),
  });
}

/**
 * Link to an incident's page through the console's sign-in, so an operator
 * without a session (tapping the link in an e-mail) lands on the page after
 * signing in; one with a session goes straight through.
 */
export function consoleLink(consoleUrl: string | undefined, incidentId: string): string | undefined {
  if (!consoleUrl) return undefined;
  const page = `/incidents/${encodeURIComponent(incidentId)}`;
  return `${consoleUrl.replace(/\/+$/, '')}/login?next=${encodeURIComponent(page)}`;
}

/** The source-of-truth cut-off of an assessment, in epoch ms (0: everything). */
export function sinceMsOf(rehydrateSince: string | undefined): number {
  const ms = rehydrateSince ? Date.parse(rehydrateSince) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * Steps that change what clients use or are told (promote, provision, cut
 * over, rehydrate, notify) run only while their incident holds the cache's
 * open-incident lock. A failed incident whose cache a newer incident took, or
 * that a newer one resolved and released, stops here when redriven late
 * instead of racing or contradicting the newer recovery.
 */
export async function assertCurrentIncident(
  store: Pick<IncidentStore, 'getOpenLock'>,
  cacheId: string,
  incidentId: string,
): Promise<void> {
  const lock = await store.getOpenLock(cacheId);
  if (lock?.incidentId !== incidentId) {
    const holder = lock
      ? `incident ${lock.incidentId} now holds cache ${cacheId}`
      : `cache ${cacheId} has no open incident`;
    throw new IncidentSupersededError(`${holder}; incident ${incidentId} stops here`);
  }
}

export const MAX_REASON_CHARS = 1000;

/**
 * What an operator's action on the timeline carries: who, and why. Both are
 * required and trimmed; the reason is at most MAX_REASON_CHARS long.
 */
export function operatorReason(
  what: string,
  who: { field: string; value: string },
  reason: string,
): { by: string; reason: string } {
  const by = who.value.trim();
  const why = reason.trim();
  const issues = [
    ...(why ? [] : [{ path: 'reason', message: 'a reason is required' }]),
    ...(why.length > MAX_REASON_CHARS ? [{ path: 'reason', message: `at most ${MAX_REASON_CHARS} characters` }] : []),
    ...(by ? [] : [{ path: who.field, message: 'the operator is required' }]),
  ];
  if (issues.length) throw new ValidationError(what, issues);
  return { by, reason: why };
}
