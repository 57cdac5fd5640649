/**
 * The adapters the handlers use, built lazily from `config` and kept for the
 * life of the container (one client per AWS service). Endpoints come from the
 * SDK's own settings (`AWS_ENDPOINT_URL_<SERVICE>`), never from code here.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { config } from './config';
import { documentClient, DynamoDbIncidentStore } from './adapters/dynamodb-incident-store';
import { DynamoDbSourceOfTruth } from './adapters/dynamodb-source-of-truth';
import { ElastiCacheFleet } from './adapters/elasticache-fleet';
import { RedisProbe } from './adapters/redis-probe';
import { RedisWriter } from './adapters/redis-writer';
import { S3BackupCatalog } from './adapters/s3-backup-catalog';
import { SfnTaskResumer, SfnWorkflow } from './adapters/sfn-workflow';
import { SnsNotifier } from './adapters/sns-notifier';
import { SsmEndpointRecord } from './adapters/ssm-endpoint-record';
import { SsmSecretReader } from './adapters/ssm-secret-reader';
import {
  systemClock,
  type BackupCatalog,
  type CacheFleet,
  type CacheProbe,
  type CacheWriter,
  type Clock,
  type EndpointRecord,
  type IncidentConsoleStore,
  type IncidentStore,
  type Notifier,
  type SecretReader,
  type SourceOfTruth,
  type TaskResumer,
  type Workflow,
} from './ports';

function once<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}

const dynamoDbDocument = once(() => documentClient(new DynamoDBClient({ region: config.region })));
const sfnClient = once(() => new SFNClient({ region: config.region }));
const ssmClient = once(() => new SSMClient({ region: config.region }));

export const incidentStore: () => IncidentStore & IncidentConsoleStore = once(
  () => new DynamoDbIncidentStore({ tableName: config.incidentsTable, client: dynamoDbDocument() }),
);
export const workflow: () => Workflow = once(() => new SfnWorkflow(config.stateMachineArn, { client: sfnClient() }));
export const taskResumer: () => TaskResumer = once(() => new SfnTaskResumer({ client: sfnClient() }));
export const notifier: () => Notifier = once(
  () =>
    new SnsNotifier({
      statusTopicArn: config.statusTopicArn,
      operatorsTopicArn: config.operatorsTopicArn,
      region: config.region,
    }),
);
export const cacheProbe: () => CacheProbe = once(() => new RedisProbe());
export const cacheFleet: () => CacheFleet = once(() => new ElastiCacheFleet({ region: config.region }));
export const backupCatalog: () => BackupCatalog = once(
  () => new S3BackupCatalog({ region: config.region, forcePathStyle: config.s3ForcePathStyle }),
);
export const endpointRecord: () => EndpointRecord = once(() => new SsmEndpointRecord({ client: ssmClient() }));
export const secretReader: () => SecretReader = once(() => new SsmSecretReader({ client: ssmClient() }));
export const sourceOfTruth: () => SourceOfTruth = once(() => new DynamoDbSourceOfTruth({ client: dynamoDbDocument() }));
export const cacheWriter: () => CacheWriter = once(() => new RedisWriter());
export const clock: () => Clock = () => systemClock;
