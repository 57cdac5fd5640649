/**
 * A small application that keeps reading and writing account flags through
 * the endpoint record, the way a real service would: it reads the record
 * (an SSM parameter) at start and again whenever the cache fails, reconnects,
 * and carries on. It reports the outage as it saw it: from its first failed
 * request to its first good one after that.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import Redis from 'ioredis';

export interface AppObservation {
  requests: number;
  failures: number;
  firstFailureAt?: number;
  recoveredAt?: number;
  endpointsSeen: string[];
}

export interface SampleAppOptions {
  ssm: SSMClient;
  endpointParameter: string;
  authToken?: string;
  keys: number;
  intervalMs?: number;
  /** Certificate authority to trust for TLS endpoints. */
  tlsCa?: string;
}

interface Endpoint {
  host: string;
  port: number;
  tls?: boolean;
}

export class SampleApp {
  readonly observation: AppObservation = { requests: 0, failures: 0, endpointsSeen: [] };
  private client: Redis | undefined;
  private current = '';
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SampleAppOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.client?.disconnect();
  }

  /** Milliseconds the application could not use the cache, once it recovered. */
  outageMs(): number | undefined {
    const o = this.observation;
    return o.firstFailureAt !== undefined && o.recoveredAt !== undefined ? o.recoveredAt - o.firstFailureAt : undefined;
  }

  private async run(): Promise<void> {
    const interval = this.options.intervalMs ?? 50;
    let i = 0;
    while (this.running) {
      i += 1;
      await this.once(i);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  private async once(i: number): Promise<void> {
    const o = this.observation;
    o.requests += 1;
    try {
      const client = await this.connected();
      const account = i % Math.max(1, Math.floor(this.options.keys / 2));
      await client.get(`acct:${account}:flags`);
      await client.set(`app:heartbeat`, String(Date.now()));
      if (o.firstFailureAt !== undefined && o.recoveredAt === undefined) o.recoveredAt = Date.now();
    } catch {
      o.failures += 1;
      if (o.firstFailureAt === undefined) o.firstFailureAt = Date.now();
      this.client?.disconnect();
      this.client = undefined;
    }
  }

  private async connected(): Promise<Redis> {
    if (this.client) return this.client;
    const out = await this.options.ssm.send(new GetParameterCommand({ Name: this.options.endpointParameter }));
    const endpoint = JSON.parse(out.Parameter?.Value ?? '{}') as Endpoint;
    const id = `${endpoint.host}:${endpoint.port}`;
    if (id !== this.current) {
      this.current = id;
      this.observation.endpointsSeen.push(id);
    }
    const client = new Redis({
      host: endpoint.host,
      port: endpoint.port,
      ...(this.options.authToken ? { password: this.options.authToken } : {}),
      ...(endpoint.tls ? { tls: this.options.tlsCa ? { ca: this.options.tlsCa } : {} } : {}),
      lazyConnect: true,
      connectTimeout: 300,
      commandTimeout: 300,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    await client.connect();
    this.client = client;
    return client;
  }
}
