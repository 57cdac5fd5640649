/**
 * Writes to a group's item (GROUP#<g>/META) shared by its notices and its
 * approval requests: a conditional UpdateItem whose failed condition is an
 * answer, not an error, and a claim in a map the item may not have yet.
 */
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { IncidentGroup } from '../../domain/groups';
import { rethrowAws } from '../aws-errors';
import { groupKey } from './layout';
import { isConditionFailure, withoutKeys, type IncidentTable, type Item } from './table';

export type GroupUpdate = Omit<UpdateCommandInput, 'TableName' | 'Key'>;

/** The item after the write (`ALL_NEW`) or {} without ReturnValues; undefined when the condition failed. */
export async function updateGroup(
  table: IncidentTable,
  groupId: string,
  update: GroupUpdate,
  what: string,
): Promise<Item | undefined> {
  try {
    const out = await table.doc.send(new UpdateCommand({ TableName: table.name, Key: groupKey(groupId), ...update }));
    return (out.Attributes as Item | undefined) ?? {};
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    rethrowAws(err, `DynamoDB UpdateItem (${what})`);
  }
}

/**
 * A claim written into the map `map` of the group's item (its condition requires the map): a group written
 * before it had that map gets an empty one once, then the claim is decided again. True when the claim won.
 */
export async function claimInMap(
  table: IncidentTable,
  groupId: string,
  map: 'claims' | 'approvals',
  claim: GroupUpdate,
  what: string,
): Promise<boolean> {
  if (await updateGroup(table, groupId, claim, what)) return true;
  const made = await updateGroup(
    table,
    groupId,
    {
      UpdateExpression: 'SET #map = :empty',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#map)',
      ExpressionAttributeNames: { '#map': map },
      ExpressionAttributeValues: { ':empty': {} },
    },
    `group ${map}`,
  );
  return made ? (await updateGroup(table, groupId, claim, what)) !== undefined : false;
}

export function toGroup<G extends IncidentGroup = IncidentGroup>(item: Item): G {
  return withoutKeys(item) as unknown as G;
}

/** The claim `key` of `map` held by `by` becomes SENT with what was published; nothing when another took it over. */
export async function confirmInMap(
  table: IncidentTable,
  groupId: string,
  map: 'claims' | 'approvals',
  key: string,
  by: string,
  sent: { messageId: string; subject: string; text: string },
  what: string,
): Promise<void> {
  await updateGroup(
    table,
    groupId,
    {
      UpdateExpression:
        'SET #map.#k.#status = :sent, #map.#k.messageId = :messageId, #map.#k.sentAt = :now, #map.#k.subject = :subject, #map.#k.#text = :text',
      ConditionExpression: '#map.#k.#by = :by AND #map.#k.#status = :claimed',
      ExpressionAttributeNames: { '#map': map, '#k': key, '#status': 'status', '#by': 'by', '#text': 'text' },
      ExpressionAttributeValues: {
        ':sent': 'SENT',
        ':claimed': 'CLAIMED',
        ':by': by,
        ':now': table.clock.now().toISOString(),
        ':messageId': sent.messageId,
        ':subject': sent.subject,
        ':text': sent.text,
      },
    },
    what,
  );
}

/** Notes that the sent claim `key` of `map` is on every member's timeline. */
export async function markRecordedInMap(
  table: IncidentTable,
  groupId: string,
  map: 'claims' | 'approvals',
  key: string,
  what: string,
): Promise<void> {
  await updateGroup(
    table,
    groupId,
    {
      UpdateExpression: 'SET #map.#k.recordedAt = :now',
      ConditionExpression: 'attribute_exists(#map.#k)',
      ExpressionAttributeNames: { '#map': map, '#k': key },
      ExpressionAttributeValues: { ':now': table.clock.now().toISOString() },
    },
    what,
  );
}
