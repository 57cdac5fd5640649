/**
 * What S3 remembers about who may read a bucket's objects and how they are
 * encrypted, which s3rver does not keep: object ownership (ACLs enabled or
 * not), bucket policies, object ACL grants, and server-side encryption. The
 * local ElastiCache reads these back through the S3 API, as ElastiCache does
 * when it seeds a cache from a backup.
 *
 * S3 rules kept here (Amazon S3 User Guide and API Reference):
 * - a new bucket has ACLs disabled (object ownership BucketOwnerEnforced) unless
 *   CreateBucket names another `x-amz-object-ownership` ("Controlling ownership
 *   of objects and disabling ACLs for your bucket");
 * - with ACLs disabled, a request that sets an ACL other than
 *   bucket-owner-full-control fails with 400 AccessControlListNotSupported ("The
 *   bucket does not allow ACLs"); reading ACLs still works (S3 User Guide,
 *   "Troubleshooting" for Object Ownership,
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html);
 * - every new object is encrypted, with SSE-S3 unless the request or the bucket's
 *   default encryption says otherwise ("Setting default server-side encryption
 *   behavior for Amazon S3 buckets"), and GET/HEAD answer
 *   `x-amz-server-side-encryption`;
 * - a bucket has an ACL too (GetBucketAcl, PutBucketAcl), refused like an
 *   object's when ACLs are disabled;
 * - a bucket lives in the Region its CreateBucket LocationConstraint names
 *   (us-east-1 without one), which GetBucketLocation answers (an empty
 *   LocationConstraint for us-east-1);
 * - GetBucketPolicy on a bucket without one: 404 NoSuchBucketPolicy;
 *   GetBucketOwnershipControls without them: 404 OwnershipControlsNotFoundError.
 */
import type { IncomingMessage } from 'node:http';
import S3Error from 's3rver/lib/models/error';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import type S3rver from 's3rver';
import { readBody } from '../http-server';

export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';
const OWNERSHIPS: readonly ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

export type Permission = 'FULL_CONTROL' | 'READ' | 'READ_ACP' | 'WRITE' | 'WRITE_ACP';
export interface Grant {
  readonly grantee:
    { readonly type: 'CanonicalUser'; readonly id: string } | { readonly type: 'Group'; readonly uri: string };
  readonly permission: Permission;
}

export interface Encryption {
  readonly algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  readonly kmsKeyId?: string;
}

interface BucketState {
  ownership: ObjectOwnership | undefined;
  policy: string | undefined;
  encryption: Encryption | undefined;
  /** The bucket's ACL (PutBucketAcl, or the grants CreateBucket set); the owner's full control by default. */
  grants?: Grant[];
  /** CreateBucket's LocationConstraint; none means us-east-1 (API Reference, GetBucketLocation). */
  region?: string;
}

interface ObjectState {
  grants: Grant[];
  encryption: Encryption;
}

const MAX_CONFIG_BYTES = 64 * 1024;
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const GRANT_HEADERS: Record<string, Permission> = {
  'x-amz-grant-full-control': 'FULL_CONTROL',
  'x-amz-grant-read': 'READ',
  'x-amz-grant-read-acp': 'READ_ACP',
  'x-amz-grant-write': 'WRITE',
  'x-amz-grant-write-acp': 'WRITE_ACP',
};

/** The parts of a Koa context this middleware uses. */
interface Ctx extends S3rver.Context {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  set(name: string, value: string): void;
  store: { getBucket(name: string): Promise<unknown>; existsObject(bucket: string, key: string): Promise<boolean> };
}

function s3Error(code: string, message: string, status: number): Error {
  const error = new S3Error(code, message);
  error.status = status;
  error.expose = status < 500;
  return error;
}

const aclNotSupported = () => s3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
const malformedXml = () =>
  s3Error(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );

function xmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.trim();
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `id="…", uri="…"` as sent in the x-amz-grant-* headers. */
function parseGrantees(value: string, permission: Permission): Grant[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^(id|uri|emailAddress)\s*=\s*"?([^"]*)"?$/.exec(part);
      if (!match?.[1] || match[2] === undefined) throw s3Error('InvalidArgument', `Invalid grantee: ${part}`, 400);
      if (match[1] === 'emailAddress')
        throw s3Error('InvalidArgument', 'Grants by email address are not supported in this Region', 400);
      return match[1] === 'id'
        ? { grantee: { type: 'CanonicalUser', id: match[2] }, permission }
        : { grantee: { type: 'Group', uri: match[2] }, permission };
    });
}

