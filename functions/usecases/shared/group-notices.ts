/**
 * The customer notices of an incident group: once per stage per group. A
 * member that arrives at a stage, or leaves the group, settles the group's
 * notices: in stage order, each notice that is due (see `nextGroupNotice`) is
 * claimed on the group's item, published, confirmed, and put on the timeline
 * of every member it speaks for. A claim is owned by the claiming incident and
 * leased: that incident's retry takes it again after a failed publish, another
 * member only once the lease ran out. As for a single incident, the only
 * window for a second copy is a stop between the publish and its confirmation.
 */
import { IncidentNotFoundError } from '../../domain/errors';
import {
  CLAIM_LEASE_SECONDS,
  liveMembers,
  nextGroupNotice,
  type GroupNoticeTurn,
  type IncidentGroup,
} from '../../domain/groups';
import type { NoticeStage } from '../../domain/incident';
import { renderNotice, type NoticeTemplates } from '../../domain/notices';
import type { Clock, GroupNotices, GroupStore, IncidentRecords, Notifier, Timeline } from '../../ports';
import { projectNotice, type StatusProjectionDeps } from './status-projection';

export interface GroupNoticeDeps {
  store: Pick<GroupStore, 'getGroup'> & GroupNotices & Timeline & Pick<IncidentRecords, 'updateIncident'>;
  notifier: Notifier;
  clock: Clock;
  templates: NoticeTemplates;
  notices: { serviceName: string; supportContact: string };
  /** How long a claim protects a notice whose owner has not confirmed it (CLAIM_LEASE_SECONDS by default). */
  claimLeaseSeconds?: number;
  /** The public status page, told of each notice once its publish is confirmed. */
  statusPage?: StatusProjectionDeps['statusPage'];
}

/** More rounds than stages, for the claims lost to a member joining meanwhile. */
const ROUNDS = 12;

/**
 * Sends every notice of the group that is due and that `me` (an incident of
 * the group) may claim, in stage order, starting from the snapshot `group`.
 * The stages it published.
 */
export async function settleGroupNotices(
  deps: GroupNoticeDeps,
  group: IncidentGroup,
  me: string,
): Promise<{ stage: NoticeStage; messageId: string }[]> {
  const published: { stage: NoticeStage; messageId: string }[] = [];
  let current = group;
  for (let round = 0; round < ROUNDS; round++) {
    await recordSentNotices(deps, current, me);
    const lease = (deps.claimLeaseSeconds ?? CLAIM_LEASE_SECONDS) * 1000;
    const staleBefore = new Date(deps.clock.now().getTime() - lease).toISOString();
    const turn = nextGroupNotice(current, me, staleBefore);
    if (!turn) return published;
    const claim = { by: me, ...(turn.etaMinutes !== undefined ? { etaMinutes: turn.etaMinutes } : {}) };
    if (
      await deps.store.claimGroupNotice(current.groupId, turn.stage, claim, { version: current.version, staleBefore })
    ) {
      const sent = await publish(deps, current, turn);
      await deps.store.confirmGroupNotice(current.groupId, turn.stage, me, sent);
      await projectNotice(deps, current.groupId, { stage: turn.stage, subject: sent.subject, text: sent.text });
      published.push({ stage: turn.stage, messageId: sent.messageId });
    }
    // Won: the next stage may be due too. Lost: another member holds it, or someone joined; the snapshot tells.
    current = (await deps.store.getGroup(current.groupId, true)) ?? current;
  }
  return published;
}

/**
 * After `me` left its group's outage (false alarm, rejected) or failed: the
 * notices that waited on it may be due now, and no other member's step may
 * come to send them. Nothing for a group of one (or none).
 */
export async function settleAfterLeaving(
  deps: GroupNoticeDeps,
  group: IncidentGroup | undefined,
  me: string,
): Promise<void> {
  if (group && Object.keys(group.members).length > 1) await settleGroupNotices(deps, group, me);
}

/** One notice for the whole group: the service's text, the group as the incident customers may refer to. */
async function publish(
  deps: GroupNoticeDeps,
  group: IncidentGroup,
  turn: GroupNoticeTurn,
): Promise<{ messageId: string; subject: string; text: string }> {
  const first = Object.values(group.members).sort((a, b) => (a.joinedAt < b.joinedAt ? -1 : 1))[0];
  const ref = { incidentId: group.groupId, cacheId: first?.cacheId ?? group.groupId };
  const notice = renderNotice(deps.templates, turn.stage, {
    ...ref,
    values: {
      serviceName: deps.notices.serviceName,
      supportContact: deps.notices.supportContact,
      ...(turn.etaMinutes !== undefined ? { etaMinutes: turn.etaMinutes } : {}),
    },
  });
  const { messageId } = await deps.notifier.publishStatus(notice, ref);
  return { messageId, subject: notice.subject, text: notice.text };
}

/**
 * Puts the notices `me` sent, and has not recorded yet, on the timeline and
 * record of every member they speak for (so each incident's page shows its
 * stage and notices as for a single incident). Only the sender does, once
 * more if it stopped half-way.
 */
async function recordSentNotices(deps: GroupNoticeDeps, group: IncidentGroup, me: string): Promise<void> {
  const live = new Set(liveMembers(Object.values(group.members)));
  const members = Object.entries(group.members).filter(([, m]) => live.has(m));
  for (const [stage, claim] of Object.entries(group.claims ?? {})) {
    if (claim.status !== 'SENT' || claim.by !== me || claim.recordedAt) continue;
    for (const [incidentId] of members) {
      await deps.store.appendTimeline(incidentId, {
        at: claim.sentAt ?? deps.clock.now().toISOString(),
        type: 'NOTICE_SENT',
        message: `${stage} notice sent for group ${group.groupId}: ${claim.subject ?? stage}`,
        detail: { stage, messageId: claim.messageId, groupId: group.groupId, sentBy: me },
      });
      await deps.store.updateIncident(incidentId, { stage }).catch((err: unknown) => {
        // A member whose workflow has not recorded its incident yet has no record to update.
        if (!(err instanceof IncidentNotFoundError)) throw err;
      });
    }
    await deps.store.markGroupNoticeRecorded(group.groupId, stage as NoticeStage);
  }
}
