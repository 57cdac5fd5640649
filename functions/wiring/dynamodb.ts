/** DynamoDB adapters: one document client per container, shared by both tables. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';
import { documentClient, DynamoDbIncidentStore } from '../adapters/dynamodb-incident-store';
import { DynamoDbSourceOfTruth } from '../adapters/dynamodb-source-of-truth';
import type { IncidentStore, SourceOfTruth } from '../ports';

let client: DynamoDBDocumentClient | undefined;
function dynamoDbDocument(): DynamoDBDocumentClient {
  return (client ??= documentClient(new DynamoDBClient({ region: config.region })));
}

let store: IncidentStore | undefined;
export function incidentStore(): IncidentStore {
  return (store ??= new DynamoDbIncidentStore({ tableName: config.incidentsTable, client: dynamoDbDocument() }));
}

let source: SourceOfTruth | undefined;
export function sourceOfTruth(): SourceOfTruth {
  return (source ??= new DynamoDbSourceOfTruth({ client: dynamoDbDocument() }));
}
