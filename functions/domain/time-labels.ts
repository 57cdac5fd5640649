/**
 * Times as an operator reads them: the wall clock in the operator's
 * configured time zone with its label ("18:14 ET"), how long ago ("3 min
 * ago"), the full timestamp for a hover, and no raw ISO inside a sentence.
 * Pure Intl: the same output in a Lambda function, the CLI and the tests.
 */
import { ConfigError } from './errors';

export interface TimeZone {
  /** IANA name, e.g. "America/New_York". */
  readonly name: string;
  /** What a reader sees after a time, e.g. "ET" or "UTC"; for a zone without a generic name, its offset now. */
  readonly label: string;
  /** A label the configuration gave, used for every instant. */
  readonly override?: string;
}

export const UTC: TimeZone = { name: 'UTC', label: 'UTC' };

const labelFormats = new Map<string, Intl.DateTimeFormat>();

function zoneLabel(name: string, at: Date): string {
  if (/^(UTC|Etc\/UTC|Etc\/GMT|GMT)$/i.test(name)) return 'UTC';
  const part = (style: 'shortGeneric' | 'short') => {
    const key = `${name}\u0000${style}`;
    let format = labelFormats.get(key);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: style });
      labelFormats.set(key, format);
    }
    return format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? name;
  };
  const generic = part('shortGeneric');
  // "ET", "PT": short and stable across daylight saving time. Otherwise "GMT+1" beats "Germany Time".
  return /^[A-Z]{2,5}$/.test(generic) ? generic : part('short');
}

/** Validates an IANA time zone name; an optional label replaces the derived one. */
export function timeZoneOf(name: string | undefined, labelOverride?: string): TimeZone {
  const zone = name?.trim() || 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(`"${zone}" is not a time zone (use an IANA name such as America/New_York or UTC)`);
  }
  const override = labelOverride?.trim();
  return override ? { name: zone, label: override, override } : { name: zone, label: zoneLabel(zone, new Date()) };
}

/**
 * The zone's label at an instant: "ET" all year, but "GMT+1" in winter and
 * "GMT+2" in summer for a zone without a generic short name.
 */
export function labelAt(zone: TimeZone, at: Date): string {
  return zone.override ?? zoneLabel(zone.name, at);
}

function parts(at: Date, zone: TimeZone, withSeconds: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', {
    timeZone: zone.name,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  }).formatToParts(at)) {
    out[p.type] = p.value;
  }
  return out;
}

const sameDay = (a: Record<string, string>, b: Record<string, string>) =>
  a.year === b.year && a.month === b.month && a.day === b.day;

/**
 * "18:14 ET" today, "Dec 6, 18:14 ET" on another day (both in the zone), with
 * seconds when asked ("18:14:03 ET").
 */
export function clockTime(iso: string, zone: TimeZone, now: Date, options: { seconds?: boolean } = {}): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const p = parts(at, zone, options.seconds ?? false);
  const hm = `${p.hour}:${p.minute}${options.seconds ? `:${p.second}` : ''}`;
  const day = sameDay(p, parts(now, zone, false)) ? '' : `${p.month} ${p.day}, `;
  return `${day}${hm} ${labelAt(zone, at)}`;
}

/** The full timestamp, for a hover: "Dec 6, 2026, 18:14:03 ET (23:14:03 UTC)". */
export function fullTime(iso: string, zone: TimeZone): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const p = parts(at, zone, true);
  const label = labelAt(zone, at);
  const local = `${p.month} ${p.day}, ${p.year}, ${p.hour}:${p.minute}:${p.second} ${label}`;
  if (label === 'UTC') return local;
  return `${local} (${at.toISOString().slice(11, 19)} UTC)`;
}

/** "just now", "45 s ago", "3 min ago", "2 h 5 min ago", "in 4 min". */
export function relativeTime(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const future = ms < 0;
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 5) return 'just now';
  // Whole minutes past the first one: "3 min ago" reads faster than "2 min 57 s ago".
  const span = s < 60 ? `${s} s` : durationText(Math.round(s / 60) * 60);
  return future ? `in ${span}` : `${span} ago`;
}

/** Seconds as a person says them: "45 s", "3 min 5 s", "2 h 5 min". */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return s % 60 ? `${minutes} min ${s % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

const ISO_IN_TEXT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

/** Replaces every ISO 8601 timestamp inside a message by its clock time in the zone. */
export function readableTimes(text: string, zone: TimeZone, now: Date): string {
  return text.replace(ISO_IN_TEXT, (iso) => clockTime(iso, zone, now, { seconds: true }));
}
