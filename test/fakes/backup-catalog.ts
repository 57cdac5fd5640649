import { backupManifestSchema, type BackupManifest } from '../../functions/domain/backup/manifest';
import { InvalidBackupError } from '../../functions/domain/errors';
import type { BackupCatalog, BackupLocation, BackupObject, BackupReadGrant, BackupStore } from '../../functions/ports';
import { Failures } from './failures';

/** Bytes of an RDB file: `REDIS` + four-digit version + some payload. */
export function rdbBytes(version = 11, payload = 'payload'): Uint8Array {
  return new TextEncoder().encode(`REDIS${String(version).padStart(4, '0')}${payload}`);
}

/**
 * S3 objects in memory, listed (newest first, as the port promises), written
 * and read back: the backups the backup use case makes are the ones Assess
 * finds.
 */
export class FakeBackupCatalog implements BackupCatalog, BackupReadGrant, BackupStore {
  readonly failures = new Failures<keyof BackupCatalog | keyof BackupReadGrant | keyof BackupStore>();
  /** Each upload: where, with which metadata and reader grant. */
  readonly uploads: { location: BackupLocation; metadata: Record<string, string>; readerCanonicalId?: string }[] = [];
  /** `bucket/key` of the RDB object → its manifest, as the JSON written. */
  readonly manifests = new Map<string, string>();
  private readonly metadata = new Map<string, Record<string, string>>();
  /** `bucket/key` → canonical ids granted read, in grant order. */
  readonly readGrants = new Map<string, string[]>();
  readonly headerReads: { bucket: string; key: string; bytes: number }[] = [];
  private readonly objects = new Map<string, BackupObject & { body: Uint8Array }>();

  /** `sizeBytes` defaults to the body's length; a large size needs no large body. */
  add(object: {
    bucket: string;
    key: string;
    lastModified: string;
    body?: Uint8Array | string;
    sizeBytes?: number;
  }): this {
    const body = typeof object.body === 'string' ? new TextEncoder().encode(object.body) : (object.body ?? rdbBytes());
    this.objects.set(`${object.bucket}/${object.key}`, {
      bucket: object.bucket,
      key: object.key,
      lastModified: new Date(object.lastModified).toISOString(),
      sizeBytes: object.sizeBytes ?? body.length,
      body,
    });
    return this;
  }

  async list(bucket: string, prefix: string): Promise<BackupObject[]> {
    this.failures.check('list');
    return [...this.objects.values()]
      .filter((o) => o.bucket === bucket && o.key.startsWith(prefix))
      .sort((a, b) => Date.parse(b.lastModified) - Date.parse(a.lastModified))
      .map(({ body: _body, ...o }) => ({ ...o }));
  }

  async readHeader(bucket: string, key: string, bytes: number): Promise<Uint8Array> {
    this.failures.check('readHeader');
    this.headerReads.push({ bucket, key, bytes });
    const o = this.objects.get(`${bucket}/${key}`);
    if (!o) throw new Error(`NoSuchKey: s3://${bucket}/${key}`);
    return o.body.slice(0, bytes);
  }

  async grantRead(bucket: string, key: string, canonicalId: string): Promise<{ alreadyGranted: boolean }> {
    this.failures.check('grantRead');
    const granted = this.readGrants.get(`${bucket}/${key}`) ?? [];
    if (granted.includes(canonicalId)) return { alreadyGranted: true };
    this.readGrants.set(`${bucket}/${key}`, [...granted, canonicalId]);
    return { alreadyGranted: false };
  }

  async upload(
    location: BackupLocation,
    body: AsyncIterable<Uint8Array>,
    options: { metadata: Record<string, string>; readerCanonicalId?: string },
  ): Promise<{ bytes: number }> {
    this.failures.check('upload');
    const parts: Uint8Array[] = [];
    for await (const chunk of body) parts.push(Uint8Array.from(chunk));
    const bytes = Buffer.concat(parts);
    this.uploads.push({
      location: { ...location },
      metadata: { ...options.metadata },
      ...(options.readerCanonicalId ? { readerCanonicalId: options.readerCanonicalId } : {}),
    });
    // The clock of S3: the object's LastModified is when the upload completed.
    this.add({ ...location, lastModified: new Date().toISOString(), body: new Uint8Array(bytes) });
    this.metadata.set(`${location.bucket}/${location.key}`, { ...options.metadata });
    if (options.readerCanonicalId)
      this.readGrants.set(`${location.bucket}/${location.key}`, [options.readerCanonicalId]);
    return { bytes: bytes.length };
  }

  async read(location: BackupLocation): Promise<AsyncIterable<Uint8Array>> {
    this.failures.check('read');
    const o = this.objects.get(`${location.bucket}/${location.key}`);
    if (!o) throw new InvalidBackupError(`backup s3://${location.bucket}/${location.key} does not exist`);
    const body = o.body;
    return (async function* () {
      for (let at = 0; at < body.length; at += 64 * 1024) yield body.slice(at, at + 64 * 1024);
    })();
  }

  async head(location: BackupLocation): Promise<{ sizeBytes: number; metadata: Record<string, string> } | undefined> {
    this.failures.check('head');
    const id = `${location.bucket}/${location.key}`;
    const o = this.objects.get(id);
    return o ? { sizeBytes: o.sizeBytes, metadata: { ...(this.metadata.get(id) ?? {}) } } : undefined;
  }

  async writeManifest(location: BackupLocation, manifest: BackupManifest): Promise<void> {
    this.failures.check('writeManifest');
    this.manifests.set(`${location.bucket}/${location.key}`, JSON.stringify(manifest));
  }

  async readManifest(location: BackupLocation): Promise<BackupManifest | undefined> {
    this.failures.check('readManifest');
    const text = this.manifests.get(`${location.bucket}/${location.key}`);
    if (text === undefined) return undefined;
    const parsed = backupManifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new InvalidBackupError(`the manifest of s3://${location.bucket}/${location.key} does not parse`);
    return parsed.data;
  }

  /** Sets an object's user metadata, as an upload by another tool would have. */
  setMetadata(bucket: string, key: string, metadata: Record<string, string>): this {
    this.metadata.set(`${bucket}/${key}`, { ...metadata });
    return this;
  }
}
