import 'aws-sdk-client-mock-jest';
import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import {
  ApprovalAlreadyDecidedError,
  IncidentNotFoundError,
  TransientDependencyError,
  ValidationError,
} from '../../functions/domain/errors';
import type { ExecutionInput } from '../../functions/domain/incident';
import type { OpenIncidentLock } from '../../functions/ports';
import { networkError, sdkError, serverError } from './aws-errors';

const ddb = mockClient(DynamoDBDocumentClient);
const NOW = new Date('2025-03-01T12:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const TABLE = 'incidents';

function store(): DynamoDbIncidentStore {
  return new DynamoDbIncidentStore({
    tableName: TABLE,
    client: ddb as unknown as DynamoDBDocumentClient,
    clock: { now: () => NOW },
  });
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const input: ExecutionInput = {
  incidentId: 'sessions-20250301T115900Z',
  cacheId: 'sessions',
  openedAt: '2025-03-01T11:59:00.000Z',
  trigger: {
    alarmName: 'sessions-down',
    source: 'eventbridge',
    reason: 'Threshold crossed',
    stateChangeTime: '2025-03-01T11:59:00.000Z',
  },
  settings: {
    pollIntervalSeconds: 30,
    maxPolls: 40,
    approvalTimeoutSeconds: 1800,
    approvalHeartbeatSeconds: 600,
    approvalDefault: 'abort',
  },
};
const lock: OpenIncidentLock = {
  cacheId: 'sessions',
  incidentId: input.incidentId,
  executionName: 'sessions-exec',
  executionInput: input,
  openedAt: input.openedAt,
};

afterEach(() => ddb.reset());

describe('open-incident lock', () => {
  it('takes the lock with a conditional put that expires after 7 days', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const result = await store().acquireOpenLock(lock);

    // Assess
    expect(result).toEqual({ acquired: true });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: expect.objectContaining({
        pk: 'CACHE#sessions',
        sk: 'OPEN',
        incidentId: input.incidentId,
        executionInput: input,
        expiresAt: NOW_S + 7 * 24 * 3600,
      }),
    });
  });

  it('returns the lock already held by another incident', async () => {
    // Prepare
    const held = { ...lock, incidentId: 'sessions-20250301T100000Z' };
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { pk: 'CACHE#sessions', sk: 'OPEN', expiresAt: 1, ...held } });

    // Act
    const result = await store().acquireOpenLock(lock);

    // Assess
    expect(result).toEqual({ acquired: false, existing: held });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'CACHE#sessions', sk: 'OPEN' },
      ConsistentRead: true,
    });
  });

  it('tries again when the lock was released between the put and the read', async () => {
    // Prepare
    ddb.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(GetCommand).resolves({});

    // Act
    const result = await store().acquireOpenLock(lock);

    // Assess
    expect(result).toEqual({ acquired: true });
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
  });

  it('reports throttling as a transient failure', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act
    const attempt = store().acquireOpenLock(lock);

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });

  it('releases only its own lock and ignores a lock that is gone', async () => {
    // Prepare
    ddb.on(DeleteCommand).rejects(conditionFailed());

    // Act
    await store().releaseOpenLock('sessions', input.incidentId);

    // Assess
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: 'CACHE#sessions', sk: 'OPEN' },
      ConditionExpression: 'incidentId = :incidentId',
      ExpressionAttributeValues: { ':incidentId': input.incidentId },
    });
  });
});

describe('delivery markers', () => {
  it('records a first delivery with its expiry', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const first = await store().markDelivery('abc', 3600);

    // Assess
    expect(first).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { pk: 'DELIVERY#abc', sk: 'DELIVERY', expiresAt: NOW_S + 3600 },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': NOW_S },
    });
  });

  it('answers false for a delivery seen before', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed());

    // Act
    const first = await store().markDelivery('abc', 3600);

    // Assess
    expect(first).toBe(false);
  });
});

