/**
 * GroupApprovals on the group's item (GROUP#<g>/META): each member waiting
 * for a decision in `members.<incident>.approval`, and one claim per step in
 * `approvals.<step>`. Every write is a conditional UpdateItem on that one
 * item, which DynamoDB serializes.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ApprovalGroup, MemberApproval, MemberApprovalStatus } from '../../domain/group-approvals';
import type { GroupApprovals } from '../../ports';
import { awsCall } from '../aws-errors';
import { claimInMap, confirmInMap, markRecordedInMap, toGroup, updateGroup, type GroupUpdate } from './group-item';
import { groupKey } from './layout';
import type { IncidentTable, Item } from './table';

export class DynamoDbGroupApprovals implements GroupApprovals {
  constructor(private readonly table: IncidentTable) {}

  async arriveForApproval(
    groupId: string,
    incidentId: string,
    approval: MemberApproval,
  ): Promise<ApprovalGroup | undefined> {
    const out = await this.update(
      groupId,
      {
        UpdateExpression: 'SET members.#i.approval = :approval',
        // A decided member keeps its decision: a late retry of its request does not make it pending again.
        ConditionExpression:
          'attribute_exists(members.#i) AND (attribute_not_exists(members.#i.approval) OR members.#i.approval.#step <> :step OR members.#i.approval.#status = :pending)',
        ExpressionAttributeNames: { '#i': incidentId, '#step': 'step', '#status': 'status' },
        ExpressionAttributeValues: { ':approval': approval, ':step': approval.step, ':pending': 'PENDING' },
        ReturnValues: 'ALL_NEW',
      },
      'arrive for an approval',
    );
    if (out) return toGroup<ApprovalGroup>(out);
    const group = await this.approvalGroup(groupId);
    return group?.members[incidentId] ? group : undefined;
  }

  async approvalGroup(groupId: string): Promise<ApprovalGroup | undefined> {
    const out = await awsCall('DynamoDB GetItem (approval group)', () =>
      this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: groupKey(groupId), ConsistentRead: true })),
    );
    return out.Item ? toGroup<ApprovalGroup>(out.Item as Item) : undefined;
  }

  async claimGroupApproval(
    groupId: string,
    step: string,
    claim: { by: string; members: string[] },
    staleBefore: string,
  ): Promise<boolean> {
    const update: GroupUpdate = {
      UpdateExpression: 'SET approvals.#s = :claim',
      ConditionExpression:
        'attribute_exists(approvals) AND (attribute_not_exists(approvals.#s) OR (approvals.#s.#status = :claimed AND (approvals.#s.#by = :by OR approvals.#s.#at < :stale)))',
      ExpressionAttributeNames: { '#s': step, '#status': 'status', '#by': 'by', '#at': 'at' },
      ExpressionAttributeValues: {
        ':claim': { status: 'CLAIMED', by: claim.by, at: this.now(), members: claim.members },
        ':claimed': 'CLAIMED',
        ':by': claim.by,
        ':stale': staleBefore,
      },
    };
    return claimInMap(this.table, groupId, 'approvals', update, 'claim a group approval request');
  }

  async confirmGroupApproval(
    groupId: string,
    step: string,
    by: string,
    sent: { messageId: string; subject: string; text: string },
  ): Promise<void> {
    await confirmInMap(this.table, groupId, 'approvals', step, by, sent, 'confirm a group approval request');
  }

  async markGroupApprovalRecorded(groupId: string, step: string): Promise<void> {
    await markRecordedInMap(this.table, groupId, 'approvals', step, 'group approval request recorded');
  }

  async markMemberApproval(
    groupId: string,
    incidentId: string,
    step: string,
    status: MemberApprovalStatus,
  ): Promise<void> {
    await this.update(
      groupId,
      {
        UpdateExpression: 'SET members.#i.approval.#status = :status',
        ConditionExpression: 'members.#i.approval.#step = :step',
        ExpressionAttributeNames: { '#i': incidentId, '#status': 'status', '#step': 'step' },
        ExpressionAttributeValues: { ':status': status, ':step': step },
      },
      'member approval decided',
    );
  }

  private update(groupId: string, update: GroupUpdate, what: string): Promise<Item | undefined> {
    return updateGroup(this.table, groupId, update, what);
  }

  private now(): string {
    return this.table.clock.now().toISOString();
  }
}
