/** Copying a cache's keys into its warm standby (SCAN + DUMP → RESTORE on raw sockets). */
import { RedisMirror } from '../adapters/redis-mirror';
import type { KeyspaceMirror } from '../ports';

let instance: KeyspaceMirror | undefined;
export function keyspaceMirror(): KeyspaceMirror {
  return (instance ??= new RedisMirror());
}
