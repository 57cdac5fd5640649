/**
 * Who may run what on the nodes of the local ElastiCache. "Restricted commands"
 * (ElastiCache User Guide, <https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ClientConfig.RestrictedCommands.html>):
 * "To deliver a managed service experience, ElastiCache restricts access to certain cache
 * engine-specific commands that require advanced privileges", and names the commands below.
 * Clients (the `default` user, with or without the group's AUTH token) are refused them;
 * the emulator itself (REPLICAOF on failover, SAVE for a snapshot, INFO while it waits)
 * and the replicas replicating from their primary authenticate as a user of their own.
 */
import { randomBytes } from 'node:crypto';
import type { RedisAcl } from './redis-process';
import type { RedisCommandOptions } from './resp';

/** The commands the page names as unavailable, in its order. */
export const RESTRICTED_COMMANDS = [
  'bgrewriteaof',
  'bgsave',
  'config',
  'debug',
  'migrate',
  'replicaof',
  'save',
  'slaveof',
  'shutdown',
  'sync',
] as const;

/**
 * PSYNC is not on the page. It asks for the same replication stream as SYNC (a full
 * resynchronization sends the same RDB file), so the local nodes refuse it too: code that
 * backs a group up works locally only through what a client is sure to be allowed.
 */
export const REFUSED_TO_CLIENTS: readonly string[] = [...RESTRICTED_COMMANDS, 'psync'];

/** The emulator's own user: its password is drawn once per process and never leaves it. */
const EMULATOR_USER = { username: 'local-elasticache-emulator', password: randomBytes(24).toString('hex') };

/** The ACL every node of the local ElastiCache starts with. */
export function nodeAcl(): RedisAcl {
  return { refusedCommands: REFUSED_TO_CLIENTS, admin: EMULATOR_USER };
}

/** How the emulator authenticates to a node of its own (TLS trusted through `tlsCa` when the group uses it). */
export function emulatorConnection(tlsCa: string | undefined): RedisCommandOptions {
  return { username: EMULATOR_USER.username, password: EMULATOR_USER.password, tlsCa };
}
