/**
 * The multipart upload calls s3rver lacks or lets through where S3 refuses
 * them (Amazon S3 API Reference: AbortMultipartUpload, ListMultipartUploads,
 * UploadPart, CompleteMultipartUpload; User Guide, "Amazon S3 multipart upload
 * limits"):
 * - AbortMultipartUpload removes the upload and its parts (204); an upload id
 *   the key does not have is 404 NoSuchUpload;
 * - ListMultipartUploads lists the uploads begun and neither completed nor
 *   aborted, by key then initiation time;
 * - UploadPart and CompleteMultipartUpload of an unknown (or aborted) upload
 *   are 404 NoSuchUpload; part numbers run from 1 to 10,000;
 * - CompleteMultipartUpload refuses a part it has not got or whose ETag
 *   differs (400 InvalidPart), parts not in ascending order (400
 *   InvalidPartOrder), and any part but the last under 5 MiB (400
 *   EntityTooSmall).
 *
 * s3rver keeps an upload in `<bucket>/._S3rver_uploads/<upload id>/`: a `key`
 * file, the initiating request's headers (`metadata`), and each part as
 * `<n>` with `<n>.md5`.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import S3Error from 's3rver/lib/models/error';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import type S3rver from 's3rver';
import { readBody } from '../http-server';

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;
const MAX_COMPLETE_BYTES = 1024 * 1024;

interface Ctx extends S3rver.Context {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  store: {
    getBucket(name: string): Promise<unknown>;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  };
}

function s3Error(code: string, message: string, status: number): Error {
  const error = new S3Error(code, message);
  error.status = status;
  error.expose = status < 500;
  return error;
}

const noSuchUpload = () =>
  s3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    404,
  );

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function target(urlPath: string): [string | undefined, string | undefined] {
  const match = /^\/([^/]+)(?:\/(.*))?$/.exec(urlPath);
  if (!match?.[1]) return [undefined, undefined];
  return [decodeURIComponent(match[1]), match[2] ? decodeURIComponent(match[2]) : undefined];
}

function query(ctx: Ctx, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

interface PendingUpload {
  uploadId: string;
  key: string;
  initiated: Date;
}

/** The s3rver middleware for multipart uploads; runs before s3rver's router. */
export const multipartUploads: S3rver.Middleware = async (context, next) => {
  const ctx = context as Ctx;
  const [bucket, key] = target(ctx.path);
  if (bucket === undefined) return next();
  if (key === undefined) {
    if (ctx.method === 'GET' && 'uploads' in ctx.query) return listUploads(ctx, bucket);
    return next();
  }
  const uploadId = query(ctx, 'uploadId');
  if (uploadId === undefined) return next();
  const directory = uploadDirectory(ctx, bucket, uploadId);
  if (directory === undefined || (await uploadKey(directory)) !== key) throw noSuchUpload();
  if (ctx.method === 'DELETE') {
    await rm(directory, { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = '';
    return;
  }
  if (ctx.method === 'PUT' && !('x-amz-copy-source' in ctx.req.headers)) {
    const part = Number(query(ctx, 'partNumber'));
    if (!Number.isInteger(part) || part < 1 || part > MAX_PART_NUMBER)
      throw s3Error(
        'InvalidArgument',
        `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
        400,
      );
    return next();
  }
  if (ctx.method === 'POST') {
    const body = await readBody(ctx.req as IncomingMessage, MAX_COMPLETE_BYTES);
    await checkParts(directory, body.toString('utf8'));
    // s3rver parses the document again.
    ctx.req = Object.assign(Readable.from([body]), { headers: ctx.req.headers });
  }
  return next();
};

function uploadsRoot(ctx: Ctx, bucket: string): string {
  return ctx.store.getResourcePath(bucket, undefined, 'uploads');
}

function uploadDirectory(ctx: Ctx, bucket: string, uploadId: string): string | undefined {
  // s3rver's ids are hex; anything else names no upload (and no path outside the uploads).
  return /^[0-9a-f]+$/.test(uploadId) ? path.join(uploadsRoot(ctx, bucket), uploadId) : undefined;
}

async function uploadKey(directory: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(directory, 'key'))).toString();
  } catch {
    return undefined;
  }
}

async function checkParts(directory: string, xml: string): Promise<void> {
  const parts = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => ({
    number: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(part ?? '')?.[1]),
    etag: (/<ETag>([^<]*)<\/ETag>/.exec(part ?? '')?.[1] ?? '').replace(/&quot;|"/g, '').trim(),
  }));
  if (parts.some((part, i) => i > 0 && part.number <= (parts[i - 1]?.number ?? 0)))
    throw s3Error(
      'InvalidPartOrder',
      'The list of parts was not in ascending order. Parts must be ordered by part number.',
      400,
    );
  for (const [i, part] of parts.entries()) {
    let size: number;
    let md5: string;
    try {
      size = (await stat(path.join(directory, String(part.number)))).size;
      md5 = (await readFile(path.join(directory, `${part.number}.md5`))).toString().trim();
    } catch {
      throw invalidPart();
    }
    if (md5 !== part.etag) throw invalidPart();
    if (i < parts.length - 1 && size < MIN_PART_BYTES)
      throw s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', 400);
  }
}

const invalidPart = () =>
  s3Error(
    'InvalidPart',
    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    400,
  );

async function pendingUploads(root: string): Promise<PendingUpload[]> {
  let ids: string[];
  try {
    ids = await readdir(root);
  } catch {
    return [];
  }
  const found: PendingUpload[] = [];
  for (const uploadId of ids) {
    const directory = path.join(root, uploadId);
    const key = await uploadKey(directory);
    if (key === undefined) continue;
    found.push({ uploadId, key, initiated: (await stat(path.join(directory, 'key'))).mtime });
  }
  return found.sort((a, b) => a.key.localeCompare(b.key) || a.initiated.getTime() - b.initiated.getTime());
}

async function listUploads(ctx: Ctx, bucket: string): Promise<void> {
  if (!(await ctx.store.getBucket(bucket))) throw s3Error('NoSuchBucket', 'The specified bucket does not exist', 404);
  const prefix = query(ctx, 'prefix') ?? '';
  const uploads = (await pendingUploads(uploadsRoot(ctx, bucket))).filter((u) => u.key.startsWith(prefix));
  const owner = `<ID>${DUMMY_ACCOUNT.id}</ID><DisplayName>${escapeXml(DUMMY_ACCOUNT.displayName)}</DisplayName>`;
  const items = uploads
    .map(
      (u) =>
        `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${u.uploadId}</UploadId><Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`,
    )
    .join('');
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Bucket>${escapeXml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
    `<Prefix>${escapeXml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`;
}
