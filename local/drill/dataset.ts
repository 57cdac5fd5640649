/**
 * The drill's data: account flags and customizations, the kind of data the
 * post-mortem's cache held. Deterministic, so the drill can check every key
 * after recovery without keeping them all in memory.
 */
export interface DrillRecord {
  key: string;
  value: string;
  kind: 'flag' | 'customization';
  /** Absolute expiry, epoch seconds, for a few keys so TTL handling is exercised. */
  expiresAt?: number;
}

const THEMES = ['light', 'dark', 'high-contrast', 'sepia'];
const LOCALES = ['en-US', 'en-GB', 'es-ES', 'fr-FR', 'de-DE', 'pt-BR', 'ja-JP'];

/** Record i of the seeded set (version 0) or of a later change (version ≥ 1). */
export function drillRecord(i: number, version = 0, nowSeconds?: number): DrillRecord {
  const account = Math.floor(i / 2);
  if (i % 2 === 0) {
    const value = JSON.stringify({
      account,
      beta: (account + version) % 3 === 0,
      newDashboard: (account * 7 + version) % 5 === 0,
      seats: 5 + ((account * 13 + version) % 200),
      v: version,
    });
    return { key: `acct:${account}:flags`, value, kind: 'flag' };
  }
  const value = JSON.stringify({
    account,
    theme: THEMES[(account + version) % THEMES.length],
    locale: LOCALES[(account * 3 + version) % LOCALES.length],
    logo: `https://assets.example.com/logos/${account}-${version}.png`,
    welcome: `Welcome back, team ${account}! ✨`,
    v: version,
  });
  const record: DrillRecord = { key: `acct:${account}:custom`, value, kind: 'customization' };
  // One customization in 50 carries a far-future TTL, as session-bound settings would.
  if (account % 50 === 0 && nowSeconds !== undefined) record.expiresAt = nowSeconds + 30 * 24 * 3600;
  return record;
}

/**
 * Indices changed after the backup: every `stride`-th customization, so the
 * restored cache holds stale values for exactly these keys until rehydration.
 */
export function changedAfterBackup(total: number, count: number): number[] {
  const customizations = Math.floor(total / 2);
  const n = Math.min(count, customizations);
  const stride = Math.max(1, Math.floor(customizations / Math.max(1, n)));
  const out: number[] = [];
  for (let k = 0; k < n; k += 1) out.push(k * stride * 2 + 1);
  return out;
}
