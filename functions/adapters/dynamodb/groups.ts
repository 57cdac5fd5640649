/**
 * GroupStore on the incidents table: the provider's pointer to its current
 * group (PROVIDER#<p>/GROUP) and one item per group (GROUP#<g>/META) holding
 * its members in a map. One item per group on purpose: every decision ("may
 * this incident still join?", "was that the last open member?") is a
 * condition on one conditional write, which DynamoDB serializes, with no
 * transaction (the local DynamoDB has none).
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransientDependencyError } from '../../domain/errors';
import {
  GROUP_MEMBERS_MAX,
  GROUPS_PER_SECOND,
  LEAVING_STATES,
  groupIdFor,
  groupStatusOf,
  isJoinable,
  utc,
  windowEndOf,
  type GroupMember,
  type IncidentGroup,
  type MemberState,
} from '../../domain/groups';
import type { GroupStore, JoinOutcome } from '../../ports';
import { awsCall, rethrowAws } from '../aws-errors';
import {
  GROUP_LIST,
  INCIDENT_LIST,
  ITEM_ABSENT,
  ITEM_EXISTS,
  groupKey,
  providerGroupKey,
  type ItemKey,
} from './layout';
import { isConditionFailure, withoutKeys, type IncidentTable, type Item } from './table';

/** Rounds of "read the pointer, then join it or replace it" before giving up, as for the open-incident lock. */
const ROUNDS = 3;

interface Pointer {
  groupId: string;
  provider: string;
  openedAt: string;
  windowEndsAt: string;
}

/** A new group's item, as any invocation that writes it writes it (so that a lost race writes the same). */
function groupItem(
  groupId: string,
  fields: { provider?: string; openedAt: string; windowEndsAt: string },
  members: Record<string, GroupMember>,
): Item {
  const count = Object.keys(members).length;
  return {
    ...groupKey(groupId),
    groupId,
    ...(fields.provider !== undefined ? { provider: fields.provider } : {}),
    status: 'OPEN',
    openedAt: fields.openedAt,
    windowEndsAt: fields.windowEndsAt,
    openCount: count,
    version: count,
    members,
    claims: {},
    [INCIDENT_LIST.partition]: GROUP_LIST.value,
    [INCIDENT_LIST.sort]: fields.openedAt,
  };
}

export class DynamoDbGroups implements GroupStore {
  constructor(private readonly table: IncidentTable) {}

  async resolveGroup(provider: string, at: string, windowSeconds: number): Promise<string> {
    for (let round = 0; round < ROUNDS; round++) {
      const pointer = (await this.get(providerGroupKey(provider), 'provider group')) as Pointer | undefined;
      if (pointer) {
        const group = await this.groupOf(pointer);
        if (isJoinable(group, at)) return pointer.groupId;
      }
      const openedAt = utc(at);
      const next: Pointer = {
        groupId: await this.freeGroupId(provider, at),
        provider,
        openedAt,
        windowEndsAt: windowEndOf(openedAt, windowSeconds),
      };
      // Compare and swap: only the invocation that saw the pointer as it is replaces it.
      if (await this.putPointer(next, pointer?.groupId)) {
        await this.groupOf(next);
        return next.groupId;
      }
    }
    throw new TransientDependencyError(`the current group of provider ${provider} changed during every attempt`);
  }

