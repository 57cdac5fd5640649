/**
 * The public status page: per service, the current state and the history of
 * the customer notices, grouped by event. It is a projection of the notices
 * as sent (the same subject and text subscribers got), written by the step
 * that sent each one, so reading it never touches an incident's items.
 *
 * An event is one incident, or one incident group, as customers saw it. Its
 * public reference comes from the time of its first notice; the incident or
 * group it came from is kept only as an opaque digest (`source`), which the
 * public views never show.
 */
import { createHash } from 'node:crypto';
import { NOTICE_STAGES, type NoticeStage } from './incident';

export type ServiceState = 'operational' | 'degraded' | 'outage';

/** What customers are told the service is in, at each notice stage. */
export const STATE_OF_STAGE: Readonly<Record<NoticeStage, ServiceState>> = {
  INVESTIGATING: 'outage',
  ETA: 'outage',
  PARTIALLY_RESTORED: 'degraded',
  RESOLVED: 'operational',
};

const SEVERITY: Record<ServiceState, number> = { operational: 0, degraded: 1, outage: 2 };

export interface StatusNotice {
  stage: NoticeStage;
  state: ServiceState;
  subject: string;
  text: string;
  sentAt: string;
}

export interface StatusEvent {
  /** Public reference, from the first notice's time (UTC), e.g. `20240501-162400`. */
  ref: string;
  /** Digest of the incident or group the event came from: tells its notices apart, shown nowhere. */
  source: string;
  startedAt: string;
  updatedAt: string;
  /** The state its latest notice announced. */
  state: ServiceState;
  /** Oldest first. */
  notices: StatusNotice[];
}

export interface StatusPage {
  service: string;
  state: ServiceState;
  updatedAt: string;
  /** Newest first. */
  events: StatusEvent[];
}

/** How much history a status page keeps: events older than `maxAgeDays` go, and beyond `maxEvents` the oldest. */
export const STATUS_HISTORY = { maxEvents: 50, maxAgeDays: 90 } as const;

/** A notice as it was sent, and what it spoke for (an incident id or a group id). */
export interface SentNotice {
  reference: string;
  stage: NoticeStage;
  subject: string;
  text: string;
  sentAt: string;
}

export function sourceOf(reference: string): string {
  return createHash('sha256').update(`status-event:${reference}`).digest('hex').slice(0, 24);
}

/** `20240501-162400` from `2024-05-01T16:24:00.000Z`; `-2`, `-3`… when another event started the same second. */
export function eventRef(startedAt: string, taken: ReadonlySet<string>): string {
  const base = startedAt.replace(/\.\d+/, '').replace(/[-:]/g, '').replace('T', '-').replace(/Z$/, '');
  let ref = base;
  for (let n = 2; taken.has(ref); n++) ref = `${base}-${n}`;
  return ref;
}

const byTime = (a: StatusNotice, b: StatusNotice): number =>
  a.sentAt === b.sentAt
    ? NOTICE_STAGES.indexOf(a.stage) - NOTICE_STAGES.indexOf(b.stage)
    : a.sentAt < b.sentAt
      ? -1
      : 1;

/** The state the service is in: the worst of the events whose latest notice did not resolve them. */
export function currentState(events: readonly StatusEvent[]): ServiceState {
  let state: ServiceState = 'operational';
  for (const e of events) if (SEVERITY[e.state] > SEVERITY[state]) state = e.state;
  return state;
}

/**
 * The page after `sent`: the notice joins its event (a new one at its first
 * notice), the history is trimmed, the current state recomputed. `changed`
 * is false when the event already had a notice of that stage (a retried write).
 */
export function recordNotice(
  page: StatusPage | undefined,
  service: string,
  sent: SentNotice,
  now: Date,
  limits: { maxEvents: number; maxAgeDays: number } = STATUS_HISTORY,
): { page: StatusPage; changed: boolean } {
  const events = (page?.events ?? []).map((e) => ({ ...e, notices: [...e.notices] }));
  const source = sourceOf(sent.reference);
  let event = events.find((e) => e.source === source);
  if (event?.notices.some((n) => n.stage === sent.stage)) {
    return { page: page ?? emptyPage(service, sent.sentAt), changed: false };
  }
  if (!event) {
    event = {
      ref: eventRef(sent.sentAt, new Set(events.map((e) => e.ref))),
      source,
      startedAt: sent.sentAt,
      updatedAt: sent.sentAt,
      state: STATE_OF_STAGE[sent.stage],
      notices: [],
    };
    events.push(event);
  }
  const state = STATE_OF_STAGE[sent.stage];
  event.notices.push({ stage: sent.stage, state, subject: sent.subject, text: sent.text, sentAt: sent.sentAt });
  event.notices.sort(byTime);
  const latest = event.notices[event.notices.length - 1] as StatusNotice;
  event.state = latest.state;
  event.updatedAt = latest.sentAt;
  if (sent.sentAt < event.startedAt) event.startedAt = sent.sentAt;

  const oldest = new Date(now.getTime() - limits.maxAgeDays * 86_400_000).toISOString();
  const kept = events
    .filter((e) => e.updatedAt >= oldest)
    .sort((a, b) => (a.startedAt === b.startedAt ? 0 : a.startedAt < b.startedAt ? 1 : -1))
    .slice(0, limits.maxEvents);
  const updatedAt = [page?.updatedAt, sent.sentAt].filter((t): t is string => !!t).sort()[1] ?? sent.sentAt;
  return { page: { service, state: currentState(kept), updatedAt, events: kept }, changed: true };
}

function emptyPage(service: string, at: string): StatusPage {
  return { service, state: 'operational', updatedAt: at, events: [] };
}

/** What anyone may read: the page without the events' sources. */
export interface PublicStatus {
  service: string;
  state: ServiceState;
  /** The last notice's time; absent before the first notice. */
  updatedAt?: string;
  events: {
    ref: string;
    state: ServiceState;
    startedAt: string;
    updatedAt: string;
    notices: StatusNotice[];
  }[];
}

export function publicStatus(service: string, page: StatusPage | undefined): PublicStatus {
  if (!page) return { service, state: 'operational', events: [] };
  return {
    service,
    state: page.state,
    updatedAt: page.updatedAt,
    events: page.events.map((e) => ({
      ref: e.ref,
      state: e.state,
      startedAt: e.startedAt,
      updatedAt: e.updatedAt,
      notices: e.notices.map((n) => ({
        stage: n.stage,
        state: n.state,
        subject: n.subject,
        text: n.text,
        sentAt: n.sentAt,
      })),
    })),
  };
}
