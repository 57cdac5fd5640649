import { estimateMinutes, type MeasuredRecovery } from '../../functions/domain/eta';
import type { RecoveryPlan } from '../../functions/domain/incident';

const MB = 1024 * 1024;
const promotions = (...seconds: number[]): MeasuredRecovery[] =>
  seconds.map((s) => ({ plan: 'PROMOTE_REPLICA', seconds: s }));
const restores = (...runs: [seconds: number, sizeBytes?: number][]): MeasuredRecovery[] =>
  runs.map(([seconds, backupSizeBytes]) => ({
    plan: 'PROVISION_FROM_BACKUP',
    seconds,
    ...(backupSizeBytes !== undefined ? { backupSizeBytes } : {}),
  }));

describe('estimateMinutes: when customers are told they are back', () => {
  it.each<[string, RecoveryPlan, MeasuredRecovery[], number | undefined, number]>([
    // Nothing to wait for.
    ['a cache that came back by itself: no wait', 'RECOVERED', promotions(600), undefined, 0],
    ['an escalation promises no time', 'ESCALATE', promotions(600), undefined, 0],
    // Nothing measured yet: the documented defaults.
    ['a first promotion: about 2 minutes', 'PROMOTE_REPLICA', [], undefined, 2],
    ['a first Global Datastore failover: about 5 minutes', 'GLOBAL_FAILOVER', [], undefined, 5],
    ['a first cut-over to the warm standby: about 1 minute', 'PROMOTE_STANDBY', [], undefined, 1],
    ['promotions of a replica do not count for the standby', 'PROMOTE_STANDBY', promotions(600, 600), undefined, 1],
    [
      'the median of past cut-overs to the standby',
      'PROMOTE_STANDBY',
      [90, 200, 150].map((seconds) => ({ plan: 'PROMOTE_STANDBY' as const, seconds })),
      undefined,
      3,
    ],
    ['a first restore from a backup: about 15 minutes', 'PROVISION_FROM_BACKUP', [], 500 * MB, 15],
    ['measurements of other plans do not count', 'GLOBAL_FAILOVER', promotions(60, 60, 60), undefined, 5],
    ['measurements of 0 s do not count', 'PROMOTE_REPLICA', promotions(0, 0), undefined, 2],
    // Measured: the median, rounded up to the minute.
    ['the median of past promotions (odd count)', 'PROMOTE_REPLICA', promotions(60, 600, 90), undefined, 2],
    ['the median of past promotions (even count)', 'PROMOTE_REPLICA', promotions(60, 120, 180, 240), undefined, 3],
    ['one slow outlier does not move the estimate', 'PROMOTE_REPLICA', promotions(100, 110, 5000), undefined, 2],
    ['a failed 0 s measurement is ignored', 'PROMOTE_REPLICA', promotions(0, 0, 240), undefined, 4],
    ['never less than a minute', 'PROMOTE_REPLICA', promotions(5, 10, 20), undefined, 1],
    ['a second over a minute is two minutes', 'PROMOTE_REPLICA', promotions(61), undefined, 2],
    ['exactly ten minutes stays ten', 'PROMOTE_REPLICA', promotions(600), undefined, 10],
    // Over ten minutes: what a person would say, the next 5 minutes up.
    ['just over ten minutes is "about 15"', 'PROMOTE_REPLICA', promotions(601), undefined, 15],
    ['exactly twenty minutes stays twenty', 'PROMOTE_REPLICA', promotions(1200), undefined, 20],
    ['just over twenty minutes is "about 25"', 'PROMOTE_REPLICA', promotions(1201), undefined, 25],
    [
      'only the 20 most recent recoveries count (oldest first)',
      'PROMOTE_REPLICA',
      [...promotions(...Array<number>(25).fill(3000)), ...promotions(...Array<number>(20).fill(120))],
      undefined,
      2,
    ],
    // Restores: loading an RDB is linear in its size.
    [
      'a restore of twice the size takes twice as long',
      'PROVISION_FROM_BACKUP',
      restores([600, 100 * MB], [600, 100 * MB]),
      200 * MB,
      20,
    ],
    [
      'a restore of half the size takes half as long',
      'PROVISION_FROM_BACKUP',
      restores([1200, 400 * MB], [1200, 400 * MB]),
      200 * MB,
      10,
    ],
    [
      'a tiny backup still takes half the usual restore (creating the cluster)',
      'PROVISION_FROM_BACKUP',
      restores([600, 100 * MB], [600, 100 * MB]),
      1 * MB,
      5,
    ],
    [
      'without the size of this backup: the median restore',
      'PROVISION_FROM_BACKUP',
      restores([300, 100 * MB], [420, 100 * MB], [360, 100 * MB]),
      undefined,
      6,
    ],
    [
      'when a past restore has no size: the median restore',
      'PROVISION_FROM_BACKUP',
      restores([300, 100 * MB], [420], [360, 100 * MB]),
      1000 * MB,
      6,
    ],
  ])('%s', (_case, plan, history, backupSizeBytes, minutes) => {
    expect(estimateMinutes(plan, history, backupSizeBytes)).toBe(minutes);
  });
});
