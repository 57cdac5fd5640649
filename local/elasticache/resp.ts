import net from 'node:net';
import tls from 'node:tls';

/** A decoded RESP2 reply. Errors are returned as values, not thrown, so callers can inspect them. */
export type RespReply = string | number | null | RespError | RespReply[];

export class RespError {
  constructor(readonly message: string) {}
}

interface Parsed {
  readonly value: RespReply;
  readonly next: number;
}

function readLine(buffer: Buffer, start: number): { line: string; next: number } | undefined {
  const end = buffer.indexOf('\r\n', start);
  if (end === -1) return undefined;
  return { line: buffer.toString('utf8', start, end), next: end + 2 };
}

function parseBulk(buffer: Buffer, length: number, start: number): Parsed | undefined {
  if (length < 0) return { value: null, next: start };
  if (buffer.length < start + length + 2) return undefined;
  return { value: buffer.toString('utf8', start, start + length), next: start + length + 2 };
}

function parseArray(buffer: Buffer, count: number, start: number): Parsed | undefined {
  if (count < 0) return { value: null, next: start };
  const items: RespReply[] = [];
  let offset = start;
  for (let index = 0; index < count; index += 1) {
    const item = parseReply(buffer, offset);
    if (!item) return undefined;
    items.push(item.value);
    offset = item.next;
  }
  return { value: items, next: offset };
}

/** Parses one reply starting at `start`; undefined when the buffer does not hold a complete reply yet. */
export function parseReply(buffer: Buffer, start = 0): Parsed | undefined {
  const header = readLine(buffer, start);
  if (!header) return undefined;
  const kind = header.line[0];
  const rest = header.line.slice(1);
  switch (kind) {
    case '+':
      return { value: rest, next: header.next };
    case '-':
      return { value: new RespError(rest), next: header.next };
    case ':':
      return { value: Number(rest), next: header.next };
    case '$':
      return parseBulk(buffer, Number(rest), header.next);
    case '*':
      return parseArray(buffer, Number(rest), header.next);
    default:
      throw new Error(`Unexpected RESP reply: ${header.line}`);
  }
}

export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

export interface RedisCommandOptions {
  readonly host?: string;
  /** The ACL user to AUTH as; without it, AUTH <password> authenticates the `default` user. */
  readonly username?: string;
  readonly password?: string;
  readonly timeoutMs?: number;
  /** Connect with TLS, trusting this CA certificate (PEM). */
  readonly tlsCa?: string;
}

function openSocket(port: number, options: RedisCommandOptions): { socket: net.Socket; readyEvent: string } {
  const host = options.host ?? '127.0.0.1';
  if (options.tlsCa === undefined) return { socket: net.connect({ host, port }), readyEvent: 'connect' };
  return { socket: tls.connect({ host, port, ca: options.tlsCa }), readyEvent: 'secureConnect' };
}

function authCommand(options: RedisCommandOptions): string[] | undefined {
  if (options.password === undefined) return undefined;
  return options.username === undefined ? ['AUTH', options.password] : ['AUTH', options.username, options.password];
}

/**
 * Opens a short-lived connection, optionally AUTHs (as `username` when given), sends the commands in order
 * and returns their replies (the AUTH reply excluded). Connection errors reject; Redis error replies are
 * returned as RespError values.
 */
export function redisCommands(
  port: number,
  commands: readonly (readonly string[])[],
  options: RedisCommandOptions = {},
): Promise<RespReply[]> {
  const auth = authCommand(options);
  const all = auth === undefined ? commands : [auth, ...commands];
  return new Promise((resolve, reject) => {
    const { socket, readyEvent } = openSocket(port, options);
    let buffer = Buffer.alloc(0);
    const replies: RespReply[] = [];
    socket.setTimeout(options.timeoutMs ?? 2000, () => socket.destroy(new Error(`Redis on port ${port} timed out`)));
    socket.on('error', reject);
    socket.on(readyEvent, () => socket.write(Buffer.concat(all.map(encodeCommand))));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed = parseReply(buffer);
      while (parsed) {
        replies.push(parsed.value);
        buffer = buffer.subarray(parsed.next);
        parsed = replies.length < all.length ? parseReply(buffer) : undefined;
      }
      if (replies.length === all.length) {
        socket.end();
        resolve(auth === undefined ? replies : replies.slice(1));
      }
    });
  });
}

/** Sends one command and returns its reply; a Redis error reply rejects. */
export async function redisCommand(
  port: number,
  args: readonly string[],
  options: RedisCommandOptions = {},
): Promise<RespReply> {
  const replies = await redisCommands(port, [args], options);
  const reply = replies[0] ?? null;
  if (reply instanceof RespError) throw new Error(`${args[0] ?? 'command'} failed on port ${port}: ${reply.message}`);
  return reply;
}

/** Reads one field of an INFO section, e.g. infoField(text, 'loading'). */
export function infoField(info: string, field: string): string | undefined {
  const line = info.split('\r\n').find((entry) => entry.startsWith(`${field}:`));
  return line?.slice(field.length + 1);
}
