/**
 * `npm run stack -- [--keys N]`
 *
 * Starts the local AWS stack with the resources serverless.yml declares, a
 * protected cache filled with seed data, the probe watching it and its
 * scheduled backup (at once, then every 15 scaled minutes: 30 s); writes .local/stack.json; runs until Ctrl-C or SIGTERM,
 * then stops every process it started. Break the cache yourself (its pid is
 * printed) and watch the workflow, or point the AWS CLI at the endpoints.
 */
import '../polyfills';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { awaitBackupRun, describeRun } from '../drill/backups';
import { prepareProtectedCache } from '../drill/setup';
import { startStack } from '../stack';

// The workflow runs on nodejs22.x in AWS; this tool runs on the machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = path.resolve(__dirname, '..', '..');
const localDir = path.join(root, '.local');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keys: { type: 'string', default: '10000' } } });
  const keys = Number(values.keys);
  if (!Number.isInteger(keys) || keys < 10) throw new Error('--keys must be an integer ≥ 10');
  mkdirSync(localDir, { recursive: true });
  const logFile = path.join(localDir, 'functions.log');
  writeFileSync(logFile, '');
  const log = (line: string) => process.stdout.write(`${line}\n`);

  const stack = await startStack({
    alarmTimeScale: 1 / 30,
    environment: {
      SERVICE_NAME: 'Acme',
      SUPPORT_CONTACT: 'help@acme.example',
      POLL_INTERVAL_SECONDS: '2',
      APPROVAL_TIMEOUT_SECONDS: '3600',
      APPROVAL_HEARTBEAT_SECONDS: '1800',
      OPERATOR_TIME_ZONE: process.env.OPERATOR_TIME_ZONE || 'UTC',
    },
    onLog: (fn, line) => appendFileSync(logFile, `${fn}\t${line}\n`),
  });
  let stopping = false;
  let provider: Awaited<ReturnType<typeof prepareProtectedCache>> | undefined;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await provider?.provider?.stop().catch(() => undefined);
    if (provider?.providerDir) await rm(provider.providerDir, { recursive: true, force: true });
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    provider = await prepareProtectedCache(stack, {
      scenario: 'restore',
      keys,
      changed: Math.max(10, Math.floor(keys / 50)),
      authToken: randomBytes(24).toString('hex'),
      log,
      mark: () => undefined,
      backupIntervalMinutes: 15,
    });
    await stack.lambda.invoke('probe', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    const monitoringFrom = Date.now();
    stack.startMonitoring();
    log(describeRun(await awaitBackupRun(stack, provider.cache.id, monitoringFrom)));
    const file = path.join(localDir, 'stack.json');
    await stack.writeDescription(file);
    log('');
    log(
      `Local stack is up. Description: ${path.relative(process.cwd(), file)}; function logs: ${path.relative(process.cwd(), logFile)}`,
    );
    for (const [service, url] of Object.entries(stack.description.endpoints)) log(`  ${service.padEnd(14)} ${url}`);
    log(`  state machine  ${stack.description.stateMachineArn}`);
    if (provider.provider)
      log(
        `Protected cache "${provider.cache.id}": redis-server pid ${provider.provider.pid} on port ${provider.endpoint.port}. Kill it to start an incident.`,
      );
    log('Ctrl-C to stop.');
  } catch (err) {
    process.stderr.write(`stack failed: ${(err as Error).stack ?? String(err)}\n`);
    await stop(1);
  }
}

void main();
