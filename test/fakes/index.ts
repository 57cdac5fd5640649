/**
 * In-memory fakes of every port in functions/ports/, and a `fakeWorld()`
 * that wires them together with test configuration.
 */
import type { Context } from 'aws-lambda';
import templatesDocument from '../../config/notices.json';
import { protectedCacheSchema, type ProtectedCache } from '../../functions/domain/caches';
import type { ApprovalPolicy } from '../../functions/domain/recovery';
import { parseTemplates } from '../../functions/domain/notices';
import { FakeBackupCatalog } from './backup-catalog';
import { FakeBackupRecords } from './backup-records';
import { FakeCacheFleet } from './cache-fleet';
import { FakeCacheProbe } from './cache-probe';
import { FakeCacheWriter } from './cache-writer';
import { FakeClock } from './clock';
import { FakeEndpointRecord } from './endpoint-record';
import { FakeExecutionReader } from './executions';
import { FakeIncidentStore } from './incident-store';
import { FakeMirrorRecords } from './mirror-records';
import { FakeNotifier } from './notifier';
import { FakeReadShares } from './read-shares';
import { FakeSecretReader } from './secret-reader';
import { FakeSourceOfTruth } from './source-of-truth';
import { FakeWorkflow } from './workflow';

export { FakeBackupCatalog, rdbBytes } from './backup-catalog';
export { FakeBackupRecords } from './backup-records';
export { FakeCacheFleet } from './cache-fleet';
export { FakeCacheProbe, endpointKey } from './cache-probe';
export { FakeCacheWriter } from './cache-writer';
export { FakeClock } from './clock';
export { FakeEndpointRecord } from './endpoint-record';
export { FakeExecutionReader } from './executions';
export { Failures } from './failures';
export { FakeIncidentStore } from './incident-store';
export { FakeKeyspaceMirror } from './keyspace-mirror';
export { FakeMirrorRecords } from './mirror-records';
export { FakeNotifier } from './notifier';
export { FakeReadShares } from './read-shares';
export { FakeSecretReader } from './secret-reader';
export { FakeSourceOfTruth } from './source-of-truth';
export { FakeWorkflow } from './workflow';

/** A protected cache as PROTECTED_CACHES would configure it (schema defaults applied). */
export function testCache(overrides: Record<string, unknown> = {}): ProtectedCache {
  return protectedCacheSchema.parse({
    id: 'sessions',
    displayName: 'sessions',
    endpoint: { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true },
    endpointParameter: '/cache/sessions/endpoint',
    // Replacements use in-transit encryption, which ElastiCache allows only with a cache subnet group.
    replacement: { cacheSubnetGroupName: 'cache-private' },
    ...overrides,
  });
}

export const TEST_TEMPLATES = parseTemplates(templatesDocument);

/** Every fake, plus configuration, under the names the use cases' deps use. */
export function fakeWorld(
  options: { caches?: ProtectedCache[]; now?: string; approvalPolicy?: ApprovalPolicy; consoleUrl?: string } = {},
) {
  const clock = new FakeClock(options.now);
  const backups = new FakeBackupCatalog();
  return {
    clock,
    store: new FakeIncidentStore(clock),
    notifier: new FakeNotifier(),
    probe: new FakeCacheProbe(),
    fleet: new FakeCacheFleet(),
    backups,
    backupStore: backups,
    backupRecords: new FakeBackupRecords(),
    mirrorRecords: new FakeMirrorRecords(),
    endpoints: new FakeEndpointRecord(),
    secrets: new FakeSecretReader(),
    source: new FakeSourceOfTruth(),
    shares: new FakeReadShares(clock),
    writer: new FakeCacheWriter(clock),
    workflow: new FakeWorkflow(),
    executions: new FakeExecutionReader(),
    caches: options.caches ?? [testCache()],
    templates: TEST_TEMPLATES,
    notices: {
      serviceName: 'Acme',
      supportContact: 'support@acme.test',
      ...(options.consoleUrl ? { consoleUrl: options.consoleUrl } : {}),
    },
    approvalPolicy: options.approvalPolicy ?? { requireApprovalFor: ['PROVISION_FROM_BACKUP', 'GLOBAL_FAILOVER'] },
    probeTimeoutMs: 200,
    region: 'us-east-1',
  };
}
export type FakeWorld = ReturnType<typeof fakeWorld>;

/** A Lambda context good enough for the middy wrapper and the logger. */
export function lambdaContext(functionName = 'test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: '00000000-0000-4000-8000-000000000000',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The console's collaborators a test of its pages and forms never reaches: resuming an execution, redriving, signing in. */
export const UNUSED_CONSOLE_PARTS = {
  resumer: {
    sendSuccess: async () => undefined,
    sendFailure: async () => undefined,
    heartbeat: async () => undefined,
  },
  redriver: { redrive: async () => undefined },
  signIn: {} as never,
};
