/**
 * The post-incident report: what the incident record alone says about an
 * outage, in the structure of a post-mortem (summary, detection and response,
 * root cause as observed, recovery, impact, customer communication, timeline,
 * suggested measures, and the sections operators fill in). Built by
 * ./build.ts, rendered by ./markdown.ts, ./html.ts and as JSON.
 */
import type { GroupMember } from '../groups';
import type { Incident, IncidentStatus, NoticeStage, RecoveryPlan, TimelineEvent } from '../incident';
import type { TimeZone } from '../time-labels';
import type { ActionItem, ReportNotes, SuggestionDecision, SuggestionId } from './notes';

/** A customer notice as it was sent. */
export interface SentNotice {
  stage: NoticeStage;
  subject: string;
  text: string;
  sentAt: string;
}

/** An approval as the store records it (task tokens never reach the report). */
export interface ReportApproval {
  step: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'TIMED_OUT';
  requestedAt: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
}

/** Everything the report is drafted from. */
export interface ReportInput {
  incident: Incident & { outageSeconds?: unknown; degradedSeconds?: unknown };
  /** Oldest first. */
  timeline: TimelineEvent[];
  notices: SentNotice[];
  approvals: ReportApproval[];
  /** The incident's group when it has other members. */
  group?: { groupId: string; provider?: string; members: Record<string, GroupMember> };
  /** What operators wrote: root cause, action items, their decision on each suggestion. */
  notes?: ReportNotes;
  /** The zone wall-clock times are written in. */
  zone: TimeZone;
  /** When the report is drafted. */
  now: Date;
}

/** An instant as the report prints it. */
export interface ReportTime {
  at: string;
  /** "16:24 ET" on the incident's first day, "Feb 17, 00:10 ET" on another. */
  clock: string;
  /** "Feb 16, 2024, 16:24:00 ET (21:24:00 UTC)". */
  full: string;
}

/** A stretch of time: from → to, and how long. */
export interface ReportSpan {
  from: ReportTime;
  to: ReportTime;
  seconds: number;
  /** "46 min". */
  duration: string;
}

export interface ApprovalLine {
  step: string;
  stepLabel: string;
  status: ReportApproval['status'];
  statusLabel: string;
  requestedAt: ReportTime;
  decidedAt?: ReportTime;
  decidedBy?: string;
  reason?: string;
  /** How long the request waited for its decision (or until the report, while pending). */
  waitedSeconds: number;
  waited: string;
}

/** A measure the facts suggest; an operator keeps or drops it. */
export interface Suggestion {
  id: SuggestionId;
  title: string;
  /** What to consider doing. */
  text: string;
  /** The fact it follows from. */
  because: string;
}

/** An operator's decision on a suggestion, and who took it (from the timeline's audit entries). */
export interface SuggestionChoice {
  decision?: SuggestionDecision;
  decidedBy?: string;
}

export interface OperatorSection {
  id: 'root-cause' | 'action-items';
  title: string;
  hint: string;
  /** The root cause as written. */
  text?: string;
  /** The action items, with their owners. */
  items?: ActionItem[];
}

export type BarSegmentKind = 'outage' | 'degraded' | 'resolved' | 'failed';

/** The incident as one time bar: segments, with the steps and notices marked on it. */
export interface TimeBar {
  start: string;
  end: string;
  /** Every instant of the bar, written as the report writes times ("16:24 ET"). */
  clocks: Record<string, string>;
  segments: { kind: BarSegmentKind; label: string; from: string; to: string }[];
  marks: { kind: 'step' | 'notice'; at: string; label: string }[];
}

export interface ReportSection {
  title: string;
  /** Sentences, each a paragraph or a list item. */
  lines: string[];
}

export interface PostIncidentReport {
  incidentId: string;
  cacheId: string;
  status: IncidentStatus;
  statusLabel: string;
  plan?: RecoveryPlan;
  planLabel: string;
  title: string;
  /** The zone's label, e.g. "ET". */
  zone: string;
  /** The day the incident started, in the zone: "Friday, February 16, 2024". */
  day: string;
  generatedAt: string;
  summary: string;
  detection: ReportSection & {
    firstAlarm?: ReportTime & { alarmName: string };
    detectedBy: 'probe' | 'metric' | 'unknown';
    workflowStartedAt?: ReportTime;
    secondsToWorkflow?: number;
    approvals: ApprovalLine[];
  };
  rootCause: ReportSection & {
    primaryReachable?: boolean;
    replica?: string;
    backup?: { key: string; ageMinutesAtOutage?: number };
  };
  recovery: ReportSection & {
    rehydration?: { written: number; byKind: Record<string, number>; seconds: number };
  };
  impact: ReportSection & { outage?: ReportSpan; degraded?: ReportSpan; total?: ReportSpan };
  communication: { title: string; notices: (SentNotice & { stageLabel: string; time: ReportTime })[] };
  timeline: { title: string; events: { time: ReportTime; label: string; text: string }[] };
  /** Set for a failed incident: what was tried, where it stopped, who was escalated. */
  failure?: ReportSection;
  group?: ReportSection;
  suggestions: { title: string; items: (Suggestion & SuggestionChoice)[] };
  /** Filled in by the operators: the hint shows while a section is empty. */
  operatorSections: OperatorSection[];
  /** The operators' notes' version, and who saved them last. */
  notes?: { version: number; updatedBy?: string; updatedAt?: ReportTime };
  bar: TimeBar;
}
