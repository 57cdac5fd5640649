/**
 * In-memory IncidentStore over the same
 * single-table items the DynamoDB adapter writes, with the same conditional
 * semantics: the open-incident lock is a put-if-absent (its TTL is only a
 * safety net), delivery markers count as absent once expired, updates of a
 * missing incident fail with IncidentNotFoundError, notice markers go
 * CLAIMED → SENT, approvals are decided once, and measured recoveries are
 * keyed so a re-record overwrites instead of duplicating.
 */
import { ApprovalAlreadyDecidedError, IncidentNotFoundError, ValidationError } from '../../functions/domain/errors';
import type { MeasuredRecovery } from '../../functions/domain/eta';
import type { Incident, RecoveryPlan, TimelineEvent } from '../../functions/domain/incident';
import {
  systemClock,
  type ApprovalDecisionRecord,
  type Clock,
  type IncidentStore,
  type OpenIncidentLock,
  type PendingApproval,
} from '../../functions/ports';
import { Failures, copy } from './failures';

export type Item = Record<string, unknown> & { pk: string; sk: string };

const LOCK_TTL_SECONDS = 7 * 24 * 3600;
const KEY_FIELDS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
const IMMUTABLE_INCIDENT_FIELDS = [...KEY_FIELDS, 'incidentId', 'cacheId', 'openedAt'];

function withoutKeys(item: Item): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_FIELDS.includes(k)) out[k] = v;
  return out;
}

export class FakeIncidentStore implements IncidentStore {
  readonly failures = new Failures<keyof IncidentStore>();
  private readonly items = new Map<string, Item>();
  private eventSeq = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  // ---- raw table access, for assertions and seeding ----

  get(pk: string, sk: string): Item | undefined {
    return copy(this.items.get(`${pk}\u0000${sk}`));
  }

  put(item: Item): void {
    this.items.set(`${item.pk}\u0000${item.sk}`, copy(item));
  }

  delete(pk: string, sk: string): void {
    this.items.delete(`${pk}\u0000${sk}`);
  }

  /** Items of one partition, sorted by sort key, like a Query. */
  query(pk: string, skPrefix = ''): Item[] {
    return [...this.items.values()]
      .filter((i) => i.pk === pk && i.sk.startsWith(skPrefix))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
      .map((i) => copy(i));
  }

  /** What the state machine's Record Incident writes. */
  seedIncident(incident: Partial<Incident> & Pick<Incident, 'incidentId' | 'cacheId'>): Incident {
    const full: Incident = {
      status: 'OPEN',
      openedAt: this.clock.now().toISOString(),
      executionName: `exec-${incident.incidentId}`,
      ...incident,
    };
    this.put({ pk: `INCIDENT#${full.incidentId}`, sk: 'META', gsi1pk: 'INCIDENT', gsi1sk: full.openedAt, ...full });
    return full;
  }

  /** The cache's open-incident lock held by an incident, as on-alarm takes it before starting the workflow. */
  seedLock(cacheId: string, incidentId: string): void {
    this.put({
      pk: `CACHE#${cacheId}`,
      sk: 'OPEN',
      cacheId,
      incidentId,
      executionName: `exec-${incidentId}`,
      executionInput: {},
      openedAt: this.clock.now().toISOString(),
      expiresAt: this.nowSeconds() + LOCK_TTL_SECONDS,
    });
  }

  /** Every item, for debugging a failing test. */
  dump(): Item[] {
    return [...this.items.values()].map((i) => copy(i));
  }

  // ---- IncidentStore ----

  async acquireOpenLock(
    lock: OpenIncidentLock,
  ): Promise<{ acquired: true } | { acquired: false; existing: OpenIncidentLock }> {
    this.failures.check('acquireOpenLock');
    // Check and put in one synchronous step, as DynamoDB's conditional put is atomic.
    if (this.get(`CACHE#${lock.cacheId}`, 'OPEN')) {
      const existing = await this.getOpenLock(lock.cacheId);
      if (existing) return { acquired: false, existing };
    }
    this.put({ pk: `CACHE#${lock.cacheId}`, sk: 'OPEN', ...lock, expiresAt: this.nowSeconds() + LOCK_TTL_SECONDS });
    return { acquired: true };
  }

  async getOpenLock(cacheId: string): Promise<OpenIncidentLock | undefined> {
    this.failures.check('getOpenLock');
    const item = this.get(`CACHE#${cacheId}`, 'OPEN');
    if (!item) return undefined;
    const { cacheId: c, incidentId, executionName, executionInput, openedAt } = item as unknown as OpenIncidentLock;
    return { cacheId: c, incidentId, executionName, executionInput, openedAt };
  }

