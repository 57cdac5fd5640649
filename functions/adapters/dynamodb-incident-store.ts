/**
 * The incident store on the single-table incidents table: one adapter per
 * entity (dynamodb/), composed into the one object the wiring hands to every
 * use case. The item layout is in dynamodb/layout.ts.
 */
import type {
  Approvals,
  GroupApprovals,
  GroupNotices,
  GroupStore,
  IncidentRecords,
  IncidentStore,
  NoticeLog,
  ReportNotesStore,
  Timeline,
} from '../ports';
import { DynamoDbApprovals } from './dynamodb/approvals';
import { DynamoDbGroupApprovals } from './dynamodb/group-approvals';
import { DynamoDbGroupNotices } from './dynamodb/group-notices';
import { DynamoDbGroups } from './dynamodb/groups';
import { DynamoDbIncidentRecords } from './dynamodb/incidents';
import { DynamoDbIncidentLocks } from './dynamodb/locks';
import { DynamoDbNoticeLog } from './dynamodb/notices';
import { DynamoDbReportNotes } from './dynamodb/report-notes';
import { IncidentTable, type IncidentTableOptions } from './dynamodb/table';
import { DynamoDbTimeline } from './dynamodb/timeline';

export { documentClient } from './dynamodb/table';
export type { IncidentTableOptions as DynamoDbIncidentStoreOptions } from './dynamodb/table';

export class DynamoDbIncidentStore implements IncidentStore {
  private readonly records: DynamoDbIncidentRecords;
  private readonly events: DynamoDbTimeline;
  private readonly notices: DynamoDbNoticeLog;
  private readonly approvalItems: DynamoDbApprovals;
  private readonly locks: DynamoDbIncidentLocks;
  private readonly groups: DynamoDbGroups;
  private readonly groupNotices: DynamoDbGroupNotices;
  private readonly groupApprovals: DynamoDbGroupApprovals;
  private readonly notes: DynamoDbReportNotes;

  constructor(options: IncidentTableOptions) {
    const table = new IncidentTable(options);
    this.records = new DynamoDbIncidentRecords(table);
    this.events = new DynamoDbTimeline(table);
    this.notices = new DynamoDbNoticeLog(table);
    this.approvalItems = new DynamoDbApprovals(table);
    this.locks = new DynamoDbIncidentLocks(table);
    this.groups = new DynamoDbGroups(table);
    this.groupNotices = new DynamoDbGroupNotices(table);
    this.groupApprovals = new DynamoDbGroupApprovals(table);
    this.notes = new DynamoDbReportNotes(table);
  }

  readonly getIncident: IncidentRecords['getIncident'] = (...a) => this.records.getIncident(...a);
  readonly updateIncident: IncidentRecords['updateIncident'] = (...a) => this.records.updateIncident(...a);
  readonly markAttempt: IncidentRecords['markAttempt'] = (...a) => this.records.markAttempt(...a);
  readonly listIncidents: IncidentRecords['listIncidents'] = (...a) => this.records.listIncidents(...a);
  readonly recordRecovery: IncidentRecords['recordRecovery'] = (...a) => this.records.recordRecovery(...a);
  readonly recentRecoveries: IncidentRecords['recentRecoveries'] = (...a) => this.records.recentRecoveries(...a);

  readonly appendTimeline: Timeline['appendTimeline'] = (...a) => this.events.appendTimeline(...a);
  readonly timeline: Timeline['timeline'] = (...a) => this.events.timeline(...a);

  readonly claimNotice: NoticeLog['claimNotice'] = (...a) => this.notices.claimNotice(...a);
  readonly confirmNotice: NoticeLog['confirmNotice'] = (...a) => this.notices.confirmNotice(...a);
  readonly sentNotices: NoticeLog['sentNotices'] = (...a) => this.notices.sentNotices(...a);

  readonly savePendingApproval: Approvals['savePendingApproval'] = (...a) =>
    this.approvalItems.savePendingApproval(...a);
  readonly approvals: Approvals['approvals'] = (...a) => this.approvalItems.approvals(...a);
  readonly pendingApproval: Approvals['pendingApproval'] = (...a) => this.approvalItems.pendingApproval(...a);
  readonly decideApproval: Approvals['decideApproval'] = (...a) => this.approvalItems.decideApproval(...a);
  readonly markApprovalResumed: Approvals['markApprovalResumed'] = (...a) =>
    this.approvalItems.markApprovalResumed(...a);

  readonly acquireOpenLock: DynamoDbIncidentLocks['acquireOpenLock'] = (...a) => this.locks.acquireOpenLock(...a);
  /** `consistent` reads the lock as last written (a strongly consistent read). */
  readonly getOpenLock: DynamoDbIncidentLocks['getOpenLock'] = (...a) => this.locks.getOpenLock(...a);
  readonly releaseOpenLock: DynamoDbIncidentLocks['releaseOpenLock'] = (...a) => this.locks.releaseOpenLock(...a);
  readonly markDelivery: DynamoDbIncidentLocks['markDelivery'] = (...a) => this.locks.markDelivery(...a);

  readonly resolveGroup: GroupStore['resolveGroup'] = (...a) => this.groups.resolveGroup(...a);
  readonly joinGroup: GroupStore['joinGroup'] = (...a) => this.groups.joinGroup(...a);
  readonly openSoloGroup: GroupStore['openSoloGroup'] = (...a) => this.groups.openSoloGroup(...a);
  readonly markMember: GroupStore['markMember'] = (...a) => this.groups.markMember(...a);
  readonly getGroup: GroupStore['getGroup'] = (...a) => this.groups.getGroup(...a);

  readonly arriveAtStage: GroupNotices['arriveAtStage'] = (...a) => this.groupNotices.arriveAtStage(...a);
  readonly claimGroupNotice: GroupNotices['claimGroupNotice'] = (...a) => this.groupNotices.claimGroupNotice(...a);
  readonly confirmGroupNotice: GroupNotices['confirmGroupNotice'] = (...a) =>
    this.groupNotices.confirmGroupNotice(...a);
  readonly markGroupNoticeRecorded: GroupNotices['markGroupNoticeRecorded'] = (...a) =>
    this.groupNotices.markGroupNoticeRecorded(...a);

  readonly arriveForApproval: GroupApprovals['arriveForApproval'] = (...a) =>
    this.groupApprovals.arriveForApproval(...a);
  readonly approvalGroup: GroupApprovals['approvalGroup'] = (...a) => this.groupApprovals.approvalGroup(...a);
  readonly claimGroupApproval: GroupApprovals['claimGroupApproval'] = (...a) =>
    this.groupApprovals.claimGroupApproval(...a);
  readonly confirmGroupApproval: GroupApprovals['confirmGroupApproval'] = (...a) =>
    this.groupApprovals.confirmGroupApproval(...a);
  readonly markGroupApprovalRecorded: GroupApprovals['markGroupApprovalRecorded'] = (...a) =>
    this.groupApprovals.markGroupApprovalRecorded(...a);
  readonly markMemberApproval: GroupApprovals['markMemberApproval'] = (...a) =>
    this.groupApprovals.markMemberApproval(...a);

  readonly reportNotes: ReportNotesStore['reportNotes'] = (...a) => this.notes.reportNotes(...a);
  readonly saveReportNotes: ReportNotesStore['saveReportNotes'] = (...a) => this.notes.saveReportNotes(...a);
}
