import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import type { LocalService } from '../service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../service';
import { S3AccessControl } from './access-control';
import { AwsChunkedDecoder, decodedHeaders, isAwsChunked } from './aws-chunked';
import { multipartUploads } from './multipart';

export interface S3Options {
  readonly port?: number;
  /** Where objects are stored; a temporary directory (removed on stop) by default. */
  readonly directory?: string;
}

export interface LocalS3 extends LocalService {
  readonly directory: string;
  /** Object ownership, bucket policies, object ACLs and encryption, which s3rver does not keep. */
  readonly accessControl: S3AccessControl;
}

/** What an S3Client needs to talk to the local server. */
export interface LocalS3ClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: typeof LOCAL_CREDENTIALS;
  readonly forcePathStyle: true;
  readonly requestChecksumCalculation: 'WHEN_REQUIRED';
  readonly responseChecksumValidation: 'WHEN_REQUIRED';
}

export function s3ClientConfig(endpoint: string): LocalS3ClientConfig {
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/**
 * Lets requests signed with this access key through s3rver, which refuses keys it
 * does not know (each function signs with its own key, as each Lambda does with its role's).
 */
export function registerAccessKey(credentials: { accessKeyId: string; secretAccessKey: string }): void {
  DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
}

/** Local S3 backed by s3rver on 127.0.0.1. */
export async function startS3(options: S3Options = {}): Promise<LocalS3> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'local-s3-')));
  // s3rver does not verify SigV4 signatures, but it rejects access keys it has not registered.
  DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
  });
  const accessControl = new S3AccessControl();
  // Runs after the aws-chunked decoder, before s3rver's router.
  server.middleware.unshift(decodeAwsChunkedUploads, accessControl.middleware, multipartUploads);
  const address = await server.run().catch(async (error: unknown) => {
    if (temporary) await rm(directory, { recursive: true, force: true });
    throw error;
  });

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    accessControl,
    stop() {
      stopping ??= (async () => {
        const closed = server.close();
        server.httpServer?.closeAllConnections();
        await closed;
        if (temporary) await rm(directory, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** s3rver would store aws-chunked framing verbatim; decode it first, as S3 does. */
const decodeAwsChunkedUploads: S3rver.Middleware = async (ctx, next) => {
  if (isAwsChunked(ctx.req.headers)) {
    const headers = ctx.req.headers;
    ctx.req = Object.assign(ctx.req.pipe(new AwsChunkedDecoder()), { headers });
    decodedHeaders(headers);
  }
  await next();
};
