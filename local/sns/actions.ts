import type { QueryParams } from '../query-protocol';
import {
  QueryError,
  entryMap,
  entryStructMap,
  memberList,
  memberStructs,
  xmlEntries,
  xmlMembers,
  xmlText,
} from '../query-protocol';
import type { Subscription } from './model';
import type { PublishInput, PublishResult, SnsService } from './service';

/** Handles one action; returns the inner XML of `<ActionResult>`, or undefined when SNS sends none. */
type Action = (params: QueryParams, sns: SnsService) => string | undefined;

const PAGE_SIZE = 100;
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

export const ACTIONS: Readonly<Record<string, Action>> = {
  CreateTopic: (p, sns) => {
    const arn = sns.createTopic(p.get('Name'), entryMap(p, 'Attributes'), tags(p));
    return xmlText('TopicArn', arn);
  },
  DeleteTopic: (p, sns) => {
    sns.deleteTopic(p.get('TopicArn'));
    return undefined;
  },
  ListTopics: (p, sns) => {
    const page = paginate(sns.listTopics(), p.get('NextToken'));
    return (
      xmlMembers(
        'Topics',
        page.items.map((arn) => xmlText('TopicArn', arn)),
      ) + xmlText('NextToken', page.nextToken)
    );
  },
  GetTopicAttributes: (p, sns) => xmlEntries('Attributes', sns.getTopicAttributes(p.get('TopicArn'))),
  SetTopicAttributes: (p, sns) => {
    sns.setTopicAttribute(p.get('TopicArn'), p.get('AttributeName'), p.get('AttributeValue'));
    return undefined;
  },
  Subscribe: (p, sns) => {
    const arn = sns.subscribe({
      topicArn: p.get('TopicArn'),
      protocol: p.get('Protocol'),
      endpoint: p.get('Endpoint'),
      attributes: entryMap(p, 'Attributes'),
      returnSubscriptionArn: p.get('ReturnSubscriptionArn') === 'true',
    });
    return xmlText('SubscriptionArn', arn);
  },
  ConfirmSubscription: (p, sns) => {
    const arn = sns.confirmSubscription(
      p.get('TopicArn'),
      p.get('Token'),
      p.get('AuthenticateOnUnsubscribe') === 'true',
    );
    return xmlText('SubscriptionArn', arn);
  },
  Unsubscribe: (p, sns) => {
    sns.unsubscribe(p.get('SubscriptionArn'));
    return undefined;
  },
  ListSubscriptions: (p, sns) => subscriptionPage(sns.listSubscriptions(), p.get('NextToken')),
  ListSubscriptionsByTopic: (p, sns) => {
    const topicArn = p.get('TopicArn');
    if (topicArn === undefined) throw new QueryError('InvalidParameter', 'Invalid parameter: TopicArn');
    return subscriptionPage(sns.listSubscriptions(topicArn), p.get('NextToken'));
  },
  GetSubscriptionAttributes: (p, sns) =>
    xmlEntries('Attributes', sns.getSubscriptionAttributes(p.get('SubscriptionArn'))),
  SetSubscriptionAttributes: (p, sns) => {
    sns.setSubscriptionAttribute(p.get('SubscriptionArn'), p.get('AttributeName'), p.get('AttributeValue'));
    return undefined;
  },
  Publish: (p, sns) => {
    if (p.has('PhoneNumber'))
      throw new QueryError(
        'InvalidParameter',
        'Invalid parameter: PhoneNumber Reason: SMS publishing is not available locally',
      );
    const result = sns.publish(publishInput(p, p.get('TopicArn') ?? p.get('TargetArn')));
    return xmlText('MessageId', result.messageId) + xmlText('SequenceNumber', result.sequenceNumber);
  },
  PublishBatch: (p, sns) => publishBatch(p, sns),
  ListTagsForResource: (p, sns) => {
    const items = [...sns.listTags(p.get('ResourceArn'))].map(
      ([key, value]) => xmlText('Key', key) + xmlText('Value', value),
    );
    return xmlMembers('Tags', items);
  },
  TagResource: (p, sns) => {
    sns.tag(p.get('ResourceArn'), tags(p));
    return '';
  },
  UntagResource: (p, sns) => {
    sns.untag(p.get('ResourceArn'), memberList(p, 'TagKeys'));
    return '';
  },
};

function tags(params: QueryParams): Map<string, string> {
  return new Map(memberStructs(params, 'Tags').map((tag) => [tag.get('Key') ?? '', tag.get('Value') ?? '']));
}

function publishInput(params: QueryParams, topicArn: string | undefined): PublishInput {
  return {
    topicArn,
    message: params.get('Message'),
    subject: params.get('Subject'),
    messageStructure: params.get('MessageStructure'),
    attributes: entryStructMap(params, 'MessageAttributes', 'Name', 'Value'),
    messageGroupId: params.get('MessageGroupId'),
    messageDeduplicationId: params.get('MessageDeduplicationId'),
  };
}

function publishBatch(params: QueryParams, sns: SnsService): string {
  const topic = sns.topic(params.get('TopicArn'));
  const entries = memberStructs(params, 'PublishBatchRequestEntries');
  if (entries.length === 0) throw new QueryError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new QueryError('TooManyEntriesInBatchRequest', `The batch request contains more entries than permissible.`);
  }
  const ids = entries.map((entry) => entry.get('Id') ?? '');
  if (new Set(ids).size !== ids.length)
    throw new QueryError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
  const invalidId = ids.find((id) => !/^[A-Za-z0-9_-]{1,80}$/.test(id));
  if (invalidId !== undefined)
    throw new QueryError(
      'InvalidBatchEntryId',
      `The Id of a batch entry in a batch request doesn't abide by the specification: ${invalidId}`,
    );
  const totalBytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.get('Message') ?? ''), 0);
  if (totalBytes > MAX_BATCH_BYTES)
    throw new QueryError('BatchRequestTooLong', 'The length of all the messages put together is more than the limit.');

  const successful: string[] = [];
  const failed: string[] = [];
  entries.forEach((entry, index) => {
    const id = ids[index] ?? '';
    try {
      const result: PublishResult = sns.publishTo(topic, publishInput(entry, topic.arn));
      successful.push(
        xmlText('Id', id) + xmlText('MessageId', result.messageId) + xmlText('SequenceNumber', result.sequenceNumber),
      );
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      failed.push(
        xmlText('Id', id) +
          xmlText('Code', error.code) +
          xmlText('Message', error.message) +
          xmlText('SenderFault', error.type === 'Sender'),
      );
    }
  });
  return xmlMembers('Successful', successful) + xmlMembers('Failed', failed);
}

function subscriptionPage(subscriptions: readonly Subscription[], nextToken: string | undefined): string {
  const page = paginate(subscriptions, nextToken);
  const items = page.items.map(
    (s) =>
      xmlText('SubscriptionArn', s.confirmed ? s.arn : 'PendingConfirmation') +
      xmlText('Owner', s.arn.split(':')[4]) +
      xmlText('Protocol', s.protocol) +
      xmlText('Endpoint', s.endpoint) +
      xmlText('TopicArn', s.topicArn),
  );
  return xmlMembers('Subscriptions', items) + xmlText('NextToken', page.nextToken);
}

function paginate<T>(items: readonly T[], token: string | undefined): { items: T[]; nextToken?: string } {
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(start) || start < 0) throw new QueryError('InvalidParameter', 'Invalid parameter: NextToken');
  const end = start + PAGE_SIZE;
  const nextToken = end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined;
  return { items: items.slice(start, end), nextToken };
}
