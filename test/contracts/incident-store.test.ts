/**
 * The incident store contract, run against the fake the use-case tests use
 * and against the DynamoDB adapter on the local DynamoDB (dynalite, on
 * 127.0.0.1), each test on a fresh table declared as serverless.yml declares it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient, DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import { RECORD_INCIDENT_CONDITION, recordedIncidentItem } from '../../functions/adapters/dynamodb/layout';
import { startDynamoDb } from '../../local/dynamodb';
import type { LocalService } from '../../local/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';
import { FakeClock } from '../fakes/clock';
import { FakeIncidentStore } from '../fakes/incident-store';
import { describeIncidentStoreContract } from './incident-store.contract';
import { createIncidentsTable } from './incidents-table';

describeIncidentStoreContract('FakeIncidentStore', async () => {
  const clock = new FakeClock();
  const store = new FakeIncidentStore(clock);
  return { store, clock, recordIncident: async (incident) => void store.seedIncident(incident) };
});

describe('on the local DynamoDB', () => {
  let dynamo: LocalService;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    documents = documentClient(client);
  });

  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  describeIncidentStoreContract('DynamoDbIncidentStore', async () => {
    const tableName = `incidents-${++tables}`;
    await createIncidentsTable(client, tableName);
    const clock = new FakeClock();
    return {
      store: new DynamoDbIncidentStore({ tableName, client: documents, clock }),
      clock,
      recordIncident: async (incident) => {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: recordedIncidentItem(incident),
            ConditionExpression: RECORD_INCIDENT_CONDITION,
            ExpressionAttributeValues: { ':self': incident.executionArn },
          }),
        );
      },
    };
  });
});
