/**
 * The post-incident report of one incident, drafted from its record alone:
 * the incident, its timeline, the customer notices as sent (the incident's
 * own, or its group's when the group sent them), its approvals and, for a
 * provider outage, the other caches of its group; and what the operators
 * wrote in it (../usecases/edit-report.ts).
 */
import { IncidentNotFoundError } from '../domain/errors';
import type { NoticeStage } from '../domain/incident';
import { buildReport } from '../domain/report/build';
import { reportHtml } from '../domain/report/html';
import { reportJson, reportMarkdown } from '../domain/report/markdown';
import type { PostIncidentReport, SentNotice } from '../domain/report/types';
import { UTC, type TimeZone } from '../domain/time-labels';
import type {
  Approvals,
  Clock,
  GroupStore,
  IncidentLocks,
  IncidentRecords,
  NoticeLog,
  ReportFile,
  ReportNotesStore,
  Timeline,
} from '../ports';
import { groupOf } from './shared/group';

export interface IncidentReportDeps {
  store: IncidentRecords &
    Timeline &
    Pick<NoticeLog, 'sentNotices'> &
    Pick<Approvals, 'approvals'> &
    Pick<IncidentLocks, 'getOpenLock'> &
    Pick<GroupStore, 'getGroup'> &
    // The operators' notes, where the store offers them (none are written before the incident ends).
    Partial<Pick<ReportNotesStore, 'reportNotes'>>;
  clock: Clock;
  /** The zone the report's wall-clock times are written in (UTC when absent). */
  timeZone?: TimeZone;
}

export type ReportFormat = 'md' | 'html' | 'json';

export async function incidentReport(deps: IncidentReportDeps, incidentId: string): Promise<PostIncidentReport> {
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
  const [timeline, own, approvals, groupId, notes] = await Promise.all([
    deps.store.timeline(incidentId),
    deps.store.sentNotices(incidentId),
    deps.store.approvals(incidentId),
    groupOf(deps.store, incident),
    deps.store.reportNotes?.(incidentId),
  ]);
  const group = groupId === incidentId ? undefined : await deps.store.getGroup(groupId);
  // A provider's group sends each stage once for all its members: the texts are on the group.
  const byGroup: SentNotice[] = Object.entries(group?.claims ?? {}).flatMap(([stage, claim]) =>
    claim.status === 'SENT' && claim.sentAt
      ? [{ stage: stage as NoticeStage, subject: claim.subject ?? '', text: claim.text ?? '', sentAt: claim.sentAt }]
      : [],
  );
  const notices = [...own, ...byGroup.filter((g) => !own.some((n) => n.stage === g.stage))];
  return buildReport({
    incident,
    timeline,
    notices,
    approvals,
    ...(group
      ? {
          group: {
            groupId: group.groupId,
            ...(group.provider ? { provider: group.provider } : {}),
            members: group.members,
          },
        }
      : {}),
    ...(notes ? { notes } : {}),
    zone: deps.timeZone ?? UTC,
    now: deps.clock.now(),
  });
}

/** The report in one format, as a file. */
export function renderReport(report: PostIncidentReport, format: ReportFormat): ReportFile {
  switch (format) {
    case 'md':
      return { name: 'report.md', contentType: 'text/markdown; charset=utf-8', body: reportMarkdown(report) };
    case 'html':
      return { name: 'report.html', contentType: 'text/html; charset=utf-8', body: reportHtml(report) };
    case 'json':
      return { name: 'report.json', contentType: 'application/json', body: reportJson(report) };
  }
}
