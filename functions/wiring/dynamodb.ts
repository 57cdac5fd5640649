/** DynamoDB adapters: one document client per container, shared by both tables. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';
import { documentClient, DynamoDbIncidentStore } from '../adapters/dynamodb-incident-store';
import { DynamoDbSourceOfTruth } from '../adapters/dynamodb-source-of-truth';
import { DynamoDbBackupRecords } from '../adapters/dynamodb/backups';
import { DynamoDbMirrorRecords } from '../adapters/dynamodb/mirror';
import { DynamoDbReadShares } from '../adapters/dynamodb/read-shares';
import { DynamoDbStatusPages } from '../adapters/dynamodb/status-page';
import type { BackupRecords, IncidentStore, MirrorRecords, ReadShares, SourceOfTruth, StatusPages } from '../ports';

let client: DynamoDBDocumentClient | undefined;
function dynamoDbDocument(): DynamoDBDocumentClient {
  return (client ??= documentClient(new DynamoDBClient({ region: config.region })));
}

let store: IncidentStore | undefined;
export function incidentStore(): IncidentStore {
  return (store ??= new DynamoDbIncidentStore({ tableName: config.incidentsTable, client: dynamoDbDocument() }));
}

let records: BackupRecords | undefined;
/** Each cache's backup status, on the incidents table. */
export function backupRecords(): BackupRecords {
  return (records ??= new DynamoDbBackupRecords({ tableName: config.incidentsTable, client: dynamoDbDocument() }));
}

let mirrors: MirrorRecords | undefined;
/** Each cache's warm-standby mirror status, on the incidents table. */
export function mirrorRecords(): MirrorRecords {
  return (mirrors ??= new DynamoDbMirrorRecords({ tableName: config.incidentsTable, client: dynamoDbDocument() }));
}

let source: SourceOfTruth | undefined;
export function sourceOfTruth(): SourceOfTruth {
  return (source ??= new DynamoDbSourceOfTruth({ client: dynamoDbDocument() }));
}

let shares: ReadShares | undefined;
/** The readers of each source-of-truth table and their leases, on the incidents table. */
export function readShares(): ReadShares {
  return (shares ??= new DynamoDbReadShares({ tableName: config.incidentsTable, client: dynamoDbDocument() }));
}

let pages: StatusPages | undefined;
/** The public status page's projection, on the incidents table. */
export function statusPages(): StatusPages {
  return (pages ??= new DynamoDbStatusPages({ tableName: config.incidentsTable, client: dynamoDbDocument() }));
}
