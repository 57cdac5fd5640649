/**
 * The source-of-truth table (`key`, `value`, `kind`, `updatedAt` ms,
 * `expiresAt` s): records changed since a time, streamed page by page from a
 * parallel Scan. At most one page per segment is held at a time. With a pace,
 * each page's consumed read units (ReturnConsumedCapacity TOTAL) are charged
 * to a ScanPacer, and the segments shrink with the share.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type DynamoDBDocumentClient, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { estimatedReadUnits, segmentsFor } from '../domain/read-shares';
import { logger } from '../lib/observability';
import { systemClock, type Clock, type ReadPace, type SourceOfTruth, type SourceRecord } from '../ports';
import { rethrowAws } from './aws-errors';
import { documentClient } from './dynamodb/table';
import { ScanPacer, type Sleep } from './scan-pacer';

type Item = Record<string, unknown>;

function toRecord(item: Item): SourceRecord | undefined {
  const { key, value, kind, updatedAt, expiresAt } = item;
  if (typeof key !== 'string' || typeof value !== 'string') return undefined;
  const record: SourceRecord = {
    key,
    value,
    kind: typeof kind === 'string' ? kind : 'unknown',
    updatedAt: typeof updatedAt === 'number' ? updatedAt : Number(updatedAt ?? 0),
  };
  if (typeof expiresAt === 'number' && Number.isFinite(expiresAt)) record.expiresAt = expiresAt;
  return record;
}

export interface DynamoDbSourceOfTruthOptions {
  client?: DynamoDBDocumentClient;
  region?: string;
  /** Parallel Scan segments. Default 4. */
  segments?: number;
  /** Items per Scan page (before the filter). Default: DynamoDB's 1 MB pages. */
  pageSize?: number;
  /** Time and waiting, for pacing. */
  clock?: Clock;
  sleep?: Sleep;
}

/** What a page cost: the units DynamoDB reports, else an estimate from the bytes returned. */
function readUnitsOf(page: ScanCommandOutput): number {
  const reported = page.ConsumedCapacity?.CapacityUnits;
  if (typeof reported === 'number') return reported;
  return estimatedReadUnits(Buffer.byteLength(JSON.stringify(page.Items ?? [])));
}

export class DynamoDbSourceOfTruth implements SourceOfTruth {
  private readonly doc: DynamoDBDocumentClient;
  private readonly segments: number;
  private readonly pageSize: number | undefined;
  private readonly clock: Clock;
  private readonly sleep: Sleep;

  constructor(options: DynamoDbSourceOfTruthOptions = {}) {
    this.doc = options.client ?? documentClient(new DynamoDBClient(options.region ? { region: options.region } : {}));
    this.segments = Math.max(1, Math.floor(options.segments ?? 4));
    this.pageSize = options.pageSize;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private async *segment(
    tableName: string,
    sinceMs: number,
    segment: number,
    segments: number,
    pacer: ScanPacer | undefined,
  ): AsyncGenerator<SourceRecord[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      let page;
      await pacer?.beforePage();
      try {
        page = await this.doc.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: segments,
            FilterExpression: '#updatedAt >= :since',
            ProjectionExpression: '#key, #value, #kind, #updatedAt, #expiresAt',
            ExpressionAttributeNames: {
              '#key': 'key',
              '#value': 'value',
              '#kind': 'kind',
              '#updatedAt': 'updatedAt',
              '#expiresAt': 'expiresAt',
            },
            ExpressionAttributeValues: { ':since': sinceMs },
            ...(this.pageSize ? { Limit: this.pageSize } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            ...(pacer ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
          }),
        );
      } catch (err) {
        rethrowAws(err, `DynamoDB Scan ${tableName} (segment ${segment})`);
      }
      pacer?.afterPage(readUnitsOf(page));
      const records: SourceRecord[] = [];
      for (const item of (page.Items ?? []) as Item[]) {
        const record = toRecord(item);
        if (record) records.push(record);
        else
          logger.warn('source-of-truth item skipped: key or value is not a string', {
            table: tableName,
            key: String(item.key),
          });
      }
      if (records.length > 0) yield records;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async *changedSince(tableName: string, sinceMs: number, pace?: ReadPace): AsyncIterable<SourceRecord[]> {
    const pacer = pace ? new ScanPacer(pace, this.clock, this.sleep) : undefined;
    const segments = pace ? Math.min(this.segments, segmentsFor(await pace.share())) : this.segments;
    const iterators = Array.from({ length: segments }, (_, i) => this.segment(tableName, sinceMs, i, segments, pacer));
    const next = (i: number) =>
      (iterators[i] as AsyncGenerator<SourceRecord[]>).next().then((result) => ({ i, result }));
    const pending = new Map<number, ReturnType<typeof next>>();
    iterators.forEach((_, i) => pending.set(i, next(i)));
    try {
      while (pending.size > 0) {
        const { i, result } = await Promise.race(pending.values());
        if (result.done) {
          pending.delete(i);
          continue;
        }
        pending.set(i, next(i));
        yield result.value;
      }
    } finally {
      // Stop the other segments when the consumer stops early or one segment failed.
      for (const p of pending.values()) p.catch(() => undefined);
      await Promise.allSettled(iterators.map((it) => it.return(undefined)));
    }
  }
}
