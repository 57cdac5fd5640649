/** The status page's projection in memory, with the domain's rules; `failNext` makes the next write throw. */
import { recordNotice, type SentNotice, type StatusPage } from '../../functions/domain/status-page';
import type { Clock, StatusPages } from '../../functions/ports';

export class FakeStatusPages implements StatusPages {
  private readonly pages = new Map<string, StatusPage>();
  private failure: Error | undefined;
  writes = 0;

  constructor(private readonly clock: Clock) {}

  failNext(error: Error): void {
    this.failure = error;
  }

  async recordNotice(service: string, notice: SentNotice): Promise<void> {
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
    const next = recordNotice(this.pages.get(service), service, notice, this.clock.now());
    if (next.changed) {
      this.writes++;
      this.pages.set(service, structuredClone(next.page));
    }
  }

  async statusPage(service: string): Promise<StatusPage | undefined> {
    const page = this.pages.get(service);
    return page && structuredClone(page);
  }
}
