/**
 * A provider outage whose caches wait for one decision, behind the real
 * console handler over the in-memory fakes: what the group page, the group
 * decision routes and the CLI's group commands are tested against.
 */
import { createHmac } from 'node:crypto';
import type { ConsoleEvent, ConsoleResult } from '../../functions/console/http';
import { makeHandler, type ConsoleDeps } from '../../functions/handlers/console';
import type { TaskResumer } from '../../functions/ports';
import { timeZoneOf } from '../../functions/domain/time-labels';
import { fakeWorld, lambdaContext } from '../fakes';

export const NOW = '2026-12-07T09:58:00.000Z';
export const GROUP = 'acme-redis-20261207T095000Z';
export const STEP = 'recovery-plan';
export const ID = {
  one: 'accounts-1-20261207T095000Z',
  two: 'accounts-2-20261207T095001Z',
  three: 'accounts-3-20261207T095002Z',
} as const;
export const tokenOf = (incidentId: string): string => `AQB8AAAA-task-token-of-${incidentId}-kept-server-side`;

/** Records every call Step Functions would receive. */
export class RecordingResumer implements TaskResumer {
  readonly calls: { kind: 'success' | 'failure' | 'heartbeat'; token: string }[] = [];
  async sendSuccess(taskToken: string) {
    this.calls.push({ kind: 'success', token: taskToken });
  }
  async sendFailure(taskToken: string) {
    this.calls.push({ kind: 'failure', token: taskToken });
  }
  async heartbeat(taskToken: string) {
    this.calls.push({ kind: 'heartbeat', token: taskToken });
  }
}

/**
 * acme-redis lost three caches: accounts-1 and accounts-2 wait for a decision on restoring from backup,
 * accounts-3 was resolved on its own (its replica was promoted without asking).
 */
export async function waitingGroupWorld() {
  const w = fakeWorld({ now: NOW });
  expect(await w.store.resolveGroup('acme-redis', '2026-12-07T09:50:00.000Z', 300)).toBe(GROUP);
  const members: [string, string, string][] = [
    [ID.one, 'accounts-1', '2026-12-07T09:50:00.000Z'],
    [ID.two, 'accounts-2', '2026-12-07T09:50:01.000Z'],
    [ID.three, 'accounts-3', '2026-12-07T09:50:02.000Z'],
  ];
  for (const [incidentId, cacheId, openedAt] of members) {
    await w.store.joinGroup(GROUP, incidentId, { cacheId, joinedAt: openedAt });
    w.store.seedIncident({
      incidentId,
      cacheId,
      openedAt,
      status: incidentId === ID.three ? 'RESOLVED' : 'OPEN',
      plan: incidentId === ID.three ? 'PROMOTE_REPLICA' : 'PROVISION_FROM_BACKUP',
      groupId: GROUP,
    });
  }
  await w.store.markMember(GROUP, ID.three, 'RESOLVED');
  for (const [incidentId, cacheId, , eta] of [
    [ID.one, 'accounts-1', '', 12],
    [ID.two, 'accounts-2', '', 9],
  ] as const) {
    await w.store.savePendingApproval(
      {
        incidentId,
        step: STEP,
        status: 'PENDING',
        requestedAt: '2026-12-07T09:52:00.000Z',
        facts: {
          plan: 'PROVISION_FROM_BACKUP',
          etaMinutes: eta,
          backupKey: `${cacheId}/2026-12-07T0900.rdb`,
          backupTakenAt: '2026-12-07T09:00:00.000Z',
          replacement: '2 × cache.r7g.large, valkey',
        },
        deadline: {
          escalatesAt: '2026-12-07T10:22:00.000Z',
          expiresAt: '2026-12-07T11:52:00.000Z',
          onTimeout: 'abort',
        },
      },
      tokenOf(incidentId),
    );
  }
  return { ...w, timeZone: timeZoneOf('America/New_York') };
}

export const SESSION = 'eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImRhbmFAZXhhbXBsZS5jb20ifQ.session-signature';
export const csrfOf = (session: string): string =>
  createHmac('sha256', session).update('cache-outage console form v1').digest('base64url');

export interface Request {
  method?: string;
  path: string;
  /** JSON body (sent as JSON), or a form (sent URL-encoded). */
  json?: unknown;
  form?: [string, string][];
  accept?: string;
  /** bearer (the CLI), cookie (a browser session), or the session cookie with this CSRF token. */
  as?: { kind: 'bearer' } | { kind: 'cookie'; csrf?: string };
  operator?: { username: string; groups: string };
}

/** The console handler over the world, as API Gateway invokes it. */
export function consoleOver(w: Awaited<ReturnType<typeof waitingGroupWorld>>) {
  const resumer = new RecordingResumer();
  const deps: ConsoleDeps = {
    ...w,
    resumer,
    redriver: { redrive: async () => undefined },
    signIn: {} as never,
  };
  const handler = makeHandler(deps);
  const send = async (r: Request): Promise<ConsoleResult & { statusCode: number; body: string }> => {
    const as = r.as ?? { kind: 'bearer' };
    const body =
      r.json !== undefined ? JSON.stringify(r.json) : r.form ? new URLSearchParams(r.form).toString() : undefined;
    const event = {
      rawPath: r.path,
      requestContext: {
        http: { method: r.method ?? (body === undefined ? 'GET' : 'POST') },
        domainName: 'console.example.test',
        authorizer: { lambda: r.operator ?? { username: 'dana@example.com', groups: 'operators' } },
      },
      headers: {
        accept: r.accept ?? 'application/json',
        ...(r.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(r.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(as.kind === 'bearer' ? { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.cli' } : {}),
      },
      ...(as.kind === 'cookie' ? { cookies: [`session=${SESSION}`] } : {}),
      ...(body !== undefined ? { body } : {}),
    };
    const result = (await handler(event as unknown as ConsoleEvent, lambdaContext('console'))) as ConsoleResult;
    return { ...result, statusCode: result.statusCode ?? 200, body: result.body ?? '' };
  };
  return { send, resumer, store: w.store };
}
