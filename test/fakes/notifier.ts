import type { RenderedNotice } from '../../functions/domain/notices';
import type { Notifier, OperatorMessage } from '../../functions/ports';
import { Failures, copy } from './failures';

/** Records every message; `failures.fail('publishStatus', err)` makes the next publish throw. */
export class FakeNotifier implements Notifier {
  readonly failures = new Failures<keyof Notifier>();
  readonly status: {
    messageId: string;
    notice: RenderedNotice;
    attributes: { incidentId: string; cacheId: string };
  }[] = [];
  readonly operators: (OperatorMessage & { messageId: string })[] = [];
  private seq = 0;

  async publishStatus(
    notice: RenderedNotice,
    attributes: { incidentId: string; cacheId: string },
  ): Promise<{ messageId: string }> {
    this.failures.check('publishStatus');
    const messageId = this.nextId();
    this.status.push({ messageId, notice: copy(notice), attributes: copy(attributes) });
    return { messageId };
  }

  async publishOperators(message: OperatorMessage): Promise<{ messageId: string }> {
    this.failures.check('publishOperators');
    const messageId = this.nextId();
    this.operators.push({ ...copy(message), messageId });
    return { messageId };
  }

  /** Every text sent anywhere, for "never contains" assertions. */
  allText(): string {
    return JSON.stringify([this.status, this.operators]);
  }

  private nextId(): string {
    this.seq += 1;
    return `msg-${String(this.seq).padStart(4, '0')}`;
  }
}
