/**
 * The incidents table as each entity's adapter reaches it: one document
 * client, the table's name and the clock, with the helpers they share.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../../ports';
import { awsCall, errorName } from '../aws-errors';
import { KEY_ATTRIBUTES } from './layout';

export type Item = Record<string, unknown>;

/** Builds the document client every DynamoDB adapter uses: undefined attributes are dropped, not rejected. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export interface IncidentTableOptions {
  tableName: string;
  /** A document client; when omitted one is built for `region`. */
  client?: DynamoDBDocumentClient;
  region?: string;
  clock?: Clock;
}

export class IncidentTable {
  readonly name: string;
  readonly doc: DynamoDBDocumentClient;
  readonly clock: Clock;

  constructor(options: IncidentTableOptions) {
    this.name = options.tableName;
    this.doc = options.client ?? documentClient(new DynamoDBClient(options.region ? { region: options.region } : {}));
    this.clock = options.clock ?? systemClock;
  }

  nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  /** Every page of a Query. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, what: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await awsCall(what, () =>
        this.doc.send(
          new QueryCommand({ TableName: this.name, ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        ),
      );
      items.push(...((page.Items ?? []) as Item[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

export function isConditionFailure(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

/** The item's own attributes, without the layout's keys. */
export function withoutKeys(item: Item): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(k)) out[k] = v;
  return out;
}
