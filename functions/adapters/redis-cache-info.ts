/**
 * What a backup needs to know about a cache before reading it (INFO: engine,
 * cluster mode, databases in use), and how a refused command is reported.
 */
import {
  BackupFailedError,
  BackupMethodRefusedError,
  TransientDependencyError,
  type BackupSourceMethod,
} from '../domain/errors';
import { RespError } from './resp-reader';
import type { RespSession } from './resp-session';

/** Error replies that mean "not now" rather than "never": retrying may succeed. */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|NOMASTERLINK|CLUSTERDOWN)\b/;

/** Error replies that mean the credentials are missing or wrong: no other method will do better. */
const CREDENTIAL_REPLIES = /^(NOAUTH|WRONGPASS)\b/;

/**
 * The error for an error reply to `command`: transient when the cache is busy,
 * a failure when it wants other credentials, otherwise a refusal of the method.
 */
export function refusal(method: BackupSourceMethod, command: string, label: string, reply: string): Error {
  if (CREDENTIAL_REPLIES.test(reply)) return new BackupFailedError(`${label} refused ${command}: ${reply}`);
  if (TRANSIENT_REPLIES.test(reply)) {
    return new TransientDependencyError(`${method}: ${label} is not ready for ${command}: ${reply}`);
  }
  return new BackupMethodRefusedError(method, command, reply);
}

export interface CacheInfo {
  engine: { name: string; version: string };
  /** Databases holding keys, ascending, with their key counts. */
  databases: { db: number; keys: number }[];
}

/** The fields of an INFO reply. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/**
 * Reads INFO (default sections: server, cluster, keyspace among them). Refuses
 * a cluster-mode cache: a node holds only its own hash slots, so a backup read
 * through one endpoint would silently lack the others.
 */
export async function readCacheInfo(session: RespSession, method: BackupSourceMethod): Promise<CacheInfo> {
  const reply = await session.call(['INFO']);
  if (reply instanceof RespError) throw refusal(method, 'INFO', session.label, reply.message);
  const fields = parseInfo(Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply));
  if (fields.get('cluster_enabled') === '1') {
    throw new BackupMethodRefusedError(
      method,
      'a whole-cache read',
      'cluster_enabled:1 (in cluster mode each node holds only its own hash slots)',
    );
  }
  const valkey = fields.get('server_name') === 'valkey';
  const version = (valkey ? fields.get('valkey_version') : undefined) ?? fields.get('redis_version') ?? 'unknown';
  const databases: { db: number; keys: number }[] = [];
  for (const [name, value] of fields) {
    const db = /^db(\d+)$/.exec(name);
    const keys = /(?:^|,)keys=(\d+)/.exec(value);
    if (db && keys) databases.push({ db: Number(db[1]), keys: Number(keys[1]) });
  }
  databases.sort((a, b) => a.db - b.db);
  return { engine: { name: valkey ? 'valkey' : 'redis', version }, databases };
}
