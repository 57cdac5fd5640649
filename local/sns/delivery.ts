import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Protocol } from './model';

export type DeliveryType = 'SubscriptionConfirmation' | 'Notification';

/** Retry schedule for HTTP(S) endpoints: attempts = 1 + retries, delay doubles from baseDelayMs. */
export interface DeliveryOptions {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = { retries: 3, baseDelayMs: 50, timeoutMs: 5000 };

export interface DeliveryRequest {
  readonly type: DeliveryType;
  readonly messageId: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly protocol: Protocol;
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * What happened to one delivery. HTTP(S) deliveries end `delivered` or `failed`; other
 * protocols have no transport locally, so their deliveries are `recorded` only.
 */
export interface DeliveryRecord extends DeliveryRequest {
  status: 'pending' | 'delivered' | 'failed' | 'recorded';
  attempts: number;
  lastError?: string;
}

/** Asynchronous delivery with retries; never blocks the API call that triggered it. */
export class Deliverer {
  private readonly log: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly options: DeliveryOptions) {}

  send(request: DeliveryRequest): void {
    const record: DeliveryRecord = { ...request, status: 'pending', attempts: 0 };
    this.log.push(record);
    if (request.protocol !== 'http' && request.protocol !== 'https') {
      record.status = 'recorded';
      return;
    }
    const running = this.deliver(record).finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  records(): readonly DeliveryRecord[] {
    return this.log;
  }

  /** Resolves once no delivery is in flight, including deliveries started meanwhile. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Cancels pending retries and open requests. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.idle();
  }

  private async deliver(record: DeliveryRecord): Promise<void> {
    const signal = this.abort.signal;
    for (let attempt = 0; attempt <= this.options.retries && !signal.aborted; attempt++) {
      if (attempt > 0) {
        const waited = await sleep(this.options.baseDelayMs * 2 ** (attempt - 1), true, { signal }).catch(() => false);
        if (!waited) break;
      }
      record.attempts++;
      const outcome = await post(record, this.options.timeoutMs, signal);
      if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) {
        record.status = 'delivered';
        return;
      }
      record.lastError = outcome.error ?? `HTTP ${String(outcome.status)}`;
      if (!isRetryable(outcome)) break;
    }
    record.status = 'failed';
  }
}

interface Outcome {
  readonly status?: number;
  readonly error?: string;
}

/** Like SNS: network errors, timeouts, 429 and 5xx are retried; other statuses are final. */
function isRetryable(outcome: Outcome): boolean {
  return outcome.status === undefined || outcome.status === 429 || outcome.status >= 500;
}

function post(record: DeliveryRecord, timeoutMs: number, signal: AbortSignal): Promise<Outcome> {
  const url = new URL(record.endpoint);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = transport.request(url, {
      method: 'POST',
      agent: false,
      signal,
      timeout: timeoutMs,
      // Local HTTPS endpoints use self-signed certificates.
      rejectUnauthorized: false,
      headers: { ...record.headers, 'Content-Length': String(Buffer.byteLength(record.body)) },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode }));
      response.on('error', (error) => resolve({ error: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ error: error.message }));
    request.end(record.body);
  });
}
