import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, readBody as readRequestBody } from './http-server';

/** Flat request parameters of an AWS Query protocol call, e.g. `Attributes.entry.1.key`. */
export type QueryParams = ReadonlyMap<string, string>;

export type ErrorType = 'Sender' | 'Receiver';

/** An error rendered as a Query protocol `<ErrorResponse>`. */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: ErrorType = 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

export function newRequestId(): string {
  return randomUUID();
}

/** The request body; over `maxBytes`, the Query protocol's 413 error. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  try {
    return await readRequestBody(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new QueryError('RequestEntityTooLarge', 'Request body too large', 413);
    throw error;
  }
}

/** Parameters from the URL query string merged with a form-encoded body (body wins). */
export function parseQueryRequest(url: string | undefined, body: string): Map<string, string> {
  const params = new Map<string, string>();
  const query = new URL(url ?? '/', 'http://localhost').searchParams;
  for (const [key, value] of query) params.set(key, value);
  for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
  return params;
}

/** Values of `prefix.member.N`, in index order. */
export function memberList(params: QueryParams, prefix: string): string[] {
  return indexed(params, `${prefix}.member.`).map((group) => group.get('') ?? '');
}

/** Structures serialized as `prefix.member.N.Field`, in index order, each keyed by the remaining path. */
export function memberStructs(params: QueryParams, prefix: string): Map<string, string>[] {
  return indexed(params, `${prefix}.member.`);
}

/** A map serialized as `prefix.entry.N.<keyName>` / `prefix.entry.N.<valueName>`. */
export function entryMap(
  params: QueryParams,
  prefix: string,
  keyName = 'key',
  valueName = 'value',
): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of indexed(params, `${prefix}.entry.`)) {
    const key = entry.get(keyName);
    const value = entry.get(valueName);
    if (key !== undefined && value !== undefined) map.set(key, value);
  }
  return map;
}

/** Structured map values: `prefix.entry.N.<keyName>` plus `prefix.entry.N.<valueName>.Field`. */
export function entryStructMap(
  params: QueryParams,
  prefix: string,
  keyName: string,
  valueName: string,
): Map<string, Map<string, string>> {
  const map = new Map<string, Map<string, string>>();
  for (const entry of indexed(params, `${prefix}.entry.`)) {
    const key = entry.get(keyName);
    if (key === undefined) continue;
    const value = new Map<string, string>();
    for (const [path, text] of entry) {
      if (path.startsWith(`${valueName}.`)) value.set(path.slice(valueName.length + 1), text);
    }
    map.set(key, value);
  }
  return map;
}

/** Groups `prefixN[.rest]` parameters by N (sorted), keyed by `rest` ('' for the bare value). */
function indexed(params: QueryParams, prefix: string): Map<string, string>[] {
  const groups = new Map<number, Map<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const index = Number(dot === -1 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 1) continue;
    const group = groups.get(index) ?? new Map<string, string>();
    group.set(dot === -1 ? '' : rest.slice(dot + 1), value);
    groups.set(index, group);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}

const XML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** `<name>escaped value</name>`, or nothing when the value is undefined. */
export function xmlText(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>children</name>` where children is already XML. */
export function xmlElement(name: string, children: string): string {
  return `<${name}>${children}</${name}>`;
}

/** A list whose items (already XML) are each wrapped in `<member>`. */
export function xmlMembers(name: string, items: readonly string[], memberName = 'member'): string {
  return xmlElement(name, items.map((item) => xmlElement(memberName, item)).join(''));
}

/** A map rendered as `<entry><key>…</key><value>…</value></entry>` items. */
export function xmlEntries(name: string, entries: Iterable<readonly [string, string]>): string {
  let children = '';
  for (const [key, value] of entries) children += xmlElement('entry', xmlText('key', key) + xmlText('value', value));
  return xmlElement(name, children);
}

export function successXml(namespace: string, action: string, requestId: string, result?: string): string {
  const resultXml = result === undefined ? '' : xmlElement(`${action}Result`, result);
  const metadata = xmlElement('ResponseMetadata', xmlText('RequestId', requestId));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">${resultXml}${metadata}</${action}Response>`;
}

export function errorXml(namespace: string, error: QueryError, requestId: string): string {
  const body = xmlText('Type', error.type) + xmlText('Code', error.code) + xmlText('Message', error.message);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}">${xmlElement('Error', body)}${xmlText('RequestId', requestId)}</ErrorResponse>`;
}