  /** Deletes the lock only when it belongs to this incident (condition on incidentId). */
  async releaseOpenLock(cacheId: string, incidentId: string): Promise<void> {
    this.failures.check('releaseOpenLock');
    const item = this.get(`CACHE#${cacheId}`, 'OPEN');
    if (item && item.incidentId === incidentId) this.delete(`CACHE#${cacheId}`, 'OPEN');
  }

  async markDelivery(key: string, ttlSeconds: number): Promise<boolean> {
    this.failures.check('markDelivery');
    if (this.live(`DELIVERY#${key}`, 'DELIVERY')) return false;
    this.put({ pk: `DELIVERY#${key}`, sk: 'DELIVERY', expiresAt: this.nowSeconds() + ttlSeconds });
    return true;
  }

  async getIncident(incidentId: string): Promise<Incident | undefined> {
    this.failures.check('getIncident');
    const item = this.get(`INCIDENT#${incidentId}`, 'META');
    if (!item) return undefined;
    return withoutKeys(item) as unknown as Incident;
  }

  /** Incident fields plus whatever else the caller records (e.g. `stage`); undefined values are ignored. */
  incident(incidentId: string): (Incident & Record<string, unknown>) | undefined {
    return this.get(`INCIDENT#${incidentId}`, 'META') as (Incident & Record<string, unknown>) | undefined;
  }

  async updateIncident(
    incidentId: string,
    changes: Partial<Omit<Incident, 'incidentId' | 'cacheId' | 'openedAt'>> & Record<string, unknown>,
  ): Promise<void> {
    this.failures.check('updateIncident');
    const item = this.get(`INCIDENT#${incidentId}`, 'META');
    if (!item) throw new IncidentNotFoundError(`incident ${incidentId} does not exist`);
    for (const [k, v] of Object.entries(changes)) {
      if (IMMUTABLE_INCIDENT_FIELDS.includes(k) && v !== undefined) {
        throw new ValidationError('incident update', [{ path: k, message: 'cannot be changed' }]);
      }
    }
    for (const [k, v] of Object.entries(changes)) if (v !== undefined) item[k] = v;
    this.put(item);
  }

  async markAttempt(
    incidentId: string,
    change: { status: 'FAILED' | 'OPEN'; attempt: number; fields?: Partial<Pick<Incident, 'failedAt' | 'error'>> },
  ): Promise<boolean> {
    this.failures.check('markAttempt');
    const item = this.get(`INCIDENT#${incidentId}`, 'META');
    if (!item) return false;
    const last = typeof item.attempt === 'number' ? item.attempt : undefined;
    const allowed =
      change.status === 'FAILED'
        ? item.status !== 'RESOLVED' && (last === undefined || last <= change.attempt)
        : item.status === 'FAILED' && (last === undefined || last < change.attempt);
    if (!allowed) return false;
    for (const [k, v] of Object.entries(change.fields ?? {})) if (v !== undefined) item[k] = v;
    item.status = change.status;
    item.attempt = change.attempt;
    this.put(item);
    return true;
  }

  async appendTimeline(incidentId: string, event: TimelineEvent): Promise<void> {
    this.failures.check('appendTimeline');
    const suffix = (this.eventSeq++).toString(16).padStart(8, '0');
    this.put({ pk: `INCIDENT#${incidentId}`, sk: `EVENT#${event.at}#${suffix}`, ...event });
  }

  async timeline(incidentId: string): Promise<TimelineEvent[]> {
    this.failures.check('timeline');
    return this.query(`INCIDENT#${incidentId}`, 'EVENT#').map(({ at, type, message, detail }) => ({
      at: at as string,
      type: type as TimelineEvent['type'],
      message: message as string,
      ...(detail ? { detail: detail as Record<string, unknown> } : {}),
    }));
  }

  /** Timeline event types in order, for assertions. */
  async timelineTypes(incidentId: string): Promise<TimelineEvent['type'][]> {
    return (await this.timeline(incidentId)).map((e) => e.type);
  }

  async claimNotice(incidentId: string, stage: string): Promise<'claimed' | 'sent'> {
    this.failures.check('claimNotice');
    const item = this.get(`INCIDENT#${incidentId}`, `NOTICE#${stage}`);
    if (item?.status === 'SENT') return 'sent';
    this.put({
      pk: `INCIDENT#${incidentId}`,
      sk: `NOTICE#${stage}`,
      status: 'CLAIMED',
      claimedAt: this.clock.now().toISOString(),
    });
    return 'claimed';
  }

