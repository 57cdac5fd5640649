import type { BackupCatalog, BackupObject, BackupReadGrant } from '../../functions/ports';
import { Failures } from './failures';

/** Bytes of an RDB file: `REDIS` + four-digit version + some payload. */
export function rdbBytes(version = 11, payload = 'payload'): Uint8Array {
  return new TextEncoder().encode(`REDIS${String(version).padStart(4, '0')}${payload}`);
}

/** S3 objects in memory; list() is newest first, as the port promises. */
export class FakeBackupCatalog implements BackupCatalog, BackupReadGrant {
  readonly failures = new Failures<keyof BackupCatalog | keyof BackupReadGrant>();
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
}
