import type { TimelineEventType } from '../../domain/incident';
import type { Clock, Timeline } from '../../ports';

/** Appends an event to the incident's timeline, dated now. */
export async function addTimeline(
  deps: { store: Pick<Timeline, 'appendTimeline'>; clock: Clock },
  incidentId: string,
  type: TimelineEventType,
  message: string,
  detail?: Record<string, unknown>,
): Promise<void> {
  await deps.store.appendTimeline(incidentId, {
    at: deps.clock.now().toISOString(),
    type,
    message,
    ...(detail ? { detail } : {}),
  });
}
