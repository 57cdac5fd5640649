/**
 * Notify …: publishes one customer-facing status notice per incident and
 * stage. The notice marker is claimed before publishing, so a retried or
 * redriven step never publishes the same stage twice.
 *
 * An incident of a provider's group instead records its arrival at the stage
 * on the group and settles the group's notices (shared/group-notices.ts):
 * customers hear once per stage per group, when the stage is due for the
 * whole group, from whichever member's step finds it due first. A cache
 * without provider is a group of one whose id is its incident id, notified as
 * a single incident.
 */
import { ValidationError } from '../domain/errors';
import { renderNotice, type NoticeTemplates, type NoticeValues } from '../domain/notices';
import type { NotifyInput, NotifyOutput } from '../domain/steps';
import type {
  Clock,
  GroupNotices,
  GroupStore,
  IncidentLocks,
  IncidentRecords,
  NoticeLog,
  Notifier,
  Timeline,
} from '../ports';
import { assertCurrentIncident } from './shared/current-incident';
import { groupOf } from './shared/group';
import { settleGroupNotices } from './shared/group-notices';
import { projectNotice, type StatusProjectionDeps } from './shared/status-projection';
import { addTimeline } from './shared/timeline';

export interface NotifyDeps {
  store: IncidentRecords & Timeline & NoticeLog & IncidentLocks & Pick<GroupStore, 'getGroup'> & GroupNotices;
  notifier: Notifier;
  clock: Clock;
  templates: NoticeTemplates;
  notices: { serviceName: string; supportContact: string };
  /** How long a group notice's claim protects it from another member (CLAIM_LEASE_SECONDS by default). */
  claimLeaseSeconds?: number;
  statusPage?: StatusProjectionDeps['statusPage'];
}

export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<NotifyOutput> {
  const { incidentId, cacheId, stage } = input;
  if (stage === 'ETA' && input.etaMinutes === undefined) {
    throw new ValidationError('notify input', [{ path: 'etaMinutes', message: 'required for the ETA stage' }]);
  }
  await assertCurrentIncident(deps.store, cacheId, incidentId);
  const groupId = await groupOf(deps.store, { incidentId, cacheId });
  const group =
    groupId === incidentId ? undefined : await deps.store.arriveAtStage(groupId, incidentId, stage, input.etaMinutes);
  if (group) {
    // Published: whether this step sent its own stage (it may also have sent an earlier one the group was waiting for).
    const mine = (await settleGroupNotices(deps, group, incidentId)).find((s) => s.stage === stage);
    return { stage, published: mine !== undefined, ...(mine ? { messageId: mine.messageId } : {}) };
  }
  if ((await deps.store.claimNotice(incidentId, stage)) === 'sent') return { stage, published: false };

  const values: NoticeValues = {
    serviceName: deps.notices.serviceName,
    supportContact: deps.notices.supportContact,
    ...(input.etaMinutes !== undefined ? { etaMinutes: input.etaMinutes } : {}),
  };
  const notice = renderNotice(deps.templates, stage, { incidentId, cacheId, values });
  const { messageId } = await deps.notifier.publishStatus(notice, { incidentId, cacheId });
  await deps.store.confirmNotice(incidentId, stage, messageId, { subject: notice.subject, text: notice.text });
  await projectNotice(deps, incidentId, notice);
  await addTimeline(deps, incidentId, 'NOTICE_SENT', `${stage} notice sent: ${notice.subject}`, { stage, messageId });
  await deps.store.updateIncident(incidentId, { stage });
  return { stage, published: true, messageId };
}
