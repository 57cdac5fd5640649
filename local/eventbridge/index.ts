/**
 * The default event bus, for the rules serverless.yml declares as
 * `eventBridge` events: an event that matches a rule's pattern goes to that
 * rule's function as an asynchronous invocation, as EventBridge sends it.
 * Patterns follow EventBridge's content filtering: literal values, prefix,
 * numeric ranges, exists and anything-but.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface EventRule {
  /** The function the rule targets. */
  functionName: string;
  pattern: Json;
}

export interface LocalEventBus {
  /** Delivers the event to every rule it matches; returns the names of the functions invoked. */
  put(event: unknown): string[];
  /** Replaces the rules (a stack knows them once its resources exist). */
  setRules(rules: EventRule[]): void;
}

export function startEventBus(
  rules: EventRule[],
  deliver: (functionName: string, event: unknown) => void,
): LocalEventBus {
  return {
    setRules(next) {
      rules = next;
    },
    put(event) {
      const targets = rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.functionName);
      for (const fn of targets) deliver(fn, event);
      return targets;
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `event` matches an EventBridge event pattern. */
export function matchesPattern(pattern: Json, event: unknown): boolean {
  if (!isObject(pattern) || !isObject(event)) return false;
  return Object.entries(pattern).every(([key, expected]) => {
    const present = Object.prototype.hasOwnProperty.call(event, key);
    const actual = event[key];
    if (Array.isArray(expected)) return matchesAny(expected, present, actual);
    if (isObject(expected)) return present && matchesPattern(expected, actual);
    return false;
  });
}

function matchesAny(matchers: Json[], present: boolean, actual: unknown): boolean {
  const values = Array.isArray(actual) ? actual : [actual];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists === present;
    if (!present) return false;
    return values.some((v) => matchesOne(m, v));
  });
}

function matchesOne(matcher: Json, value: unknown): boolean {
  if (!isObject(matcher)) return matcher === value;
  if (typeof matcher.prefix === 'string') return typeof value === 'string' && value.startsWith(matcher.prefix);
  if (Array.isArray(matcher.numeric)) return typeof value === 'number' && numericMatches(matcher.numeric, value);
  if ('anything-but' in matcher) {
    const excluded = matcher['anything-but'];
    return !(Array.isArray(excluded) ? excluded : [excluded]).some((x) => matchesOne(x, value));
  }
  // A rule that silently stopped matching would hide a broken route: say so instead.
  throw new Error(`the local event bus does not support the matcher ${JSON.stringify(matcher)}`);
}

function numericMatches(conditions: Json[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      op === '>'
        ? value > bound
        : op === '>='
          ? value >= bound
          : op === '<'
            ? value < bound
            : op === '<='
              ? value <= bound
              : op === '='
                ? value === bound
                : false;
    if (!ok) return false;
  }
  return conditions.length >= 2;
}
