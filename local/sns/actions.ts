import type { QueryParams } from '../query-protocol';
import { QueryError, entryMap, entryStructMap, memberStructs, xmlMembers, xmlText } from '../query-protocol';
import type { SnsService } from './service';

/** Handles one action; returns the inner XML of `<ActionResult>`. */
type Action = (params: QueryParams, sns: SnsService) => string;

const PAGE_SIZE = 100;

/**
 * The actions the local stack uses: CreateTopic (the stack's own setup), ListTopics (the AWS CLI),
 * Subscribe and ConfirmSubscription (the drill's HTTP subscriber), Publish (the functions). Any
 * other action is answered with InvalidAction, as SNS answers an action it does not know.
 */
export const ACTIONS: Readonly<Record<string, Action>> = {
  CreateTopic: (p, sns) => {
    const arn = sns.createTopic(p.get('Name'), entryMap(p, 'Attributes'), tags(p));
    return xmlText('TopicArn', arn);
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
  ConfirmSubscription: (p, sns) =>
    xmlText('SubscriptionArn', sns.confirmSubscription(p.get('TopicArn'), p.get('Token'))),
  Publish: (p, sns) => {
    if (p.has('PhoneNumber'))
      throw new QueryError(
        'InvalidParameter',
        'Invalid parameter: PhoneNumber Reason: SMS publishing is not available locally',
      );
    const result = sns.publish({
      topicArn: p.get('TopicArn') ?? p.get('TargetArn'),
      message: p.get('Message'),
      subject: p.get('Subject'),
      messageStructure: p.get('MessageStructure'),
      attributes: entryStructMap(p, 'MessageAttributes', 'Name', 'Value'),
      messageGroupId: p.get('MessageGroupId'),
      messageDeduplicationId: p.get('MessageDeduplicationId'),
    });
    return xmlText('MessageId', result.messageId) + xmlText('SequenceNumber', result.sequenceNumber);
  },
};

function tags(params: QueryParams): Map<string, string> {
  return new Map(memberStructs(params, 'Tags').map((tag) => [tag.get('Key') ?? '', tag.get('Value') ?? '']));
}

function paginate<T>(items: readonly T[], token: string | undefined): { items: T[]; nextToken?: string } {
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(start) || start < 0) throw new QueryError('InvalidParameter', 'Invalid parameter: NextToken');
  const end = start + PAGE_SIZE;
  const nextToken = end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined;
  return { items: items.slice(start, end), nextToken };
}
