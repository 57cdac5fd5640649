/**
 * Corrective measures the facts suggest, each naming the fact it follows
 * from. Suggestions only: an operator keeps or drops each one.
 */
import type { RecoveryPlan } from '../incident';
import { planName } from '../labels';
import { durationText } from '../time-labels';
import type { AssessedFacts, RehydrationFacts } from './facts';
import type { SuggestionId } from './notes';
import type { ApprovalLine, Suggestion } from './types';

export interface SuggestionFacts {
  plan?: RecoveryPlan;
  assessed?: AssessedFacts;
  /** How old the backup used was when the outage began, in whole minutes. */
  backupAgeAtOutageMinutes?: number;
  approvals: ApprovalLine[];
  outageSeconds?: number;
  rehydration?: RehydrationFacts;
}

/** Plans that rebuilt the cache from something other than a live in-region copy. */
const WITHOUT_REPLICA: readonly (RecoveryPlan | undefined)[] = [
  'PROVISION_FROM_BACKUP',
  'PROMOTE_STANDBY',
  'GLOBAL_FAILOVER',
  'ESCALATE',
];

/** An approval that waited at least this long is worth a look at the approval policy. */
const APPROVAL_WAIT_WORTH_A_LOOK_SECONDS = 60;

/** Each suggestion's title, as the report and the audit trail name it. */
export const SUGGESTION_TITLES: Readonly<Record<SuggestionId, string>> = {
  'multi-az': 'Add a replica in another Availability Zone (Multi-AZ)',
  'global-datastore': 'Add a cross-region secondary (Global Datastore)',
  'backup-interval': 'Compare the backup interval with the recovery point objective',
  'approval-policy': 'Review the approval policy',
  'priority-kinds': 'Choose the kinds written back first',
};

export function suggestionsFrom(f: SuggestionFacts): Suggestion[] {
  const out: Suggestion[] = [];
  const a = f.assessed;
  const down = a !== undefined && a.primaryReachable === false;
  if (down && !a.replica && WITHOUT_REPLICA.includes(f.plan)) {
    out.push({
      id: 'multi-az',
      title: SUGGESTION_TITLES['multi-az'],
      text: 'Run the cache with at least one replica in another Availability Zone and automatic failover enabled, so that the next failure of the primary is handled by promoting the replica instead of rebuilding the cache.',
      because: `No healthy replica existed when the outage was assessed; the recovery was: ${planName(f.plan).toLowerCase()}.`,
    });
  }
  if (down && !a.globalSecondary && (f.plan === 'PROVISION_FROM_BACKUP' || f.plan === 'ESCALATE')) {
    out.push({
      id: 'global-datastore',
      title: SUGGESTION_TITLES['global-datastore'],
      text: 'A Global Datastore secondary in another region keeps a live copy that can be promoted when a whole region or provider fails.',
      because: 'No cross-region secondary existed when the outage was assessed.',
    });
  }
  if (f.backupAgeAtOutageMinutes !== undefined && f.backupAgeAtOutageMinutes >= 1) {
    const n = f.backupAgeAtOutageMinutes;
    out.push({
      id: 'backup-interval',
      title: SUGGESTION_TITLES['backup-interval'],
      text: `Writes of the last ${n} min before the outage were not in the backup: they came back from the source of truth, or were lost for data that has none. Back up more often if that exceeds the recovery point objective.`,
      because: `The backup used was ${n} min old when the outage began.`,
    });
  }
  const slowest = [...f.approvals].sort((x, y) => y.waitedSeconds - x.waitedSeconds)[0];
  if (slowest && slowest.waitedSeconds >= APPROVAL_WAIT_WORTH_A_LOOK_SECONDS) {
    const share =
      f.outageSeconds !== undefined && f.outageSeconds > 0 ? ` of the ${durationText(f.outageSeconds)} outage` : '';
    out.push({
      id: 'approval-policy',
      title: SUGGESTION_TITLES['approval-policy'],
      text: `Consider letting ${planName(f.plan).toLowerCase()} run without an approval (REQUIRE_APPROVAL_FOR), or a shorter wait before the operators are escalated to.`,
      because: `The request "${slowest.stepLabel}" waited ${slowest.waited}${share} for a decision.`,
    });
  }
  const r = f.rehydration;
  if (r && r.written > 0 && r.seconds >= 1) {
    out.push({
      id: 'priority-kinds',
      title: SUGGESTION_TITLES['priority-kinds'],
      text: 'List the kinds of data customers miss first as the cache\u2019s priority kinds (priorityKinds), so that they are written back before the rest.',
      because: `Writing back ${r.written} keys took ${durationText(r.seconds)} while service was degraded.`,
    });
  }
  return out;
}
