/** Finding the protected cache a step works on, and reading its AUTH token. */
import type { Endpoint, ProtectedCache } from '../../domain/caches';
import { UnknownCacheError } from '../../domain/errors';
import type { EndpointRecord, SecretReader } from '../../ports';

export function findCache(caches: readonly ProtectedCache[], cacheId: string): ProtectedCache {
  const cache = caches.find((c) => c.id === cacheId);
  if (!cache) throw new UnknownCacheError(`cache ${cacheId} is not configured in PROTECTED_CACHES`);
  return cache;
}

export async function authTokenFor(cache: ProtectedCache, secrets: SecretReader): Promise<string | undefined> {
  return cache.authTokenParameter ? secrets.secret(cache.authTokenParameter) : undefined;
}

/** The endpoint clients follow (after a cut-over, the replacement's); the configured one when the record is missing or unreadable. */
export async function currentEndpoint(endpoints: EndpointRecord, cache: ProtectedCache): Promise<Endpoint> {
  try {
    return (await endpoints.read(cache.endpointParameter)) ?? cache.endpoint;
  } catch {
    return cache.endpoint;
  }
}