  async confirmNotice(
    incidentId: string,
    stage: string,
    messageId: string,
    notice: { subject: string; text: string },
  ): Promise<void> {
    this.failures.check('confirmNotice');
    const item = this.get(`INCIDENT#${incidentId}`, `NOTICE#${stage}`) ?? {
      pk: `INCIDENT#${incidentId}`,
      sk: `NOTICE#${stage}`,
    };
    this.put({ ...item, status: 'SENT', messageId, sentAt: this.clock.now().toISOString(), ...notice });
  }

  notice(incidentId: string, stage: string): Item | undefined {
    return this.get(`INCIDENT#${incidentId}`, `NOTICE#${stage}`);
  }

  async savePendingApproval(approval: PendingApproval, taskToken: string): Promise<void> {
    this.failures.check('savePendingApproval');
    this.put({ pk: `INCIDENT#${approval.incidentId}`, sk: `APPROVAL#${approval.step}`, ...approval, taskToken });
  }

  approval(incidentId: string, step: string): (PendingApproval & { taskToken: string }) | undefined {
    const item = this.get(`INCIDENT#${incidentId}`, `APPROVAL#${step}`);
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = item;
    return rest as unknown as PendingApproval & { taskToken: string };
  }

  async recordRecovery(measured: MeasuredRecovery & { incidentId: string; at: string }): Promise<void> {
    this.failures.check('recordRecovery');
    this.put({ pk: `STATS#${measured.plan}`, sk: `${measured.at}#${measured.incidentId}`, ...measured });
  }

  /** The newest `limit` recoveries of the plan, oldest first. */
  async recentRecoveries(plan: RecoveryPlan, limit: number): Promise<MeasuredRecovery[]> {
    this.failures.check('recentRecoveries');
    return this.query(`STATS#${plan}`)
      .slice(-limit)
      .map((i) => ({
        plan: i.plan as RecoveryPlan,
        seconds: i.seconds as number,
        ...(typeof i.backupSizeBytes === 'number' ? { backupSizeBytes: i.backupSizeBytes } : {}),
      }));
  }

  async listIncidents(limit: number): Promise<Incident[]> {
    this.failures.check('listIncidents');
    return this.dump()
      .filter((i) => i.gsi1pk === 'INCIDENT')
      .sort((a, b) => String(b.gsi1sk).localeCompare(String(a.gsi1sk)))
      .slice(0, Math.max(0, limit))
      .map((i) => withoutKeys(i) as unknown as Incident);
  }

  async approvals(incidentId: string): Promise<PendingApproval[]> {
    this.failures.check('approvals');
    return this.query(`INCIDENT#${incidentId}`, 'APPROVAL#').map((i) => {
      const { taskToken: _token, ...rest } = withoutKeys(i);
      return rest as unknown as PendingApproval;
    });
  }

  async pendingApproval(
    incidentId: string,
    step: string,
  ): Promise<{ approval: PendingApproval; taskToken: string } | undefined> {
    this.failures.check('pendingApproval');
    const found = this.approval(incidentId, step);
    if (!found) return undefined;
    const { taskToken, ...approval } = found;
    return { approval, taskToken };
  }

  /** Conditional on the approval being PENDING (a missing approval fails the condition too). */
  async decideApproval(incidentId: string, step: string, decision: ApprovalDecisionRecord): Promise<void> {
    this.failures.check('decideApproval');
    const item = this.get(`INCIDENT#${incidentId}`, `APPROVAL#${step}`);
    if (!item || item.status !== 'PENDING') {
      throw new ApprovalAlreadyDecidedError(`approval ${step} of incident ${incidentId} is not pending`);
    }
    this.put({ ...item, ...decision });
  }

  async markApprovalResumed(incidentId: string, step: string, at: string): Promise<void> {
    this.failures.check('markApprovalResumed');
    const item = this.get(`INCIDENT#${incidentId}`, `APPROVAL#${step}`);
    if (!item) throw new IncidentNotFoundError(`no approval ${step} for incident ${incidentId}`);
    this.put({ ...item, resumedAt: at });
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  /** An item that exists and has not expired (`expiresAt < now` counts as absent; TTL deletion lags). */
  private live(pk: string, sk: string): Item | undefined {
    const item = this.get(pk, sk);
    if (!item) return undefined;
    if (typeof item.expiresAt === 'number' && item.expiresAt < this.nowSeconds()) return undefined;
    return item;
  }
}
