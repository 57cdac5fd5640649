/** Reading a cache for a backup (SYNC or SCAN + DUMP on raw sockets). */
import { RedisBackupSource } from '../adapters/redis-backup-source';
import type { BackupSource } from '../ports';

let instance: BackupSource | undefined;
export function backupSource(): BackupSource {
  return (instance ??= new RedisBackupSource());
}
