import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { readManifest } from '../../local/stack/serverless-manifest';

const declared = readManifest(path.join(__dirname, '..', '..')).tables.find((t) => t.logicalId === 'IncidentsTable');

/** Creates a table with the incidents table's keys and indexes, as serverless.yml declares them; resolves once ACTIVE. */
export async function createIncidentsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if (!declared) throw new Error('serverless.yml declares no IncidentsTable');
  const table = declared.properties as unknown as CreateTableCommandInput;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: table.AttributeDefinitions,
      KeySchema: table.KeySchema,
      GlobalSecondaryIndexes: table.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection,
      })),
    }),
  );
  while ((await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus !== 'ACTIVE') {
    await sleep(10);
  }
}