describe('incident record', () => {
  it('reads the incident without its key attributes', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'INCIDENT#i-1',
        sk: 'META',
        gsi1pk: 'INCIDENT',
        gsi1sk: 'x',
        incidentId: 'i-1',
        cacheId: 'c',
        status: 'OPEN',
        openedAt: 'x',
        executionName: 'e',
      },
    });

    // Act
    const incident = await store().getIncident('i-1');

    // Assess
    expect(incident).toEqual({ incidentId: 'i-1', cacheId: 'c', status: 'OPEN', openedAt: 'x', executionName: 'e' });
  });

  it('answers undefined for an unknown incident', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});

    // Act
    const incident = await store().getIncident('nope');

    // Assess
    expect(incident).toBeUndefined();
  });

  it('updates only the fields given, skipping undefined ones', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});

    // Act
    await store().updateIncident('i-1', {
      status: 'RESOLVED',
      resolvedAt: '2025-03-01T12:30:00Z',
      plan: undefined,
      outageSeconds: 90,
    });

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'INCIDENT#i-1', sk: 'META' },
      UpdateExpression: 'SET #f0 = :v0, #f1 = :v1, #f2 = :v2',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#f0': 'status', '#f1': 'resolvedAt', '#f2': 'outageSeconds' },
      ExpressionAttributeValues: { ':v0': 'RESOLVED', ':v1': '2025-03-01T12:30:00Z', ':v2': 90 },
    });
  });

  it('sends nothing when there is nothing to change', async () => {
    // Act
    await store().updateIncident('i-1', { plan: undefined });

    // Assess
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('refuses to change key fields', async () => {
    // Act
    const attempt = store().updateIncident('i-1', { gsi1pk: 'OTHER' });

    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('reports an update of a missing incident as IncidentNotFoundError', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const attempt = store().updateIncident('ghost', { status: 'FAILED' });

    // Assess
    await expect(attempt).rejects.toThrow(IncidentNotFoundError);
  });

  it.each([
    ['a 5xx', serverError()],
    ['a network failure', networkError()],
    ['throttling', sdkError('ThrottlingException')],
  ])('reports %s as transient', async (_what, err) => {
    // Prepare
    ddb.on(UpdateCommand).rejects(err);

    // Act
    const attempt = store().updateIncident('i-1', { status: 'FAILED' });

    // Assess
    await expect(attempt).rejects.toThrow(TransientDependencyError);
  });

  it('passes a client error through unchanged', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(sdkError('ValidationException'));

    // Act
    const attempt = store().updateIncident('i-1', { status: 'FAILED' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('timeline', () => {
  it('appends an event under a sortable, unique sort key', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const event = {
      at: '2025-03-01T12:00:01.000Z',
      type: 'ASSESSED' as const,
      message: 'Replica healthy',
      detail: { plan: 'PROMOTE_REPLICA' },
    };

    // Act
    await store().appendTimeline('i-1', event);
    await store().appendTimeline('i-1', event);

    // Assess
    const items = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item as Record<string, unknown>);
    expect(items[0]).toEqual({
      pk: 'INCIDENT#i-1',
      sk: expect.stringMatching(/^EVENT#2025-03-01T12:00:01\.000Z#[0-9a-f]{8}$/),
      ...event,
    });
    expect(items[0]?.sk).not.toBe(items[1]?.sk);
  });

  it('reads every page of events, oldest first', async () => {
    // Prepare
    const ev = (at: string) => ({ pk: 'INCIDENT#i-1', sk: `EVENT#${at}#00000000`, at, type: 'ALARM', message: at });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [ev('t1'), ev('t2')], LastEvaluatedKey: { pk: 'INCIDENT#i-1', sk: 'EVENT#t2#00000000' } })
      .resolvesOnce({ Items: [ev('t3')] });

    // Act
    const events = await store().timeline('i-1');

    // Assess
    expect(events).toEqual([
      { at: 't1', type: 'ALARM', message: 't1' },
      { at: 't2', type: 'ALARM', message: 't2' },
      { at: 't3', type: 'ALARM', message: 't3' },
    ]);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, QueryCommand, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'INCIDENT#i-1', ':prefix': 'EVENT#' },
      ScanIndexForward: true,
    });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, QueryCommand, {
      ExclusiveStartKey: { pk: 'INCIDENT#i-1', sk: 'EVENT#t2#00000000' },
    });
  });
});

describe('notice markers', () => {
  it('claims a notice that was never sent (or claimed but never confirmed)', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const claim = await store().claimNotice('i-1', 'ETA');

    // Assess
    expect(claim).toBe('claimed');
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { pk: 'INCIDENT#i-1', sk: 'NOTICE#ETA', status: 'CLAIMED', claimedAt: NOW.toISOString() },
      ConditionExpression: 'attribute_not_exists(pk) OR #status = :claimed',
      ExpressionAttributeValues: { ':claimed': 'CLAIMED' },
    });
  });

  it('answers sent when the notice was already published', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed());

    // Act
    const claim = await store().claimNotice('i-1', 'ETA');

    // Assess
    expect(claim).toBe('sent');
  });

  it('confirms a notice with its message id', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});

    // Act
    await store().confirmNotice('i-1', 'ETA', 'msg-1', { subject: 'S', text: 'T' });

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'INCIDENT#i-1', sk: 'NOTICE#ETA' },
      ExpressionAttributeValues: expect.objectContaining({
        ':sent': 'SENT',
        ':messageId': 'msg-1',
        ':subject': 'S',
        ':text': 'T',
      }),
    });
  });
});