  async joinGroup(
    groupId: string,
    incidentId: string,
    member: Pick<GroupMember, 'cacheId' | 'joinedAt'>,
    options: { force?: boolean } = {},
  ): Promise<JoinOutcome> {
    const at = utc(member.joinedAt);
    const joining: GroupMember = { cacheId: member.cacheId, joinedAt: at, state: 'OPENED', at };
    const joinable = options.force
      ? ITEM_EXISTS
      : `${ITEM_EXISTS} AND #status = :open AND attribute_not_exists(sealedAt) AND version < :max AND (openCount > :zero OR windowEndsAt >= :at)`;
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: groupKey(groupId),
          UpdateExpression: `SET members.#i = :member, openCount = openCount + :one, version = version + :one${
            options.force ? ', #status = :open REMOVE closedAt' : ''
          }`,
          ConditionExpression: `attribute_not_exists(members.#i) AND ${joinable}`,
          ExpressionAttributeNames: { '#i': incidentId, '#status': 'status' },
          ExpressionAttributeValues: {
            ':member': joining,
            ':one': 1,
            ':open': 'OPEN',
            ...(options.force ? {} : { ':zero': 0, ':at': at, ':max': GROUP_MEMBERS_MAX }),
          },
        }),
      );
      return 'joined';
    } catch (err) {
      if (!isConditionFailure(err)) rethrowAws(err, 'DynamoDB UpdateItem (join group)');
    }
    const group = await this.getGroup(groupId, true);
    return group?.members[incidentId] ? 'member' : 'refused';
  }

  async openSoloGroup(incidentId: string, member: Pick<GroupMember, 'cacheId' | 'joinedAt'>): Promise<void> {
    const at = utc(member.joinedAt);
    // Nothing else knows the id, so nothing joins: the window ends as it opens.
    const item = groupItem(
      incidentId,
      { openedAt: at, windowEndsAt: at },
      {
        [incidentId]: { cacheId: member.cacheId, joinedAt: at, state: 'OPENED', at },
      },
    );
    await this.putIfAbsent(item, 'DynamoDB PutItem (incident group)');
  }

  async markMember(groupId: string, incidentId: string, state: MemberState): Promise<IncidentGroup | undefined> {
    const leaving = LEAVING_STATES.includes(state);
    const finals = Object.fromEntries(LEAVING_STATES.map((s, n) => [`:final${n}`, s]));
    let group: IncidentGroup | undefined;
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: groupKey(groupId),
          UpdateExpression: `SET members.#i.#state = :state, members.#i.#at = :now${
            leaving ? ', openCount = openCount - :one' : ''
          }`,
          ConditionExpression: `attribute_exists(members.#i) AND members.#i.#state <> :state AND NOT (members.#i.#state IN (${Object.keys(finals).join(', ')}))`,
          ExpressionAttributeNames: { '#i': incidentId, '#state': 'state', '#at': 'at' },
          ExpressionAttributeValues: {
            ':state': state,
            ':now': this.table.clock.now().toISOString(),
            ...finals,
            ...(leaving ? { ':one': 1 } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      group = toGroup(out.Attributes as Item);
    } catch (err) {
      if (!isConditionFailure(err)) rethrowAws(err, 'DynamoDB UpdateItem (group member)');
      group = await this.getGroup(groupId, true);
    }
    // A retry that finds the member already moved still closes a group its first attempt left open.
    return group ? this.closeIfDone(group) : undefined;
  }

  async getGroup(groupId: string, consistent = false): Promise<IncidentGroup | undefined> {
    const item = await this.get(groupKey(groupId), 'incident group', consistent);
    return item ? toGroup(item) : undefined;
  }

  /** Once no member holds the group open, and nobody joined since the snapshot: the status its members came to. */
  private async closeIfDone(group: IncidentGroup): Promise<IncidentGroup> {
    if (group.status !== 'OPEN' || group.openCount > 0) return group;
    const status = groupStatusOf(Object.values(group.members));
    if (status === 'OPEN') return group;
    const closedAt = this.table.clock.now().toISOString();
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: groupKey(group.groupId),
          UpdateExpression: 'SET #status = :status, closedAt = :closedAt',
          ConditionExpression: '#status = :open AND openCount = :zero AND version = :version',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':closedAt': closedAt,
            ':open': 'OPEN',
            ':zero': 0,
            ':version': group.version,
          },
        }),
      );
      return { ...group, status, closedAt };
    } catch (err) {
      if (!isConditionFailure(err)) rethrowAws(err, 'DynamoDB UpdateItem (close group)');
      // Someone joined (the group stays open) or closed it first.
      return (await this.getGroup(group.groupId, true)) ?? group;
    }
  }

  /** The pointer's group, written from the pointer when its creator stopped between the two writes. */
  /**
   * The id of the provider's new group: `groupIdFor(provider, at)`, unless it names a group an alarm that fired
   * at `at` cannot join (closed or sealed, of the same second), then the next one free. Every invocation that
   * opens a group for `at` finds the same id.
   */
  private async freeGroupId(provider: string, at: string): Promise<string> {
    for (let n = 1; n <= GROUPS_PER_SECOND; n++) {
      const groupId = groupIdFor(provider, at, n);
      const existing = await this.getGroup(groupId, true);
      if (!existing || isJoinable(existing, at)) return groupId;
    }
    throw new TransientDependencyError(`${GROUPS_PER_SECOND} groups of provider ${provider} opened at ${utc(at)}`);
  }

  private async groupOf(pointer: Pointer): Promise<IncidentGroup> {
    const existing = await this.getGroup(pointer.groupId, true);
    if (existing) return existing;
    const { groupId, ...fields } = pointer;
    await this.putIfAbsent(groupItem(groupId, fields, {}), 'DynamoDB PutItem (incident group)');
    const group = await this.getGroup(groupId, true);
    if (!group) throw new TransientDependencyError(`incident group ${groupId} was not readable after its write`);
    return group;
  }

  private async putPointer(pointer: Pointer, expected: string | undefined): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...providerGroupKey(pointer.provider), ...pointer },
          ConditionExpression: expected === undefined ? ITEM_ABSENT : 'groupId = :expected',
          ...(expected === undefined ? {} : { ExpressionAttributeValues: { ':expected': expected } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      rethrowAws(err, 'DynamoDB PutItem (provider group)');
    }
  }

  private async putIfAbsent(item: Item, what: string): Promise<void> {
    try {
      await this.table.doc.send(
        new PutCommand({ TableName: this.table.name, Item: item, ConditionExpression: ITEM_ABSENT }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) rethrowAws(err, what);
    }
  }

  private async get(key: ItemKey, what: string, consistent = true): Promise<Item | undefined> {
    const out = await awsCall(`DynamoDB GetItem (${what})`, () =>
      this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key, ConsistentRead: consistent })),
    );
    return out.Item as Item | undefined;
  }
}

function toGroup(item: Item): IncidentGroup {
  return withoutKeys(item) as unknown as IncidentGroup;
}
