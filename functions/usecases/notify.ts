/**
 * Notify …: publishes one customer-facing status notice per incident and
 * stage. The notice marker is claimed before publishing, so a retried or
 * redriven step never publishes the same stage twice.
 */
import { ValidationError } from '../domain/errors';
import { renderNotice, type NoticeTemplates, type NoticeValues } from '../domain/notices';
import type { NotifyInput, NotifyOutput } from '../domain/steps';
import type { Clock, IncidentLocks, IncidentRecords, NoticeLog, Notifier, Timeline } from '../ports';
import { assertCurrentIncident } from './shared/current-incident';
import { addTimeline } from './shared/timeline';

export interface NotifyDeps {
  store: IncidentRecords & Timeline & NoticeLog & IncidentLocks;
  notifier: Notifier;
  clock: Clock;
  templates: NoticeTemplates;
  notices: { serviceName: string; supportContact: string };
}

export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<NotifyOutput> {
  const { incidentId, cacheId, stage } = input;
  if (stage === 'ETA' && input.etaMinutes === undefined) {
    throw new ValidationError('notify input', [{ path: 'etaMinutes', message: 'required for the ETA stage' }]);
  }
  await assertCurrentIncident(deps.store, cacheId, incidentId);
  if ((await deps.store.claimNotice(incidentId, stage)) === 'sent') return { stage, published: false };

  const values: NoticeValues = {
    serviceName: deps.notices.serviceName,
    supportContact: deps.notices.supportContact,
    ...(input.etaMinutes !== undefined ? { etaMinutes: input.etaMinutes } : {}),
  };
  const notice = renderNotice(deps.templates, stage, { incidentId, cacheId, values });
  const { messageId } = await deps.notifier.publishStatus(notice, { incidentId, cacheId });
  await deps.store.confirmNotice(incidentId, stage, messageId, { subject: notice.subject, text: notice.text });
  await addTimeline(deps, incidentId, 'NOTICE_SENT', `${stage} notice sent: ${notice.subject}`, { stage, messageId });
  await deps.store.updateIncident(incidentId, { stage });
  return { stage, published: true, messageId };
}