describe('approvals', () => {
  const approval = {
    incidentId: 'i-1',
    step: 'recovery-plan',
    status: 'PENDING' as const,
    requestedAt: '2025-03-01T12:00:00Z',
    facts: { plan: 'PROVISION_FROM_BACKUP' },
  };

  it('stores the task token with the pending approval and writes nothing to the logs', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    await store().savePendingApproval(approval, 'TOKEN-123');

    // Assess
    const written = [...stdout.mock.calls, ...stderr.mock.calls].map((c) => String(c[0])).join('');
    stdout.mockRestore();
    stderr.mockRestore();
    expect(written).not.toContain('TOKEN-123');
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { pk: 'INCIDENT#i-1', sk: 'APPROVAL#recovery-plan', ...approval, taskToken: 'TOKEN-123' },
    });
  });

  it('returns the token of a pending approval separately from what is displayed', async () => {
    // Prepare
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: 'INCIDENT#i-1', sk: 'APPROVAL#recovery-plan', ...approval, taskToken: 'TOKEN-123' } });

    // Act
    const found = await store().pendingApproval('i-1', 'recovery-plan');

    // Assess
    expect(found).toEqual({ approval, taskToken: 'TOKEN-123' });
  });

  it('lists approvals without reading task tokens', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [approval] });

    // Act
    const list = await store().approvals('i-1');

    // Assess
    expect(list).toEqual([approval]);
    const query = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query?.ProjectionExpression).not.toContain('taskToken');
  });

  it('records a decision once and refuses a second one', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolvesOnce({}).rejects(conditionFailed());
    const decision = { status: 'APPROVED' as const, decidedBy: 'ana', decidedAt: '2025-03-01T12:05:00Z', reason: 'go' };

    // Act
    await store().decideApproval('i-1', 'recovery-plan', decision);
    const second = store().decideApproval('i-1', 'recovery-plan', { ...decision, status: 'REJECTED' });

    // Assess
    await expect(second).rejects.toThrow(ApprovalAlreadyDecidedError);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, UpdateCommand, {
      ConditionExpression: '#status = :pending',
      ExpressionAttributeValues: expect.objectContaining({
        ':status': 'APPROVED',
        ':by': 'ana',
        ':pending': 'PENDING',
      }),
    });
  });
});

describe('recovery statistics and incident list', () => {
  it('records a measured recovery under its plan', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    await store().recordRecovery({
      plan: 'PROMOTE_REPLICA',
      seconds: 95,
      incidentId: 'i-1',
      at: '2025-03-01T12:10:00Z',
    });

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: {
        pk: 'STATS#PROMOTE_REPLICA',
        sk: '2025-03-01T12:10:00Z#i-1',
        plan: 'PROMOTE_REPLICA',
        incidentId: 'i-1',
        at: '2025-03-01T12:10:00Z',
        seconds: 95,
      },
    });
  });

  it('returns the newest recoveries, oldest first', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({
      Items: [
        { seconds: 300, backupSizeBytes: 2000 },
        { seconds: 200, backupSizeBytes: 1000 },
      ],
    });

    // Act
    const history = await store().recentRecoveries('PROVISION_FROM_BACKUP', 2);

    // Assess
    expect(history).toEqual([
      { plan: 'PROVISION_FROM_BACKUP', seconds: 200, backupSizeBytes: 1000 },
      { plan: 'PROVISION_FROM_BACKUP', seconds: 300, backupSizeBytes: 2000 },
    ]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'STATS#PROVISION_FROM_BACKUP' },
      ScanIndexForward: false,
      Limit: 2,
    });
  });

  it('lists incidents newest first from the gsi1 index', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolves({ Items: [{ pk: 'INCIDENT#b', sk: 'META', gsi1pk: 'INCIDENT', gsi1sk: 't2', incidentId: 'b' }] });

    // Act
    const list = await store().listIncidents(20);

    // Assess
    expect(list).toEqual([{ incidentId: 'b' }]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'gsi1', ScanIndexForward: false, Limit: 20 });
  });
});
