/**
 * Puts a customer notice on the public status page, right after its publish
 * was confirmed. The notice is out already: a failure here is logged and
 * swallowed, never retried into a second copy of the notice; the service's
 * next notice rewrites the page's current state.
 */
import type { RenderedNotice } from '../../domain/notices';
import { logger } from '../../lib/observability';
import type { Clock, StatusPageWriter } from '../../ports';

export interface StatusProjectionDeps {
  /** Absent where a deployment has no status page. */
  statusPage?: StatusPageWriter;
  clock: Clock;
  notices: { serviceName: string };
}

/** `reference`: the incident or group the notice spoke for (kept only as a digest). */
export async function projectNotice(
  deps: StatusProjectionDeps,
  reference: string,
  notice: Pick<RenderedNotice, 'stage' | 'subject' | 'text'>,
): Promise<void> {
  if (!deps.statusPage) return;
  try {
    await deps.statusPage.recordNotice(deps.notices.serviceName, {
      reference,
      stage: notice.stage,
      subject: notice.subject,
      text: notice.text,
      sentAt: deps.clock.now().toISOString(),
    });
  } catch (err) {
    logger.warn('status page not updated; the next notice rewrites its current state', {
      stage: notice.stage,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
  }
}
