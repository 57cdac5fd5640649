/** The two SNS topics: subscribers' status notices and the operators' messages. */
import type { RenderedNotice } from '../domain/notices';

/** A message on the operators' topic: an approval request, an escalation or information. */
export interface OperatorMessage {
  kind: 'approval-request' | 'escalation' | 'info';
  incidentId: string;
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
