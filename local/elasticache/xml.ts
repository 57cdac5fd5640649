export const ELASTICACHE_XMLNS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

export type XmlScalar = string | number | boolean | Date;
export type XmlValue = XmlScalar | XmlList | XmlStruct | undefined;
export interface XmlStruct {
  readonly [element: string]: XmlValue;
}

/** A list whose items are wrapped in `<memberName>` elements, e.g. `<NodeGroups><NodeGroup>…</NodeGroup></NodeGroups>`. */
export class XmlList {
  constructor(
    readonly memberName: string,
    readonly items: readonly XmlValue[],
  ) {}
}

export function xmlList(memberName: string, items: readonly XmlValue[]): XmlList {
  return new XmlList(memberName, items);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&apos;',
  '"': '&quot;',
};

/** Escapes markup characters and drops control characters that XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  const withoutControls = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
  return withoutControls.replace(/[<>&'"]/g, (char) => ENTITIES[char] ?? char);
}

function scalarText(value: XmlScalar): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

function isStruct(value: XmlValue): value is XmlStruct {
  return typeof value === 'object' && !(value instanceof Date) && !(value instanceof XmlList);
}

function content(value: Exclude<XmlValue, undefined>): string {
  if (value instanceof XmlList) return value.items.map((item) => element(value.memberName, item)).join('');
  if (isStruct(value)) return serializeStruct(value);
  return scalarText(value);
}

/** One element; undefined values are omitted entirely, as AWS omits absent members. */
export function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  return `<${name}>${content(value)}</${name}>`;
}

export function serializeStruct(struct: XmlStruct): string {
  return Object.entries(struct)
    .map(([name, value]) => element(name, value))
    .join('');
}

export function successResponse(action: string, result: XmlStruct, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${ELASTICACHE_XMLNS}">` +
    element(`${action}Result`, result) +
    element('ResponseMetadata', { RequestId: requestId }) +
    `</${action}Response>`
  );
}

export function errorResponse(
  error: { type: 'Sender' | 'Receiver'; code: string; message: string },
  requestId: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${ELASTICACHE_XMLNS}">` +
    element('Error', { Type: error.type, Code: error.code, Message: error.message }) +
    element('RequestId', requestId) +
    `</ErrorResponse>`
  );
}
