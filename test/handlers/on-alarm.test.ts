import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { protectedCachesSchema } from '../../functions/domain/caches';
import { ValidationError } from '../../functions/domain/errors';
import { makeHandler, type OnAlarmDeps } from '../../functions/handlers/on-alarm';
import { FakeClock, FakeIncidentStore, FakeWorkflow, lambdaContext } from '../fakes';

const EVENTS = path.join(__dirname, '..', 'fixtures', 'events');
const load = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8')) as Record<string, unknown>;

/** The 255-character alarm name of one fixture, listed for sessions like the fixtures' other alarms. */
const UNICODE_NAME = (load('eventbridge-unicode-name-255.json') as { detail: { alarmName: string } }).detail.alarmName;

const CACHES = protectedCachesSchema.parse([
  {
    id: 'sessions',
    endpoint: { host: 'sessions.abc123.euw1.cache.amazonaws.com', port: 6379, tls: true },
    endpointParameter: '/cache-outage/sessions/endpoint',
    replicationGroupId: 'sessions-rg',
    alarmNames: ['sessions-cache-unreachable', 'sessions-no-healthy-node', UNICODE_NAME],
  },
  {
    id: 'profiles',
    endpoint: { host: 'profiles.abc123.euw1.cache.amazonaws.com', port: 6379 },
    endpointParameter: '/cache-outage/profiles/endpoint',
    replicationGroupId: 'profiles-rg',
    // The operators' own ElastiCache alarms on this group, listed so that they may open incidents.
    alarmNames: ['profiles-primary-connections-dropped', 'profiles-no-healthy-node'],
  },
]);

function setup(overrides: Partial<OnAlarmDeps['config']> = {}) {
  const clock = new FakeClock('2024-05-14T09:35:00.000Z');
  const store = new FakeIncidentStore(clock);
  const workflow = new FakeWorkflow();
  const handler = makeHandler({
    store,
    workflow,
    clock,
    config: {
      protectedCaches: CACHES,
      settings: {
        pollIntervalSeconds: 30,
        maxPolls: 40,
        approvalTimeoutSeconds: 1800,
        approvalHeartbeatSeconds: 600,
        approvalDefault: 'abort',
      },
      alarmMaxAgeSeconds: 3600,
      dedupTtlSeconds: 172800,
      ...overrides,
    },
  });
  const invoke = (event: unknown) => handler(event, lambdaContext('on-alarm'));
  return { clock, store, workflow, invoke };
}

/** Everything the logger wrote, stdout and stderr. */
let stdout: string[];
beforeEach(() => {
  stdout = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
});
afterEach(() => jest.restoreAllMocks());

const logLines = (): Record<string, unknown>[] =>
  stdout
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const VALID = readdirSync(EVENTS).filter((f) => f.endsWith('.json'));
const MALFORMED = readdirSync(path.join(EVENTS, 'malformed')).filter((f) => f.endsWith('.json'));

describe('on-alarm handler', () => {
  it.each(VALID)('%s: one outcome, one log line naming the alarm', async (file) => {
    const h = setup();
    const result = await h.invoke(load(file));
    expect(result.outcomes).toHaveLength(1);
    const [outcome] = result.outcomes;
    const lines = logLines().filter((l) => l.outcome !== undefined);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: outcome!.outcome, alarmName: outcome!.alarmName, step: 'on-alarm' });
    if ('cacheId' in outcome! && outcome.cacheId) expect(lines[0]!.cacheId).toBe(outcome.cacheId);
    if ('incidentId' in outcome! && outcome.incidentId) expect(lines[0]!.incidentId).toBe(outcome.incidentId);
  });

  it('refuses, logs and throws for an ALARM that names a protected cache only by its dimensions', async () => {
    const h = setup({ protectedCaches: protectedCachesSchema.parse(CACHES.map((c) => ({ ...c, alarmNames: [] }))) });
    const error = await h.invoke(load('sns-alarm.json')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      {
        path: 'alarmName',
        message: expect.stringContaining(
          'profiles-primary-connections-dropped concerns profiles only through its dimensions',
        ),
      },
    ]);
    expect(h.workflow.started()).toHaveLength(0);
    expect(logLines()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'alarm rejected',
        reason: 'unlisted-alarm',
        alarmName: 'profiles-primary-connections-dropped',
      }),
    );
  });

  it('opens an incident for the probe alarm and logs its id', async () => {
    const h = setup();
    const result = await h.invoke(load('eventbridge-probe-alarm.json'));
    expect(result.outcomes[0]).toMatchObject({
      outcome: 'started',
      cacheId: 'sessions',
      incidentId: 'sessions-20240514T093107Z',
    });
    expect(h.workflow.started()).toHaveLength(1);
    expect(logLines()).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'incident opened: recovery started',
        incidentId: 'sessions-20240514T093107Z',
        cacheId: 'sessions',
      }),
    );
  });

  it('never logs the raw event', async () => {
    const h = setup();
    await h.invoke(load('sns-alarm.json'));
    await h.invoke(load('eventbridge-probe-ok.json'));
    await h.invoke(load('malformed/sns-non-json-message.json')).catch(() => undefined);
    const all = stdout.join('');
    expect(all).not.toContain('Threshold Crossed');
    expect(all).not.toContain('EventSubscriptionArn');
    expect(all).not.toContain('Signature');
    expect(all).not.toContain('reasonData');
  });

  it.each(MALFORMED)('malformed/%s: logged, then ValidationError, nothing started', async (file) => {
    const h = setup();
    await expect(h.invoke(load(`malformed/${file}`))).rejects.toBeInstanceOf(ValidationError);
    expect(h.workflow.calls).toHaveLength(0);
    expect(h.store.dump()).toEqual([]);
    expect(logLines()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'step failed', errorName: 'ValidationError' }),
    );
  });

  it('rejects an alarm from another account with ValidationError after logging it, and starts nothing', async () => {
    const h = setup({ expectedAccountId: '999999999999' });
    await expect(h.invoke(load('eventbridge-probe-alarm.json'))).rejects.toMatchObject({ name: 'ValidationError' });
    expect(h.workflow.calls).toHaveLength(0);
    const lines = logLines();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'alarm rejected',
        reason: 'foreign-account',
        alarmName: 'sessions-cache-unreachable',
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ message: 'step failed', errorName: 'ValidationError' }));
  });

  it('returns normally for an alarm about an unknown cache, so Lambda does not retry it', async () => {
    const h = setup({ protectedCaches: [] });
    const result = await h.invoke(load('eventbridge-probe-alarm.json'));
    expect(result.outcomes[0]).toMatchObject({ outcome: 'ignored', reason: 'unknown-cache' });
    expect(logLines()).toContainEqual(expect.objectContaining({ message: 'alarm ignored', reason: 'unknown-cache' }));
  });

  it('lets a failing StartExecution propagate so the delivery is retried, and the retry starts it', async () => {
    const h = setup();
    h.workflow.failures.fail('start', Object.assign(new Error('Rate exceeded'), { name: 'TransientDependencyError' }));
    await expect(h.invoke(load('eventbridge-probe-alarm.json'))).rejects.toThrow('Rate exceeded');
    const retry = await h.invoke(load('eventbridge-probe-alarm.json'));
    expect(retry.outcomes[0]).toMatchObject({ outcome: 'started', alreadyStarted: false });
    expect(h.workflow.started()).toHaveLength(1);
  });
});
