/**
 * The state machine's first step, Record Incident, writes the incident record
 * itself (a direct dynamodb:putItem). Run on the local Step Functions against
 * the local DynamoDB, the item it writes must be the one the store's layout
 * (functions/adapters/dynamodb/layout.ts) describes, so that neither changes
 * without the other.
 */
import '../../local/polyfills';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { documentClient, DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import { RECORD_INCIDENT_CONDITION, incidentKey, recordedIncidentItem } from '../../functions/adapters/dynamodb/layout';
import type { ExecutionInput } from '../../functions/domain/incident';
import { startDynamoDb } from '../../local/dynamodb';
import type { LocalService } from '../../local/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { startStepFunctions, type LocalStepFunctions } from '../../local/sfn';
import { readManifest, substitute } from '../../local/stack/serverless-manifest';
import { createIncidentsTable } from '../contracts/incidents-table';

const ROOT = path.join(__dirname, '..', '..');
const ASL = readFileSync(path.join(ROOT, 'statemachines', 'incident-recovery.asl.json'), 'utf8');
const TABLE = 'incidents';

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
    pollIntervalSeconds: 1,
    maxPolls: 1,
    approvalTimeoutSeconds: 30,
    approvalHeartbeatSeconds: 20,
    approvalDefault: 'abort',
  },
};

/** The cache answered throughout: the execution ends at False Alarm right after Record Incident. */
const FALSE_ALARM = {
  confirmed: false,
  endpoint: '127.0.0.1:6379',
  through: 'the endpoint record /p',
  from: 'here',
  auth: false,
  windowSeconds: 1,
  pings: [{ at: 't', ok: true, latencyMs: 1 }],
  at: 't',
};

describe('Record Incident (the ASL writes the incident record of the store layout)', () => {
  const credentials = { ...LOCAL_CREDENTIALS };
  let dynamo: LocalService;
  let dynamodb: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let sns: SNSClient;
  let sfnLocal: LocalStepFunctions;
  let sfn: SFNClient;
  let stateMachineArn: string;

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    dynamodb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials });
    documents = documentClient(dynamodb);
    await createIncidentsTable(dynamodb, TABLE);
    // Nothing on this path publishes; a stray publish fails at once instead of leaving the machine.
    sns = new SNSClient({ endpoint: 'http://127.0.0.1:9', region: LOCAL_REGION, credentials, maxAttempts: 1 });
    sfnLocal = await startStepFunctions({
      lambda: {
        invoke: async (functionName) =>
          functionName.endsWith(':ConfirmOutageFunctionArn')
            ? { ok: true, payload: FALSE_ALARM }
            : { ok: false, error: { errorType: 'Error', errorMessage: `${functionName} is not expected here` } },
      },
      clients: { dynamodb, sns },
      waitScale: 0.01,
    });
    sfn = new SFNClient({ endpoint: sfnLocal.endpoint, region: LOCAL_REGION, credentials });
    const placeholders = Object.keys(readManifest(ROOT).stateMachine.substitutions);
    const definition = substitute(
      ASL,
      Object.fromEntries(
        placeholders.map((p) => [
          p,
          p === 'IncidentsTable' ? TABLE : `arn:aws:lambda:us-east-1:000000000000:function:${p}`,
        ]),
      ),
    );
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'recovery',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
        type: 'STANDARD',
      }),
    );
    stateMachineArn = created.stateMachineArn as string;
  });

  afterAll(async () => {
    sfn?.destroy();
    await sfnLocal?.stop();
    sns?.destroy();
    dynamodb?.destroy();
    await dynamo?.stop();
  });

  async function run(name: string): Promise<string> {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    const done = await sfnLocal.waitForExecution(executionArn as string, 30_000);
    expect(done.status).toBe('SUCCEEDED');
    return executionArn as string;
  }

  const stored = async () =>
    (await documents.send(new GetCommand({ TableName: TABLE, Key: incidentKey(input.incidentId) }))).Item;

  it('writes exactly the item the layout builds, which the store reads and lists', async () => {
    const executionArn = await run('first');

    const expected = recordedIncidentItem({
      incidentId: input.incidentId,
      cacheId: input.cacheId,
      openedAt: input.openedAt,
      executionArn,
      executionName: 'first',
      triggerAlarm: input.trigger.alarmName,
    });
    expect(await stored()).toEqual(expected);
    const store = new DynamoDbIncidentStore({ tableName: TABLE, client: documents });
    const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...incident } = expected;
    expect(await store.getIncident(input.incidentId)).toEqual(incident);
    expect(await store.listIncidents(10)).toEqual([incident]);
  });

  it("guards the write with the layout's condition: a second execution leaves the first one's record", async () => {
    const before = await stored();

    await run('second');

    expect(await stored()).toEqual(before);
    const recordIncident = (JSON.parse(ASL) as { States: Record<string, { Parameters: Record<string, unknown> }> })
      .States['Record Incident'];
    expect(recordIncident?.Parameters.ConditionExpression).toBe(RECORD_INCIDENT_CONDITION);
  });
});
