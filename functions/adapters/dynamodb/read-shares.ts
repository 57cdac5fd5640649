/**
 * ReadShares on the incidents table: one item per source-of-truth table
 * (SOURCE#<table>/READERS) whose map `readers` holds each reader's lease end
 * (epoch ms). Joining and each renewal set the reader's own entry and return
 * the whole map (ALL_NEW), from which the share is computed; leaving removes
 * the entry. Entries of leases that ended are removed by the next renewal.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransientDependencyError } from '../../domain/errors';
import { READ_LEASE, endedReaders, shareOf, type ReadLeases } from '../../domain/read-shares';
import { logger } from '../../lib/observability';
import type { ReadShare, ReadShares } from '../../ports';
import { rethrowAws } from '../aws-errors';
import { sourceReadersKey } from './layout';
import { IncidentTable, isConditionFailure, type IncidentTableOptions, type Item } from './table';

/** The item goes (DynamoDB TTL) a day after its last write. */
const ITEM_TTL_SECONDS = 24 * 3600;
/** Ended entries removed by one renewal at most. */
const SWEEP_MAX = 20;
const ROUNDS = 3;

function leasesOf(item: Item | undefined): ReadLeases {
  const readers = item?.readers;
  if (!readers || typeof readers !== 'object') return {};
  const out: Record<string, number> = {};
  for (const [holder, until] of Object.entries(readers as Record<string, unknown>)) {
    if (typeof until === 'number') out[holder] = until;
  }
  return out;
}

export class DynamoDbReadShares implements ReadShares {
  private readonly table: IncidentTable;

  constructor(options: IncidentTableOptions) {
    this.table = new IncidentTable(options);
  }

  async join(tableName: string, holder: string, budget: number): Promise<ReadShare> {
    const now = () => this.table.clock.now().getTime();
    let leases = await this.renew(tableName, holder, {});
    let renewAt = now() + READ_LEASE.firstRenewMs;
    return {
      share: async () => {
        if (now() >= renewAt) {
          leases = await this.renew(tableName, holder, leases);
          renewAt = now() + READ_LEASE.renewMs;
        }
        return shareOf(budget, leases, now(), holder);
      },
      leave: () => this.leave(tableName, holder),
    };
  }

  /** Sets the holder's lease to end READ_LEASE.expireMs from now; returns every lease as the write left them. */
  private async renew(tableName: string, holder: string, seen: ReadLeases): Promise<ReadLeases> {
    const nowMs = this.table.clock.now().getTime();
    const ended = endedReaders(seen, nowMs, holder).slice(0, SWEEP_MAX);
    const names: Record<string, string> = { '#h': holder };
    ended.forEach((h, i) => (names[`#e${i}`] = h));
    const values = { ':until': nowMs + READ_LEASE.expireMs, ':ttl': this.table.nowSeconds() + ITEM_TTL_SECONDS };
    const what = `DynamoDB UpdateItem readers of ${tableName}`;
    for (let round = 0; round < ROUNDS; round++) {
      try {
        // A nested SET needs its parent map: write into `readers` only where it exists.
        const out = await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: sourceReadersKey(tableName),
            UpdateExpression: `SET readers.#h = :until, expiresAt = :ttl${
              ended.length ? ` REMOVE ${ended.map((_, i) => `readers.#e${i}`).join(', ')}` : ''
            }`,
            ConditionExpression: 'attribute_exists(readers)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return leasesOf(out.Attributes);
      } catch (err) {
        if (!isConditionFailure(err)) rethrowAws(err, what);
      }
      try {
        // The first reader of the table creates the map with its own lease.
        const out = await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: sourceReadersKey(tableName),
            UpdateExpression: 'SET readers = :mine, expiresAt = :ttl',
            ConditionExpression: 'attribute_not_exists(readers)',
            ExpressionAttributeValues: { ':mine': { [holder]: values[':until'] }, ':ttl': values[':ttl'] },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return leasesOf(out.Attributes);
      } catch (err) {
        // Another reader created it in between: write into it.
        if (!isConditionFailure(err)) rethrowAws(err, what);
      }
    }
    throw new TransientDependencyError(`${what}: the item kept changing under ${ROUNDS} rounds`);
  }

  private async leave(tableName: string, holder: string): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: sourceReadersKey(tableName),
          UpdateExpression: 'REMOVE readers.#h',
          ConditionExpression: 'attribute_exists(readers.#h)',
          ExpressionAttributeNames: { '#h': holder },
        }),
      );
    } catch (err) {
      // Already gone, or not removed now: either way the lease ends by itself within READ_LEASE.expireMs.
      if (!isConditionFailure(err)) {
        logger.warn('read share not given back; its lease ends by itself', {
          table: tableName,
          holder,
          error: (err as Error).message,
        });
      }
    }
  }
}
