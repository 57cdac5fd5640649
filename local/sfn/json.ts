export type Json = null | boolean | number | string | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Round-trips a value through JSON, as every AWS service boundary does. */
export function toJson(value: unknown): Json {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as Json);
}

/** Replaces every occurrence of `needle` inside the strings of a JSON value. */
export function replaceInStrings(value: Json, needle: string, replacement: string): Json {
  if (typeof value === 'string') return value.replaceAll(needle, replacement);
  if (Array.isArray(value)) return value.map((item) => replaceInStrings(item, needle, replacement));
  if (isJsonObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceInStrings(v, needle, replacement)]));
  return value;
}
