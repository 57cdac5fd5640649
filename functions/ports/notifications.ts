/** The two SNS topics: subscribers' status notices and the operators' messages. */
import type { RenderedNotice } from '../domain/notices';

/**
 * A message on the operators' topic: an approval request, an escalation, an
 * incident resolved (with its report) or information about an incident, or a
 * cache's backups or standby mirror failing.
 */
export interface OperatorMessage {
  kind: 'approval-request' | 'escalation' | 'resolved' | 'info' | 'backup-failed' | 'mirror-failed';
  /** The incident it is about; absent for a cache's backups. */
  incidentId?: string;
  /** The incident group it speaks for, when it is about several caches of one provider. */
  groupId?: string;
  cacheId: string;
  subject: string;
  text: string;
  facts?: Record<string, unknown>;
}

export interface Notifier {
  publishStatus(
    notice: RenderedNotice,
    attributes: { incidentId: string; cacheId: string },
  ): Promise<{ messageId: string }>;
  publishOperators(message: OperatorMessage): Promise<{ messageId: string }>;
}
