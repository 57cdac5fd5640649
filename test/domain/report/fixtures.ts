/**
 * An incident record with the post-mortem's own times: the cache failed at
 * 4:24 pm ET on Friday, February 16, 2024, clients were served again at
 * 5:10 pm, and everything was back at 6:20 pm.
 */
import type { Incident, RecoveryPlan, TimelineEvent } from '../../../functions/domain/incident';
import type { ReportApproval, SentNotice } from '../../../functions/domain/report/types';

export const OPENED = '2024-02-16T21:24:00.000Z';
export const RESTORED = '2024-02-16T22:10:00.000Z';
export const RESOLVED = '2024-02-16T23:20:00.000Z';

const at = (minutesAfterOpen: number) => new Date(Date.parse(OPENED) + minutesAfterOpen * 60_000).toISOString();

export function restoredIncident(plan: RecoveryPlan = 'PROVISION_FROM_BACKUP'): Incident {
  return {
    incidentId: 'accounts-20240216T212400Z',
    cacheId: 'accounts',
    status: 'RESOLVED',
    openedAt: OPENED,
    executionName: 'accounts-20240216T212400Z-abc',
    plan,
    restoredAt: RESTORED,
    resolvedAt: RESOLVED,
    confirmedAt: at(0.5),
    confirmation: {
      confirmed: true,
      endpoint: 'accounts.cache.internal:6379 (TLS)',
      through: 'the endpoint record /cache/accounts/endpoint',
      from: 'the VPC of the workflow',
      auth: true,
      windowSeconds: 20,
      pings: [
        { at: at(0.25), ok: false, error: 'connect ETIMEDOUT' },
        { at: at(0.5), ok: false, error: 'connect ETIMEDOUT' },
      ],
      error: 'connect ETIMEDOUT',
      at: at(0.5),
    },
  };
}

export function restoreTimeline(plan: RecoveryPlan = 'PROVISION_FROM_BACKUP'): TimelineEvent[] {
  const fromBackup = plan === 'PROVISION_FROM_BACKUP';
  return [
    {
      at: OPENED,
      type: 'INCIDENT_OPENED',
      message: 'cache-outage-accounts-unreachable is ALARM: incident opened',
      detail: { alarmName: 'cache-outage-accounts-unreachable', source: 'eventbridge', reason: 'Threshold Crossed' },
    },
    { at: at(0.5), type: 'OUTAGE_CONFIRMED', message: 'outage confirmed: accounts did not answer PING' },
    {
      at: at(1),
      type: 'NOTICE_SENT',
      message: 'INVESTIGATING notice sent: We are investigating',
      detail: { stage: 'INVESTIGATING' },
    },
    {
      at: at(1.5),
      type: 'ASSESSED',
      message: fromBackup ? 'Restore from backup: no healthy replica' : 'Promote a replica: replica healthy',
      detail: {
        plan,
        reason: fromBackup
          ? 'no healthy replica; restoring from backup'
          : 'replica accounts-002 is healthy and can be promoted',
        primaryReachable: false,
        primaryError: 'connect ETIMEDOUT',
        ...(fromBackup ? {} : { replica: 'accounts-002' }),
        ...(fromBackup
          ? { backup: { key: 'backups/accounts/2024-02-16T19-50.rdb', sizeBytes: 1024, ageMinutes: 95.5 } }
          : {}),
        rejectedBackups: [],
      },
    },
    {
      at: at(2),
      type: 'APPROVAL_REQUESTED',
      message: 'approval requested: recovery-plan',
      detail: { step: 'recovery-plan' },
    },
    {
      at: at(14),
      type: 'APPROVED',
      message: 'dana approved recovery-plan: go',
      detail: { step: 'recovery-plan', decidedBy: 'dana' },
    },
    { at: at(15), type: 'NOTICE_SENT', message: 'ETA notice sent: Back in about 20 minutes', detail: { stage: 'ETA' } },
    {
      at: at(15),
      type: 'RECOVERY_STARTED',
      message: 'provisioning replacement co-accounts-1 from backups/accounts/2024-02-16T19-50.rdb',
    },
    { at: at(44), type: 'CACHE_AVAILABLE', message: 'co-accounts-1 is available' },
    { at: at(45), type: 'CUT_OVER', message: 'clients now use co-accounts-1' },
    { at: at(46), type: 'VERIFIED', message: 'clients reach co-accounts-1' },
    {
      at: at(46),
      type: 'NOTICE_SENT',
      message: 'PARTIALLY_RESTORED notice sent: The system is back online',
      detail: { stage: 'PARTIALLY_RESTORED' },
    },
    {
      at: at(115),
      type: 'REHYDRATED',
      message: 'wrote back 1200 keys changed since 2024-02-16T19:50:00.000Z (200 customization, 1000 session)',
      detail: {
        since: '2024-02-16T19:50:00.000Z',
        written: 1200,
        expiredSkipped: 3,
        byKind: { customization: 200, session: 1000 },
        seconds: 4140,
      },
    },
    { at: at(116), type: 'DATA_VERIFIED', message: '50 keys match the source of truth' },
    {
      at: RESOLVED,
      type: 'NOTICE_SENT',
      message: 'RESOLVED notice sent: The issue is resolved',
      detail: { stage: 'RESOLVED' },
    },
    { at: RESOLVED, type: 'RESOLVED', message: 'incident resolved: outage 46 min, degraded 70 min' },
  ];
}

export const NOTICES: SentNotice[] = [
  {
    stage: 'INVESTIGATING',
    subject: 'We are investigating',
    text: 'Our service is experiencing an outage.',
    sentAt: at(1),
  },
  {
    stage: 'ETA',
    subject: 'Back in about 20 minutes',
    text: 'The system should be back in about 20 minutes.',
    sentAt: at(15),
  },
  {
    stage: 'PARTIALLY_RESTORED',
    subject: 'The system is back online',
    text: 'Some customizations are not restored yet.',
    sentAt: at(46),
  },
  { stage: 'RESOLVED', subject: 'The issue is resolved', text: 'All customizations are restored.', sentAt: RESOLVED },
];

export const APPROVALS: ReportApproval[] = [
  { step: 'recovery-plan', status: 'APPROVED', requestedAt: at(2), decidedAt: at(14), decidedBy: 'dana', reason: 'go' },
];
