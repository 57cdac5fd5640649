/**
 * Without a token, on the local stack's HTTP API (the same authorizer and
 * functions as in AWS): only the sign-in routes and the status page answer;
 * every other route of serverless.yml is refused or sent to sign-in with no
 * data. The status page, in every form, carries nothing but what customers
 * were told: no incident, group or cache name, endpoint or internal field.
 */
import path from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import { recordedIncidentItem } from '../../functions/adapters/dynamodb/layout';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import type { ExecutionInput } from '../../functions/domain/incident';
import { startStack, type LocalStack } from '../../local/stack';
import { readManifest } from '../../local/stack/serverless-manifest';
import { childProcesses } from '../e2e/processes';

jest.setTimeout(120_000);

const CACHE = 'sessions';
const INCIDENT = 'sessions-20250301T162400Z';
const PUBLIC = ['GET /login', 'GET /callback', 'GET /status', 'GET /status/feed.atom', 'GET /status.json'];
/** Names and fields that belong to operators, never to the status page. */
const INTERNAL =
  /sessions|incidentId|cacheId|groupId|executionArn|messageId|taskToken|endpoint|provider|"source"|"pk"|"sk"|"version"/i;

describe('the HTTP API without a token', () => {
  let stack: LocalStack;
  const routes = readManifest(path.join(__dirname, '..', '..')).functions.flatMap((f) =>
    f.httpRoutes.map((r) => ({ ...r, key: `${r.method} ${r.path}`, fn: f.name })),
  );

  beforeAll(async () => {
    stack = await startStack();
    const doc = documentClient(stack.clients.dynamodb);
    const tableName = stack.description.tables.incidents;
    const openedAt = new Date().toISOString();
    await new DynamoDbIncidentStore({ tableName, client: doc }).acquireOpenLock({
      cacheId: CACHE,
      incidentId: INCIDENT,
      executionName: INCIDENT,
      executionInput: { incidentId: INCIDENT, cacheId: CACHE, groupId: INCIDENT } as ExecutionInput,
      openedAt,
    });
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: recordedIncidentItem({
          incidentId: INCIDENT,
          cacheId: CACHE,
          openedAt,
          executionArn: `arn:aws:states:us-east-1:000000000000:execution:x:${INCIDENT}`,
          executionName: INCIDENT,
          triggerAlarm: 'probe',
        }),
      }),
    );
    const out = await stack.lambda.invoke('notify', { incidentId: INCIDENT, cacheId: CACHE, stage: 'INVESTIGATING' });
    expect(out).toMatchObject({ ok: true, payload: { published: true } });
  });
  afterAll(async () => {
    await stack?.stop();
    expect(childProcesses()).toEqual([]);
  });

  it('declares no route without the authorizer but sign-in and the status page', () => {
    expect(
      routes
        .filter((r) => !r.authorizer)
        .map((r) => r.key)
        .sort(),
    ).toEqual([...PUBLIC].sort());
  });

  it('answers every other route, as an API call or a page visit, with a refusal or sign-in and nothing of the incident', async () => {
    const base = stack.description.consoleUrl as string;
    for (const r of routes.filter((x) => x.authorizer)) {
      const url = base + r.path.replace('{id}', INCIDENT).replace('{step}', 'recovery-plan');
      for (const accept of ['application/json', 'text/html']) {
        const res = await fetch(url, { method: r.method, headers: { accept }, redirect: 'manual' });
        const body = await res.text();
        const where = `${r.key} (${accept}) → ${res.status}`;
        expect({
          where,
          ok:
            [401, 403].includes(res.status) ||
            (res.status === 302 && /\/login/.test(res.headers.get('location') ?? '')),
        }).toEqual({ where, ok: true });
        expect({ where, leaks: body.includes(CACHE) }).toEqual({ where, leaks: false });
      }
    }
  });

  it('serves the status page in every form with what customers were told and no internal field', async () => {
    const base = stack.description.consoleUrl as string;
    for (const p of ['/status', '/status/feed.atom', '/status.json']) {
      const res = await fetch(base + p);
      const body = await res.text();
      expect({ p, status: res.status }).toEqual({ p, status: 200 });
      expect(body).toContain('system outage');
      expect({ p, internal: INTERNAL.exec(body)?.[0] }).toEqual({ p, internal: undefined });
      expect(body).not.toContain('STATUS#'); // the item's key
    }
  });
});
