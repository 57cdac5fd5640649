/** Comparing and naming cache endpoints. */
import type { Endpoint } from './caches';

export function sameEndpoint(a: Endpoint | undefined, b: Endpoint | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.host === b.host && a.port === b.port && Boolean(a.tls) === Boolean(b.tls)
  );
}

export function describeEndpoint(e: Endpoint): string {
  return `${e.host}:${e.port}${e.tls ? ' (TLS)' : ''}`;
}
