import {
  currentState,
  eventRef,
  publicStatus,
  recordNotice,
  STATE_OF_STAGE,
  type SentNotice,
  type StatusPage,
} from '../../functions/domain/status-page';
import type { NoticeStage } from '../../functions/domain/incident';

const NOW = new Date('2025-03-01T18:00:00.000Z');
const sent = (reference: string, stage: NoticeStage, sentAt: string): SentNotice => ({
  reference,
  stage,
  subject: `Acme: ${stage}`,
  text: `Acme notice ${stage} for customers`,
  sentAt,
});
const apply = (notices: SentNotice[], limits?: { maxEvents: number; maxAgeDays: number }): StatusPage => {
  let page: StatusPage | undefined;
  for (const n of notices) page = recordNotice(page, 'Acme', n, NOW, limits).page;
  return page as StatusPage;
};

describe('status page projection', () => {
  it.each<[NoticeStage, string]>([
    ['INVESTIGATING', 'outage'],
    ['ETA', 'outage'],
    ['PARTIALLY_RESTORED', 'degraded'],
    ['RESOLVED', 'operational'],
  ])('announces %s as %s', (stage, state) => {
    expect(STATE_OF_STAGE[stage]).toBe(state);
    expect(apply([sent('inc-1', stage, '2025-03-01T16:24:00.000Z')]).state).toBe(state);
  });

  it('follows an incident from outage to degraded to operational, its notices oldest first under one event', () => {
    const steps: [NoticeStage, string, string][] = [
      ['INVESTIGATING', '2025-03-01T16:24:00.000Z', 'outage'],
      ['ETA', '2025-03-01T16:30:00.000Z', 'outage'],
      ['PARTIALLY_RESTORED', '2025-03-01T17:10:00.000Z', 'degraded'],
      ['RESOLVED', '2025-03-01T18:20:00.000Z', 'operational'],
    ];
    let page: StatusPage | undefined;
    for (const [stage, at, state] of steps) {
      page = recordNotice(page, 'Acme', sent('sessions-20250301T162400Z', stage, at), NOW).page;
      expect(page.state).toBe(state);
    }
    expect(page?.events).toHaveLength(1);
    const [event] = page!.events;
    expect(event?.ref).toBe('20250301-162400');
    expect(event?.notices.map((n) => n.stage)).toEqual(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']);
    expect(event?.startedAt).toBe('2025-03-01T16:24:00.000Z');
    expect(page?.updatedAt).toBe('2025-03-01T18:20:00.000Z');
  });

  it('orders a notice written late by when it was sent, and keeps a retried one once', () => {
    const first = recordNotice(undefined, 'Acme', sent('g', 'ETA', '2025-03-01T16:30:00.000Z'), NOW).page;
    const second = recordNotice(first, 'Acme', sent('g', 'INVESTIGATING', '2025-03-01T16:24:00.000Z'), NOW).page;
    expect(second.events[0]?.notices.map((n) => n.stage)).toEqual(['INVESTIGATING', 'ETA']);
    expect(second.events[0]?.startedAt).toBe('2025-03-01T16:24:00.000Z');
    const again = recordNotice(second, 'Acme', sent('g', 'ETA', '2025-03-01T16:31:00.000Z'), NOW);
    expect(again.changed).toBe(false);
    expect(again.page.events[0]?.notices).toHaveLength(2);
  });

  it('lists events newest first and stays in outage while any event is not resolved', () => {
    const page = apply([
      sent('a', 'INVESTIGATING', '2025-03-01T10:00:00.000Z'),
      sent('b', 'INVESTIGATING', '2025-03-01T11:00:00.000Z'),
      sent('a', 'RESOLVED', '2025-03-01T12:00:00.000Z'),
    ]);
    expect(page.events.map((e) => e.ref)).toEqual(['20250301-110000', '20250301-100000']);
    expect(page.state).toBe('outage');
    expect(currentState([])).toBe('operational');
  });

  it('tells apart two events that started the same second', () => {
    expect(eventRef('2025-03-01T10:00:00.123Z', new Set())).toBe('20250301-100000');
    expect(eventRef('2025-03-01T10:00:00.000Z', new Set(['20250301-100000']))).toBe('20250301-100000-2');
  });

  it('keeps at most the newest events and none older than the age limit', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      sent(`inc-${i}`, 'RESOLVED', new Date(Date.parse('2025-02-01T00:00:00.000Z') + i * 3_600_000).toISOString()),
    );
    const page = apply(many, { maxEvents: 50, maxAgeDays: 90 });
    expect(page.events).toHaveLength(50);
    expect(page.events[0]?.startedAt).toBe(many[59]?.sentAt);
    expect(page.events.at(-1)?.startedAt).toBe(many[10]?.sentAt);

    const old = apply(
      [sent('old', 'RESOLVED', '2024-11-01T00:00:00.000Z'), sent('new', 'RESOLVED', '2025-03-01T00:00:00.000Z')],
      { maxEvents: 50, maxAgeDays: 90 },
    );
    expect(old.events.map((e) => e.startedAt)).toEqual(['2025-03-01T00:00:00.000Z']);
  });

  it('shows no internal reference: the incident or group id appears nowhere in the public view', () => {
    const reference = 'sessions-20250301T162400Z';
    const page = apply([sent(reference, 'INVESTIGATING', '2025-03-01T16:24:00.000Z')]);
    const view = publicStatus('Acme', page);
    const text = JSON.stringify(view);
    expect(text).not.toContain('sessions');
    expect(text).not.toContain(page.events[0]!.source);
    expect(Object.keys(view.events[0]!).sort()).toEqual(['notices', 'ref', 'startedAt', 'state', 'updatedAt']);
    expect(publicStatus('Acme', undefined)).toEqual({ service: 'Acme', state: 'operational', events: [] });
  });
});