/** The grants a canned ACL stands for (Amazon S3 User Guide, "Access control list (ACL) overview", canned ACL). */
function cannedGrants(acl: string, owner: string): Grant[] {
  const full: Grant = { grantee: { type: 'CanonicalUser', id: owner }, permission: 'FULL_CONTROL' };
  switch (acl) {
    case 'private':
    case 'bucket-owner-full-control':
    case 'bucket-owner-read':
      return [full];
    case 'public-read':
      return [full, { grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' }];
    case 'public-read-write':
      return [
        full,
        { grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' },
        { grantee: { type: 'Group', uri: ALL_USERS }, permission: 'WRITE' },
      ];
    case 'authenticated-read':
      return [full, { grantee: { type: 'Group', uri: AUTHENTICATED_USERS }, permission: 'READ' }];
    default:
      throw s3Error('InvalidArgument', `Invalid canned ACL: ${acl}`, 400);
  }
}

/** An AccessControlPolicy document (PutObjectAcl with a body). */
function parseAccessControlPolicy(xml: string): Grant[] {
  if (!xml.includes('<AccessControlPolicy')) throw malformedXml();
  const grants: Grant[] = [];
  for (const [, grant] of xml.matchAll(/<Grant>([\s\S]*?)<\/Grant>/g)) {
    const permission = xmlText(grant ?? '', 'Permission') as Permission | undefined;
    const id = xmlText(grant ?? '', 'ID');
    const uri = xmlText(grant ?? '', 'URI');
    if (!permission || !(permission in { FULL_CONTROL: 1, READ: 1, READ_ACP: 1, WRITE: 1, WRITE_ACP: 1 }))
      throw malformedXml();
    if (id) grants.push({ grantee: { type: 'CanonicalUser', id }, permission });
    else if (uri) grants.push({ grantee: { type: 'Group', uri }, permission });
    else throw malformedXml();
  }
  return grants;
}

/** The query without the SDK's `x-id` operation marker: what is left names a sub-resource. */
function subresources(ctx: Ctx): Record<string, unknown> {
  const { 'x-id': _operation, ...rest } = ctx.query;
  return rest;
}

function header(ctx: Ctx, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function aclHeadersPresent(ctx: Ctx): boolean {
  return header(ctx, 'x-amz-acl') !== undefined || Object.keys(GRANT_HEADERS).some((h) => header(ctx, h) !== undefined);
}

/** With ACLs disabled only bucket-owner-full-control (or no ACL at all) is accepted. */
function onlyOwnerAcl(ctx: Ctx): boolean {
  if (Object.keys(GRANT_HEADERS).some((h) => header(ctx, h) !== undefined)) return false;
  const canned = header(ctx, 'x-amz-acl');
  return canned === undefined || canned === 'bucket-owner-full-control';
}

export class S3AccessControl {
  private readonly buckets = new Map<string, BucketState>();
  private readonly objects = new Map<string, ObjectState>();
  /** Upload id → the ACL and encryption its CreateMultipartUpload asked for, given to the object on completion. */
  private readonly uploads = new Map<string, ObjectState>();
  /** The canonical id of the account that owns every local bucket. */
  readonly ownerId: string = String(DUMMY_ACCOUNT.id);

  /** The s3rver middleware: answers the sub-resources s3rver lacks and records the rest around it. */
  readonly middleware: S3rver.Middleware = async (context, next) => {
    const ctx = context as Ctx;
    const [bucket, key] = this.target(ctx.path);
    if (bucket === undefined) return next();
    if (key === undefined) return this.bucketRequest(ctx, bucket, next);
    return this.objectRequest(ctx, bucket, key, next);
  };

  ownership(bucket: string): ObjectOwnership {
    return this.buckets.get(bucket)?.ownership ?? 'BucketOwnerEnforced';
  }

  private target(path: string): [string | undefined, string | undefined] {
    const match = /^\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (!match?.[1]) return [undefined, undefined];
    const key = match[2] ? decodeURIComponent(match[2]) : undefined;
    return [decodeURIComponent(match[1]), key];
  }

  private state(bucket: string): BucketState {
    let state = this.buckets.get(bucket);
    if (!state) {
      state = { ownership: undefined, policy: undefined, encryption: undefined };
      this.buckets.set(bucket, state);
    }
    return state;
  }

  private async assertBucket(ctx: Ctx, bucket: string): Promise<void> {
    if (!(await ctx.store.getBucket(bucket))) throw s3Error('NoSuchBucket', 'The specified bucket does not exist', 404);
  }

  private async body(ctx: Ctx): Promise<string> {
    return (await readBody(ctx.req as IncomingMessage, MAX_CONFIG_BYTES)).toString('utf8');
  }

  private xml(ctx: Ctx, document: string): void {
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${document}`;
  }

  private empty(ctx: Ctx, status = 200): void {
    ctx.status = status;
    ctx.body = '';
  }

  // ---- buckets ---------------------------------------------------------------------------------

  private async bucketRequest(ctx: Ctx, bucket: string, next: () => Promise<void>): Promise<void> {
    const q = subresources(ctx);
    if ('ownershipControls' in q) return this.ownershipControls(ctx, bucket);
    if ('policy' in q) return this.policy(ctx, bucket);
    if ('encryption' in q) return this.encryption(ctx, bucket);
    if ('acl' in q) return this.bucketAcl(ctx, bucket);
    if ('location' in q && ctx.method === 'GET') return this.location(ctx, bucket);
    if (ctx.method === 'PUT' && Object.keys(q).length === 0) {
      const requested = header(ctx, 'x-amz-object-ownership');
      if (requested !== undefined && !OWNERSHIPS.includes(requested as ObjectOwnership))
        throw s3Error('InvalidArgument', `Invalid x-amz-object-ownership header: ${requested}`, 400);
      const ownership = (requested as ObjectOwnership | undefined) ?? 'BucketOwnerEnforced';
      if (ownership === 'BucketOwnerEnforced' && !onlyOwnerAcl(ctx)) throw aclNotSupported();
      const grants = this.requestedGrants(ctx);
      const region = xmlText(await this.body(ctx), 'LocationConstraint') || undefined;
      await next();
      if (ctx.status < 300)
        this.buckets.set(bucket, {
          ownership,
          policy: undefined,
          encryption: undefined,
          ...(grants ? { grants } : {}),
          ...(region ? { region } : {}),
        });
      return;
    }
    if (ctx.method === 'DELETE' && Object.keys(q).length === 0) {
      await next();
      if (ctx.status < 300) {
        this.buckets.delete(bucket);
        for (const id of this.objects.keys()) if (id.startsWith(`${bucket}/`)) this.objects.delete(id);
      }
      return;
    }
    return next();
  }

  private async ownershipControls(ctx: Ctx, bucket: string): Promise<void> {
    await this.assertBucket(ctx, bucket);
    const state = this.state(bucket);
    if (ctx.method === 'PUT') {
      const ownership = xmlText(await this.body(ctx), 'ObjectOwnership');
      if (!ownership || !OWNERSHIPS.includes(ownership as ObjectOwnership)) throw malformedXml();
      state.ownership = ownership as ObjectOwnership;
      return this.empty(ctx);
    }
    if (ctx.method === 'DELETE') {
      // Without ownership controls a bucket behaves as ObjectWriter.
      state.ownership = 'ObjectWriter';
      return this.empty(ctx, 204);
    }
    if (ctx.method === 'GET') {
      return this.xml(
        ctx,
        `<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>${this.ownership(bucket)}</ObjectOwnership></Rule></OwnershipControls>`,
      );
    }
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  private async policy(ctx: Ctx, bucket: string): Promise<void> {
    await this.assertBucket(ctx, bucket);
    const state = this.state(bucket);
    if (ctx.method === 'PUT') {
      const text = await this.body(ctx);
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        doc = undefined;
      }
      if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { Statement?: unknown }).Statement))
        throw s3Error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'", 400);
      state.policy = text;
      return this.empty(ctx, 204);
    }
    if (ctx.method === 'DELETE') {
      state.policy = undefined;
      return this.empty(ctx, 204);
    }
    if (ctx.method === 'GET') {
      if (state.policy === undefined) throw s3Error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = state.policy;
      return;
    }
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  private async encryption(ctx: Ctx, bucket: string): Promise<void> {
    await this.assertBucket(ctx, bucket);
    const state = this.state(bucket);
    if (ctx.method === 'PUT') {
      const xml = await this.body(ctx);
      const algorithm = xmlText(xml, 'SSEAlgorithm');
      if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') throw malformedXml();
      const kmsKeyId = xmlText(xml, 'KMSMasterKeyID');
      state.encryption = { algorithm, ...(kmsKeyId ? { kmsKeyId } : {}) };
      return this.empty(ctx);
    }
    if (ctx.method === 'DELETE') {
      state.encryption = undefined;
      return this.empty(ctx, 204);
    }
    if (ctx.method === 'GET') {
      const { algorithm, kmsKeyId } = this.bucketEncryption(bucket);
      return this.xml(
        ctx,
        `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${algorithm}</SSEAlgorithm>${kmsKeyId ? `<KMSMasterKeyID>${escapeXml(kmsKeyId)}</KMSMasterKeyID>` : ''}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
      );
    }
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  private async bucketAcl(ctx: Ctx, bucket: string): Promise<void> {
    await this.assertBucket(ctx, bucket);
    const state = this.state(bucket);
    if (ctx.method === 'PUT') {
      const body = await this.body(ctx);
      if (this.ownership(bucket) === 'BucketOwnerEnforced' && (!onlyOwnerAcl(ctx) || body.trim() !== ''))
        throw aclNotSupported();
      const grants = this.requestedGrants(ctx) ?? (body.trim() ? parseAccessControlPolicy(body) : undefined);
      if (!grants) throw s3Error('MissingSecurityHeader', 'Your request was missing a required header', 400);
      state.grants = grants;
      return this.empty(ctx);
    }
    if (ctx.method === 'GET') return this.xml(ctx, this.accessControlPolicy(state.grants ?? this.defaultGrants()));
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  private async location(ctx: Ctx, bucket: string): Promise<void> {
    await this.assertBucket(ctx, bucket);
    const region = this.buckets.get(bucket)?.region;
    return this.xml(
      ctx,
      `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region && region !== 'us-east-1' ? escapeXml(region) : ''}</LocationConstraint>`,
    );
  }

  private bucketEncryption(bucket: string): Encryption {
    return this.buckets.get(bucket)?.encryption ?? { algorithm: 'AES256' };
  }

  // ---- objects ---------------------------------------------------------------------------------

  private async objectRequest(ctx: Ctx, bucket: string, key: string, next: () => Promise<void>): Promise<void> {
    const id = `${bucket}/${key}`;
    const q = subresources(ctx);
    if ('acl' in q) return this.objectAcl(ctx, bucket, key);
    const plain = Object.keys(q).length === 0;
    // CreateMultipartUpload takes the same ACL and encryption headers; the completed object gets them.
    if (ctx.method === 'POST' && 'uploads' in q) {
      if (this.ownership(bucket) === 'BucketOwnerEnforced' && !onlyOwnerAcl(ctx)) throw aclNotSupported();
      const upload = {
        grants: this.requestedGrants(ctx) ?? this.defaultGrants(),
        encryption: this.requestedEncryption(ctx, bucket),
      };
      await next();
      const uploadId = typeof ctx.body === 'string' ? xmlText(ctx.body, 'UploadId') : undefined;
      if (ctx.status < 300 && uploadId) {
        this.uploads.set(uploadId, upload);
        this.encryptionHeaders(ctx, upload.encryption);
      }
      return;
    }
    const uploadId = typeof q['uploadId'] === 'string' ? q['uploadId'] : undefined;
    if (uploadId !== undefined) {
      await next();
      const upload = this.uploads.get(uploadId);
      if (ctx.status >= 300 || !upload) return;
      if (ctx.method === 'PUT' || ctx.method === 'POST') this.encryptionHeaders(ctx, upload.encryption);
      if (ctx.method === 'POST') this.objects.set(id, upload);
      if (ctx.method === 'POST' || ctx.method === 'DELETE') this.uploads.delete(uploadId);
      return;
    }
    if (ctx.method === 'PUT' && plain) {
      if (this.ownership(bucket) === 'BucketOwnerEnforced' && !onlyOwnerAcl(ctx)) throw aclNotSupported();
      const grants = this.requestedGrants(ctx) ?? this.defaultGrants();
      const encryption = this.requestedEncryption(ctx, bucket);
      await next();
      if (ctx.status < 300) this.objects.set(id, { grants, encryption });
      return;
    }
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && plain) {
      await next();
      if (ctx.status < 300) this.encryptionHeaders(ctx, this.objects.get(id)?.encryption ?? { algorithm: 'AES256' });
      return;
    }
    if (ctx.method === 'DELETE' && plain) {
      await next();
      if (ctx.status < 300) this.objects.delete(id);
      return;
    }
    return next();
  }

  /** S3 answers a write and a read of an encrypted object with how it is encrypted. */
  private encryptionHeaders(ctx: Ctx, { algorithm, kmsKeyId }: Encryption): void {
    ctx.set('x-amz-server-side-encryption', algorithm);
    if (kmsKeyId) ctx.set('x-amz-server-side-encryption-aws-kms-key-id', kmsKeyId);
  }

  private defaultGrants(): Grant[] {
    return [{ grantee: { type: 'CanonicalUser', id: this.ownerId }, permission: 'FULL_CONTROL' }];
  }

  /** The ACL a request sets with x-amz-acl or x-amz-grant-* headers; undefined when it sets none. */
  private requestedGrants(ctx: Ctx): Grant[] | undefined {
    if (!aclHeadersPresent(ctx)) return undefined;
    const canned = header(ctx, 'x-amz-acl');
    const explicit = Object.entries(GRANT_HEADERS).flatMap(([name, permission]) => {
      const value = header(ctx, name);
      return value === undefined ? [] : parseGrantees(value, permission);
    });
    if (canned !== undefined && explicit.length > 0)
      throw s3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed', 400);
    return canned !== undefined ? cannedGrants(canned, this.ownerId) : explicit;
  }

  private requestedEncryption(ctx: Ctx, bucket: string): Encryption {
    const algorithm = header(ctx, 'x-amz-server-side-encryption');
    if (algorithm === undefined) return this.bucketEncryption(bucket);
    if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse')
      throw s3Error('InvalidArgument', `The encryption method specified is not supported: ${algorithm}`, 400);
    const kmsKeyId = header(ctx, 'x-amz-server-side-encryption-aws-kms-key-id');
    return { algorithm, ...(algorithm !== 'AES256' && kmsKeyId ? { kmsKeyId } : {}) };
  }

  private async objectAcl(ctx: Ctx, bucket: string, key: string): Promise<void> {
    await this.assertBucket(ctx, bucket);
    if (!(await ctx.store.existsObject(bucket, key)))
      throw s3Error('NoSuchKey', 'The specified key does not exist.', 404);
    const id = `${bucket}/${key}`;
    const state = this.objects.get(id) ?? { grants: this.defaultGrants(), encryption: this.bucketEncryption(bucket) };
    if (ctx.method === 'PUT') {
      const body = await this.body(ctx);
      const enforced = this.ownership(bucket) === 'BucketOwnerEnforced';
      if (enforced && (!onlyOwnerAcl(ctx) || body.trim() !== '')) throw aclNotSupported();
      const grants = this.requestedGrants(ctx) ?? (body.trim() ? parseAccessControlPolicy(body) : undefined);
      if (!grants) throw s3Error('MissingSecurityHeader', 'Your request was missing a required header', 400);
      this.objects.set(id, { ...state, grants });
      return this.empty(ctx);
    }
    if (ctx.method === 'GET') return this.xml(ctx, this.accessControlPolicy(state.grants));
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  private accessControlPolicy(grants: readonly Grant[]): string {
    const list = grants
      .map((g) => {
        const grantee =
          g.grantee.type === 'CanonicalUser'
            ? `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${escapeXml(g.grantee.id)}</ID></Grantee>`
            : `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${escapeXml(g.grantee.uri)}</URI></Grantee>`;
        return `<Grant>${grantee}<Permission>${g.permission}</Permission></Grant>`;
      })
      .join('');
    return `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${this.ownerId}</ID><DisplayName>${escapeXml(DUMMY_ACCOUNT.displayName)}</DisplayName></Owner><AccessControlList>${list}</AccessControlList></AccessControlPolicy>`;
  }
}
