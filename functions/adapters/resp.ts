/**
 * Minimal RESP over a raw socket (node:net / node:tls only), shared by the
 * probe and the bulk writer so neither needs a Redis client library.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Endpoint } from '../domain/caches';

/** Options for TLS connections beyond host and port (e.g. a private CA). */
export type TlsOptions = Omit<ConnectionOptions, 'host' | 'port' | 'socket'>;

/** One command as a RESP array of bulk strings, UTF-8. */
export function encodeCommand(args: readonly string[]): Buffer {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'utf8')}\r\n${a}\r\n`;
  return Buffer.from(out, 'utf8');
}

/** Why a connection failed, in words an operator reads in a timeline: "refused: …", "timeout: …", … */
export function describeSocketError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const message = e?.message ?? String(err);
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `refused: ${message}`;
    case 'ETIMEDOUT':
      return `timeout: ${message}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dns: ${message}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return `unreachable: ${message}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `reset: ${message}`;
    default:
      if (
        typeof e?.code === 'string' &&
        (e.code.startsWith('ERR_TLS') || e.code.startsWith('ERR_SSL') || /certificate|SSL|TLS/i.test(message))
      ) {
        return `tls: ${message}`;
      }
      return `error: ${message}`;
  }
}

/**
 * Opens a TCP or TLS connection. `onReady` runs when the connection (and the
 * TLS handshake) is up. The caller owns the socket and must destroy it.
 */
export function openSocket(endpoint: Endpoint, onReady: () => void, tlsOptions: TlsOptions = {}): Socket | TLSSocket {
  if (endpoint.tls) {
    return tlsConnect(
      {
        ...tlsOptions,
        host: endpoint.host,
        port: endpoint.port,
        ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
      },
      onReady,
    );
  }
  return netConnect({ host: endpoint.host, port: endpoint.port, noDelay: true }, onReady);
}

/** How many decimal digits a non-negative integer has. */
export function decimalDigits(n: number): number {
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  return digits;
}

/** Writes the decimal digits of a non-negative integer at `o`; returns the offset after them. */
export function putDecimal(out: Buffer, o: number, n: number): number {
  const digits = decimalDigits(n);
  for (let i = o + digits - 1, t = n; i >= o; i--, t = Math.floor(t / 10)) out[i] = 48 + (t % 10);
  return o + digits;
}

/** Writes `$<length>\r\n`, a bulk string's header, at `o`; returns the offset after it. */
export function putBulkHeader(out: Buffer, o: number, length: number): number {
  out[o] = 36;
  const p = putDecimal(out, o + 1, length);
  out[p] = 13;
  out[p + 1] = 10;
  return p + 2;
}
