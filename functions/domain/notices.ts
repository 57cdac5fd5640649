import * as z from 'zod';
import { ValidationError } from './errors';
import { NOTICE_STAGES, type NoticeStage } from './incident';
import { parseInput } from './validation';

const templateSchema = z.object({
  severity: z.enum(['critical', 'major', 'minor', 'info']),
  subject: z.string().min(1).max(100),
  text: z.string().min(1),
  sms: z.string().min(1).max(160),
});
export type NoticeTemplate = z.infer<typeof templateSchema>;
export type NoticeTemplates = Record<NoticeStage, NoticeTemplate>;

const templatesSchema = z.object(
  Object.fromEntries(NOTICE_STAGES.map((s) => [s, templateSchema])) as Record<NoticeStage, typeof templateSchema>,
);

export const PLACEHOLDERS = [
  'serviceName',
  'etaMinutes',
  'etaDuration',
  'supportContact',
  'incidentId',
  'statusPageUrl',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type NoticeValues = Partial<Record<Placeholder, string | number>>;

/** Validates an operator-edited templates document: every stage, known placeholders only. */
export function parseTemplates(doc: unknown): NoticeTemplates {
  const templates = parseInput('notice templates', templatesSchema, doc);
  const issues: { path: string; message: string }[] = [];
  for (const stage of NOTICE_STAGES) {
    for (const field of ['subject', 'text', 'sms'] as const) {
      for (const m of templates[stage][field].matchAll(/\{([^}]*)\}/g)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')) {
          issues.push({ path: `${stage}.${field}`, message: `unknown placeholder {${m[1]}}` });
        }
      }
    }
  }
  if (issues.length) throw new ValidationError('notice templates', issues);
  return templates as NoticeTemplates;
}

function fill(template: string, values: NoticeValues): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
    const v = values[name as Placeholder];
    return v === undefined ? whole : String(v);
  });
}

/** One notice, rendered for every protocol SNS delivers to. */
export interface RenderedNotice {
  stage: NoticeStage;
  severity: NoticeTemplate['severity'];
  subject: string;
  /** Full text: email and the default. */
  text: string;
  /** Short text for SMS (≤ 160 characters). */
  sms: string;
  /** Structured body for HTTPS webhooks. */
  json: {
    incidentId: string;
    cacheId: string;
    stage: NoticeStage;
    severity: string;
    subject: string;
    message: string;
    etaMinutes?: number;
  };
}

export function renderNotice(
  templates: NoticeTemplates,
  stage: NoticeStage,
  ctx: { incidentId: string; cacheId: string; values: NoticeValues },
): RenderedNotice {
  const t = templates[stage];
  const minutes = ctx.values.etaMinutes;
  const values: NoticeValues = {
    incidentId: ctx.incidentId,
    // "1 minute", "5 minutes": what `{etaDuration}` reads as, from the ETA in minutes.
    ...(typeof minutes === 'number' ? { etaDuration: `${minutes} minute${minutes === 1 ? '' : 's'}` } : {}),
    ...ctx.values,
  };
  const text = fill(t.text, values);
  const subject = fill(t.subject, values).slice(0, 100);
  const eta = typeof values.etaMinutes === 'number' ? values.etaMinutes : undefined;
  return {
    stage,
    severity: t.severity,
    subject,
    text,
    sms: fill(t.sms, values).slice(0, 160),
    json: {
      incidentId: ctx.incidentId,
      cacheId: ctx.cacheId,
      stage,
      severity: t.severity,
      subject,
      message: text,
      ...(eta !== undefined ? { etaMinutes: eta } : {}),
    },
  };
}

/** SNS `MessageStructure: json` body: one message per protocol, `default` required. */
export function snsMessageStructure(n: RenderedNotice): string {
  return JSON.stringify({
    default: n.text,
    email: `${n.text}\n\nIncident: ${n.json.incidentId}`,
    sms: n.sms,
    http: JSON.stringify(n.json),
    https: JSON.stringify(n.json),
    lambda: JSON.stringify(n.json),
    sqs: JSON.stringify(n.json),
  });
}
