/** Approvals on the incidents table: one item per approval step, holding its task token. */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ApprovalAlreadyDecidedError, IncidentNotFoundError } from '../../domain/errors';
import type { ApprovalDecisionRecord, Approvals, PendingApproval } from '../../ports';
import { awsCall, rethrowAws } from '../aws-errors';
import { ITEM_EXISTS, PARTITION_PREFIX, approvalKey, approvalsOf } from './layout';
import { isConditionFailure, type IncidentTable, type Item } from './table';

function toApproval(item: Item): PendingApproval {
  const approval: PendingApproval = {
    incidentId: String(item.incidentId),
    step: String(item.step),
    status: item.status as PendingApproval['status'],
    requestedAt: String(item.requestedAt),
    facts: (item.facts as Record<string, unknown> | undefined) ?? {},
  };
  if (typeof item.decidedBy === 'string') approval.decidedBy = item.decidedBy;
  if (typeof item.decidedAt === 'string') approval.decidedAt = item.decidedAt;
  if (typeof item.reason === 'string') approval.reason = item.reason;
  if (typeof item.resumedAt === 'string') approval.resumedAt = item.resumedAt;
  const deadline = item.deadline as Record<string, unknown> | undefined;
  if (
    deadline &&
    typeof deadline.escalatesAt === 'string' &&
    typeof deadline.expiresAt === 'string' &&
    (deadline.onTimeout === 'proceed' || deadline.onTimeout === 'abort')
  ) {
    approval.deadline = {
      escalatesAt: deadline.escalatesAt,
      expiresAt: deadline.expiresAt,
      onTimeout: deadline.onTimeout,
    };
  }
  return approval;
}

export class DynamoDbApprovals implements Approvals {
  constructor(private readonly table: IncidentTable) {}

  async savePendingApproval(approval: PendingApproval, taskToken: string): Promise<void> {
    await awsCall('DynamoDB PutItem (approval)', () =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...approvalKey(approval.incidentId, approval.step),
            incidentId: approval.incidentId,
            step: approval.step,
            status: approval.status,
            requestedAt: approval.requestedAt,
            facts: approval.facts,
            decidedBy: approval.decidedBy,
            decidedAt: approval.decidedAt,
            reason: approval.reason,
            deadline: approval.deadline,
            taskToken,
          },
        }),
      ),
    );
  }

  async approvals(incidentId: string): Promise<PendingApproval[]> {
    const approvals = approvalsOf(incidentId);
    const items = await this.table.queryAll(
      {
        KeyConditionExpression: PARTITION_PREFIX,
        ExpressionAttributeValues: { ':pk': approvals.pk, ':prefix': approvals.prefix },
        ProjectionExpression: 'incidentId, step, #status, requestedAt, facts, decidedBy, decidedAt, reason, deadline',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: true,
      },
      'DynamoDB Query (approvals)',
    );
    return items.map(toApproval);
  }

  async pendingApproval(
    incidentId: string,
    step: string,
  ): Promise<{ approval: PendingApproval; taskToken: string } | undefined> {
    const out = await awsCall('DynamoDB GetItem (approval)', () =>
      this.table.doc.send(
        new GetCommand({
          TableName: this.table.name,
          Key: approvalKey(incidentId, step),
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item || typeof out.Item.taskToken !== 'string') return undefined;
    return { approval: toApproval(out.Item), taskToken: out.Item.taskToken };
  }

  async decideApproval(incidentId: string, step: string, decision: ApprovalDecisionRecord): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: approvalKey(incidentId, step),
          UpdateExpression: 'SET #status = :status, decidedBy = :by, decidedAt = :at, reason = :reason',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': decision.status,
            ':by': decision.decidedBy,
            ':at': decision.decidedAt,
            ':reason': decision.reason,
            ':pending': 'PENDING',
          },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) {
        throw new ApprovalAlreadyDecidedError(`approval ${step} of incident ${incidentId} is not pending`, {
          cause: err,
        });
      }
      rethrowAws(err, 'DynamoDB UpdateItem (approval)');
    }
  }

  async markApprovalResumed(incidentId: string, step: string, at: string): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: approvalKey(incidentId, step),
          UpdateExpression: 'SET resumedAt = :at',
          ConditionExpression: ITEM_EXISTS,
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err))
        throw new IncidentNotFoundError(`no approval ${step} for incident ${incidentId}`, { cause: err });
      rethrowAws(err, 'DynamoDB UpdateItem (approval resumed)');
    }
  }
}
