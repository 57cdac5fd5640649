import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export interface TlsMaterial {
  readonly certFile: string;
  readonly keyFile: string;
  /** The self-signed certificate doubles as the CA clients must trust. */
  readonly caFile: string;
  readonly caPem: string;
}

/** Creates a self-signed certificate for 127.0.0.1/localhost with the openssl CLI. */
export async function createLocalCertificate(dir: string): Promise<TlsMaterial> {
  await fs.mkdir(dir, { recursive: true });
  const certFile = path.join(dir, 'local-elasticache.crt');
  const keyFile = path.join(dir, 'local-elasticache.key');
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '3650',
    '-subj',
    '/CN=local-elasticache',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ];
  await promisify(execFile)('openssl', args);
  return { certFile, keyFile, caFile: certFile, caPem: await fs.readFile(certFile, 'utf8') };
}
