/** The source-of-truth cut-off of an assessment (`rehydrateSince`), in epoch ms (0: everything). */
export function sinceMsOf(rehydrateSince: string | undefined): number {
  const ms = rehydrateSince ? Date.parse(rehydrateSince) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}
