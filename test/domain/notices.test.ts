import templatesDocument from '../../config/notices.json';
import { ValidationError } from '../../functions/domain/errors';
import type { NoticeStage } from '../../functions/domain/incident';
import {
  parseTemplates,
  renderNotice,
  snsMessageStructure,
  type NoticeTemplates,
  type NoticeValues,
} from '../../functions/domain/notices';

const template = (subject: string, text = 'text', sms = 'sms') => ({ severity: 'critical', subject, text, sms });
const VALID = {
  INVESTIGATING: template('{serviceName}: system outage', '{serviceName} is down. Incident {incidentId}.'),
  ETA: template('{serviceName}: back in about {etaMinutes} minutes', 'Back in about {etaMinutes} minutes.'),
  PARTIALLY_RESTORED: {
    ...template('{serviceName} is back online', 'Reach out to {supportContact}.'),
    severity: 'major',
  },
  RESOLVED: { ...template('{serviceName}: resolved', 'Resolved. Status: {statusPageUrl}'), severity: 'info' },
};
const templates: NoticeTemplates = parseTemplates(VALID);

/** The issues parseTemplates refuses `doc` with. */
function issuesOf(doc: unknown): { path: string; message: string }[] {
  try {
    parseTemplates(doc);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('the templates were accepted');
}

describe('parseTemplates: an operator-edited templates document', () => {
  it('accepts the templates the project ships', () => {
    expect(Object.keys(parseTemplates(templatesDocument))).toEqual(
      expect.arrayContaining(['INVESTIGATING', 'ETA', 'PARTIALLY_RESTORED', 'RESOLVED']),
    );
  });

  it.each<[string, unknown, string, RegExp | string]>([
    ['a missing stage', { ...VALID, RESOLVED: undefined }, 'RESOLVED', /./],
    ['an unknown severity', { ...VALID, ETA: { ...VALID.ETA, severity: 'urgent' } }, 'ETA.severity', /./],
    ['an empty text', { ...VALID, ETA: { ...VALID.ETA, text: '' } }, 'ETA.text', /./],
    [
      'a subject over 100 characters',
      { ...VALID, ETA: { ...VALID.ETA, subject: 's'.repeat(101) } },
      'ETA.subject',
      /./,
    ],
    ['an SMS over 160 characters', { ...VALID, ETA: { ...VALID.ETA, sms: 's'.repeat(161) } }, 'ETA.sms', /./],
    [
      'an unknown placeholder in a text',
      { ...VALID, ETA: { ...VALID.ETA, text: 'Dear {customerName}, back in {etaMinutes} min.' } },
      'ETA.text',
      'unknown placeholder {customerName}',
    ],
    [
      'an unknown placeholder in a subject',
      { ...VALID, RESOLVED: { ...VALID.RESOLVED, subject: '{service} resolved' } },
      'RESOLVED.subject',
      'unknown placeholder {service}',
    ],
    [
      'a misspelt placeholder in an SMS',
      { ...VALID, INVESTIGATING: { ...VALID.INVESTIGATING, sms: 'back in {eta_minutes} min' } },
      'INVESTIGATING.sms',
      'unknown placeholder {eta_minutes}',
    ],
    ['a document that is not an object', ['INVESTIGATING'], '', /./],
  ])('refuses %s, naming where', (_case, doc, path, message) => {
    const issues = issuesOf(doc);
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('lists every unknown placeholder at once', () => {
    const doc = {
      ...VALID,
      ETA: { ...VALID.ETA, text: '{a} and {b}' },
      RESOLVED: { ...VALID.RESOLVED, sms: '{c}' },
    };
    expect(issuesOf(doc).map((i) => `${i.path}: ${i.message}`)).toEqual([
      'ETA.text: unknown placeholder {a}',
      'ETA.text: unknown placeholder {b}',
      'RESOLVED.sms: unknown placeholder {c}',
    ]);
  });
});

describe('renderNotice', () => {
  const ctx = (values: NoticeValues) => ({ incidentId: 'sessions-20240514T093107Z', cacheId: 'sessions', values });

  it.each<[string, NoticeStage, NoticeValues, { subject?: string; text?: string }]>([
    ['fills the service name', 'INVESTIGATING', { serviceName: 'Acme' }, { subject: 'Acme: system outage' }],
    [
      'fills the incident id without being given it',
      'INVESTIGATING',
      { serviceName: 'Acme' },
      { text: 'Acme is down. Incident sessions-20240514T093107Z.' },
    ],
    [
      'fills the minutes of the ETA',
      'ETA',
      { serviceName: 'Acme', etaMinutes: 15 },
      { subject: 'Acme: back in about 15 minutes', text: 'Back in about 15 minutes.' },
    ],
    [
      'fills the support contact',
      'PARTIALLY_RESTORED',
      { serviceName: 'Acme', supportContact: 'support@acme.test' },
      { text: 'Reach out to support@acme.test.' },
    ],
    [
      'leaves a placeholder it has no value for as written, rather than blank',
      'RESOLVED',
      { serviceName: 'Acme' },
      { text: 'Resolved. Status: {statusPageUrl}' },
    ],
  ])('%s', (_case, stage, values, expected) => {
    expect(renderNotice(templates, stage, ctx(values))).toMatchObject(expected);
  });

  it.each<[string, NoticeValues, number | undefined]>([
    ['carries the ETA in minutes for webhooks', { etaMinutes: 15 }, 15],
    ['carries no ETA when there is none', {}, undefined],
    ['carries no ETA that is not a number', { etaMinutes: 'soon' }, undefined],
  ])('%s', (_case, values, etaMinutes) => {
    const { json } = renderNotice(templates, 'ETA', ctx({ serviceName: 'Acme', ...values }));
    expect(json).toEqual({
      incidentId: 'sessions-20240514T093107Z',
      cacheId: 'sessions',
      stage: 'ETA',
      severity: 'critical',
      subject: `Acme: back in about ${String(values.etaMinutes ?? '{etaMinutes}')} minutes`,
      message: `Back in about ${String(values.etaMinutes ?? '{etaMinutes}')} minutes.`,
      ...(etaMinutes !== undefined ? { etaMinutes } : {}),
    });
  });

  it('keeps the subject within 100 and the SMS within 160 characters, however long the values', () => {
    const long = parseTemplates({ ...VALID, ETA: template('{serviceName}', 'text', 'sms {serviceName}') });
    const notice = renderNotice(long, 'ETA', ctx({ serviceName: 'A'.repeat(500) }));
    expect(notice.subject).toBe('A'.repeat(100));
    expect(notice.sms).toBe(`sms ${'A'.repeat(156)}`);
    expect(notice.json.subject).toBe(notice.subject);
  });
});

describe('snsMessageStructure: one message per protocol', () => {
  const notice = renderNotice(templates, 'ETA', {
    incidentId: 'sessions-20240514T093107Z',
    cacheId: 'sessions',
    values: { serviceName: 'Acme', etaMinutes: 5 },
  });
  const body = JSON.parse(snsMessageStructure(notice)) as Record<string, string>;

  it.each<[string, (b: Record<string, string>) => unknown, unknown]>([
    ['the default (required by SNS) is the full text', (b) => b.default, 'Back in about 5 minutes.'],
    [
      'email is the full text and the incident',
      (b) => b.email,
      'Back in about 5 minutes.\n\nIncident: sessions-20240514T093107Z',
    ],
    ['SMS is the short text', (b) => b.sms, 'sms'],
    ['HTTP webhooks get the structured body', (b) => JSON.parse(b.http as string), notice.json],
    ['HTTPS webhooks get the structured body', (b) => JSON.parse(b.https as string), notice.json],
    ['Lambda subscribers get the structured body', (b) => JSON.parse(b.lambda as string), notice.json],
    ['SQS subscribers get the structured body', (b) => JSON.parse(b.sqs as string), notice.json],
  ])('%s', (_case, pick, expected) => {
    expect(pick(body)).toEqual(expected);
  });
});

describe('etaDuration', () => {
  it('reads "1 minute" for a one-minute ETA and "N minutes" above, in the subject and the text', () => {
    const one = renderNotice(parseTemplates(templatesDocument), 'ETA', {
      incidentId: 'i-1',
      cacheId: 'c',
      values: { serviceName: 'Acme', etaMinutes: 1 },
    });
    expect(one.subject).toBe('Acme: back in about 1 minute');
    expect(one.text).toContain('in about 1 minute.');
    const five = renderNotice(parseTemplates(templatesDocument), 'ETA', {
      incidentId: 'i-1',
      cacheId: 'c',
      values: { serviceName: 'Acme', etaMinutes: 5 },
    });
    expect(five.subject).toBe('Acme: back in about 5 minutes');
  });
});
