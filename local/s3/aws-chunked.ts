import type { IncomingHttpHeaders } from 'node:http';
import type { TransformCallback } from 'node:stream';
import { Transform } from 'node:stream';

/**
 * Streaming uploads signed as `STREAMING-*` or sent with `Content-Encoding: aws-chunked`
 * frame the payload as `<hex-size>[;chunk-signature=…]\r\n<bytes>\r\n … 0\r\n[trailers]\r\n`.
 */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const sha = headers['x-amz-content-sha256'];
  return contentEncodings(headers).includes('aws-chunked') || (typeof sha === 'string' && sha.startsWith('STREAMING-'));
}

/** Rewrites the headers to describe the decoded payload, as S3 does before storing it. */
export function decodedHeaders(headers: IncomingHttpHeaders): void {
  const remaining = contentEncodings(headers).filter((encoding) => encoding !== 'aws-chunked');
  if (remaining.length > 0) headers['content-encoding'] = remaining.join(',');
  else delete headers['content-encoding'];
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (typeof decodedLength === 'string') headers['content-length'] = decodedLength;
  else delete headers['content-length'];
}

function contentEncodings(headers: IncomingHttpHeaders): string[] {
  const value = headers['content-encoding'];
  return typeof value === 'string' ? value.split(',').map((encoding) => encoding.trim().toLowerCase()) : [];
}

const CRLF = Buffer.from('\r\n');

/** Strips aws-chunked framing (and trailing checksums), passing only payload bytes through. */
export class AwsChunkedDecoder extends Transform {
  private pending = Buffer.alloc(0);
  /** Payload bytes left in the current chunk; undefined while reading a chunk header. */
  private remaining: number | undefined;
  private done = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.done) {
      callback();
      return;
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    try {
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.done ? null : new Error('aws-chunked payload ended before its final chunk'));
  }

  private drain(): void {
    while (!this.done) {
      if (this.remaining === undefined) {
        const end = this.pending.indexOf(CRLF);
        if (end === -1) return;
        const header = this.pending.subarray(0, end).toString('latin1');
        const size = Number.parseInt(header.split(';')[0] ?? '', 16);
        if (!Number.isInteger(size) || size < 0)
          throw new Error(`invalid aws-chunked chunk header: ${header.slice(0, 80)}`);
        this.pending = this.pending.subarray(end + CRLF.length);
        this.remaining = size;
        this.done = size === 0;
        continue;
      }
      if (this.remaining > 0) {
        if (this.pending.length === 0) return;
        const take = Math.min(this.remaining, this.pending.length);
        this.push(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.remaining -= take;
        continue;
      }
      if (this.pending.length < CRLF.length) return;
      this.pending = this.pending.subarray(CRLF.length);
      this.remaining = undefined;
    }
  }
}
