import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  InvalidParameterValueException,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import type { LocalSns } from '../../local/sns';
import { startSns } from '../../local/sns';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/service';

interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A local HTTP(S)-protocol subscriber that records every POST it receives. */
class Subscriber {
  readonly received: Received[] = [];
  /** Status codes to answer with, consumed one per request; 200 once exhausted. */
  readonly statuses: number[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(this.statuses.shift() ?? 200).end();
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  json(path: string): Record<string, unknown>[] {
    return this.on(path).map((r) => JSON.parse(r.body) as Record<string, unknown>);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let sns: LocalSns;
let client: SNSClient;
const subscriber = new Subscriber();

beforeAll(async () => {
  sns = await startSns({ delivery: { baseDelayMs: 5 } });
  client = new SNSClient({ endpoint: sns.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await subscriber.start();
});

afterAll(async () => {
  client.destroy();
  await sns.stop();
  await sns.stop();
  await subscriber.stop();
});

async function topic(name: string): Promise<string> {
  const { TopicArn } = await client.send(new CreateTopicCommand({ Name: name }));
  return TopicArn ?? '';
}

/** Subscribes an HTTP endpoint and completes the handshake through the SubscribeURL, as a real endpoint would. */
async function confirmedHttpSubscription(
  topicArn: string,
  path: string,
  attributes?: Record<string, string>,
): Promise<string> {
  await client.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'http',
      Endpoint: subscriber.url(path),
      Attributes: attributes,
    }),
  );
  await sns.idle();
  const confirmation = subscriber.json(path).find((m) => m.Type === 'SubscriptionConfirmation');
  const response = await fetch(String(confirmation?.SubscribeURL));
  const xml = await response.text();
  return /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(xml)?.[1] ?? '';
}

async function notifications(path: string): Promise<Record<string, unknown>[]> {
  await sns.idle();
  return subscriber.json(path).filter((m) => m.Type === 'Notification');
}

describe('topics', () => {
  it('creates idempotently by name; the same name with other attributes or tags is refused', async () => {
    const first = await client.send(
      new CreateTopicCommand({
        Name: 'alerts',
        Attributes: { DisplayName: 'Alerts', KmsMasterKeyId: 'alias/aws/sns' },
        Tags: [{ Key: 'team', Value: 'cache' }],
      }),
    );
    const again = await client.send(new CreateTopicCommand({ Name: 'alerts' }));
    expect(first.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:alerts');
    expect(again.TopicArn).toBe(first.TopicArn);

    await expect(
      client.send(new CreateTopicCommand({ Name: 'alerts', Attributes: { DisplayName: 'Other' } })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      client.send(new CreateTopicCommand({ Name: 'alerts', Tags: [{ Key: 'team', Value: 'other' }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      client.send(new CreateTopicCommand({ Name: 'odd-attribute', Attributes: { Colour: 'blue' } })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('lists topics, 100 a page', async () => {
    const arn = await topic('listed');
    expect((await client.send(new ListTopicsCommand({}))).Topics).toContainEqual({ TopicArn: arn });
    for (let i = 0; i < 100; i++) await topic(`page-${i}`);
    const first = await client.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await client.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    expect(second.NextToken).toBeUndefined();
    const all = [...(first.Topics ?? []), ...(second.Topics ?? [])].map((t) => t.TopicArn);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining([arn, `${arn.replace(/listed$/, 'page-99')}`]));
    await expect(
      client.send(new ListTopicsCommand({ NextToken: Buffer.from('nope').toString('base64url') })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('rejects invalid names and unknown topics', async () => {
    await expect(client.send(new CreateTopicCommand({ Name: 'bad name!' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      client.send(
        new SubscribeCommand({
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing',
          Protocol: 'http',
          Endpoint: subscriber.url('/missing'),
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('http subscriptions', () => {
  it('sends a SubscriptionConfirmation and stays pending until the SubscribeURL is visited', async () => {
    const topicArn = await topic('handshake');
    const subscribed = await client.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: subscriber.url('/handshake') }),
    );
    expect(subscribed.SubscriptionArn).toBe('pending confirmation');
    await sns.idle();

    const [request] = subscriber.on('/handshake');
    expect(request?.headers).toMatchObject({
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
      'x-amz-sns-topic-arn': topicArn,
      'content-type': 'text/plain; charset=UTF-8',
    });
    const confirmation = JSON.parse(request?.body ?? '{}') as Record<string, string>;
    expect(Object.keys(confirmation)).toEqual([
      'Type',
      'MessageId',
      'Token',
      'TopicArn',
      'Message',
      'SubscribeURL',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
    ]);
    expect(request?.headers['x-amz-sns-message-id']).toBe(confirmation.MessageId);
    expect(confirmation.SubscribeURL).toContain(`${sns.endpoint}/?Action=ConfirmSubscription`);

    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'not yet' }));
    expect(await notifications('/handshake')).toHaveLength(0);

    const response = await fetch(confirmation.SubscribeURL ?? '');
    expect(response.status).toBe(200);
    const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(await response.text())?.[1];
    expect(arn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));

    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'now' }));
    expect((await notifications('/handshake')).map((n) => n.Message)).toEqual(['now']);
    const delivered = subscriber.on('/handshake').find((r) => r.headers['x-amz-sns-message-type'] === 'Notification');
    expect(delivered?.headers['x-amz-sns-subscription-arn']).toBe(arn);
    expect(delivered?.headers['x-amz-sns-rawdelivery']).toBeUndefined();
  });

  it('confirms through the API with the token, and rejects a wrong token', async () => {
    const topicArn = await topic('api-confirm');
    await client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'https',
        Endpoint: 'https://127.0.0.1:1/never',
        ReturnSubscriptionArn: true,
      }),
    );
    const email = await client.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' }),
    );
    expect(email.SubscriptionArn).toBe('pending confirmation');
    await sns.idle();
    const recorded = sns.deliveries().find((d) => d.protocol === 'email' && d.topicArn === topicArn);
    expect(recorded?.status).toBe('recorded');
    const token = /Token=([0-9a-f]+)/.exec(recorded?.body ?? '')?.[1];

    await expect(
      client.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: 'nope' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'before confirmation' }));
    const { SubscriptionArn } = await client.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: token }));
    expect(SubscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'after confirmation' }));
    await sns.idle();
    const emailed = sns.deliveries().filter((d) => d.subscriptionArn === SubscriptionArn && d.type === 'Notification');
    expect(emailed.map((d) => [d.endpoint, d.status, d.body])).toEqual([
      ['ops@example.com', 'recorded', 'after confirmation'],
    ]);

    const failed = sns.deliveries().find((d) => d.protocol === 'https' && d.topicArn === topicArn);
    expect(failed).toMatchObject({ status: 'failed', attempts: 4 });
  });

  it('delivers notifications with SNS headers and the JSON envelope', async () => {
    const topicArn = await topic('notify');
    const subscriptionArn = await confirmedHttpSubscription(topicArn, '/notify');
    const { MessageId } = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'Cache down',
        Message: 'primary is gone',
        MessageAttributes: {
          stage: { DataType: 'String', StringValue: 'detect' },
          attempt: { DataType: 'Number', StringValue: '2' },
          zones: { DataType: 'String.Array', StringValue: '["a","b"]' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );

    const [notification] = await notifications('/notify');
    const request = subscriber.on('/notify').find((r) => r.headers['x-amz-sns-message-type'] === 'Notification');
    expect(request?.headers).toMatchObject({
      'x-amz-sns-message-id': MessageId,
      'x-amz-sns-topic-arn': topicArn,
      'x-amz-sns-subscription-arn': subscriptionArn,
      'content-type': 'text/plain; charset=UTF-8',
    });
    expect(notification).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topicArn,
      Subject: 'Cache down',
      Message: 'primary is gone',
      SignatureVersion: '1',
      MessageAttributes: {
        stage: { Type: 'String', Value: 'detect' },
        attempt: { Type: 'Number', Value: '2' },
        zones: { Type: 'String.Array', Value: '["a","b"]' },
        blob: { Type: 'Binary', Value: 'AQID' },
      },
    });
    expect(typeof notification?.Signature).toBe('string');
    expect(String(notification?.Timestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // Every notification carries an UnsubscribeURL; the local stack does not implement Unsubscribe.
    expect(String(notification?.UnsubscribeURL)).toContain(`${sns.endpoint}/?Action=Unsubscribe`);
    const unsubscribe = await fetch(String(notification?.UnsubscribeURL));
    expect(unsubscribe.status).toBe(400);
    expect(await unsubscribe.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('selects the http entry of a MessageStructure json message, else default', async () => {
    const topicArn = await topic('structured');
    await confirmedHttpSubscription(topicArn, '/structured');
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'plain', http: 'for http' }),
      }),
    );
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'fallback', email: 'x' }),
      }),
    );
    expect((await notifications('/structured')).map((n) => n.Message)).toEqual(['for http', 'fallback']);
  });

  it('sends only the message with raw delivery', async () => {
    const topicArn = await topic('raw');
    await confirmedHttpSubscription(topicArn, '/raw', { RawMessageDelivery: 'true' });
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: '{"stage":"restore"}' }));
    await sns.idle();
    const delivered = subscriber.on('/raw').filter((r) => r.headers['x-amz-sns-message-type'] === 'Notification');
    expect(delivered.map((r) => r.body)).toEqual(['{"stage":"restore"}']);
    expect(delivered[0]?.headers['x-amz-sns-rawdelivery']).toBe('true');
  });

  it('refuses subscription filter policies, which the local stack does not implement', async () => {
    const topicArn = await topic('filtered');
    const refused: Record<string, string>[] = [
      { FilterPolicy: JSON.stringify({ stage: ['restore'] }) },
      { FilterPolicyScope: 'MessageBody' },
    ];
    for (const attributes of refused) {
      await expect(
        client.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: 'http',
            Endpoint: subscriber.url('/filtered'),
            Attributes: attributes,
          }),
        ),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringMatching(/filter policies are not available locally/),
      });
    }
    await sns.idle();
    expect(subscriber.on('/filtered')).toEqual([]);
  });

  it('refuses raw delivery for a protocol without it, and a subscription repeated with other attributes', async () => {
    const topicArn = await topic('attributes');
    await expect(
      client.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'email',
          Endpoint: 'ops@example.com',
          Attributes: { RawMessageDelivery: 'true' },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await confirmedHttpSubscription(topicArn, '/attributes');
    await expect(
      client.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'http',
          Endpoint: subscriber.url('/attributes'),
          Attributes: { RawMessageDelivery: 'true' },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('retries failed deliveries with backoff without blocking Publish', async () => {
    const topicArn = await topic('flaky');
    await confirmedHttpSubscription(topicArn, '/flaky');
    subscriber.statuses.push(500, 503);
    const started = Date.now();
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'eventually' }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await notifications('/flaky')).map((n) => n.Message)).toEqual(['eventually', 'eventually', 'eventually']);
    const record = sns.deliveries().find((d) => d.topicArn === topicArn && d.type === 'Notification');
    expect(record).toMatchObject({ status: 'delivered', attempts: 3 });
  });
});

describe('publish', () => {
  it('records published messages for assertions', async () => {
    const topicArn = await topic('drill');
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'one',
        MessageAttributes: { stage: { DataType: 'String', StringValue: 'detect' } },
      }),
    );
    expect(sns.published(topicArn)).toEqual([
      expect.objectContaining({
        topicArn,
        message: 'one',
        messageAttributes: { stage: { DataType: 'String', Value: 'detect' } },
      }),
    ]);
    expect(sns.published().length).toBeGreaterThanOrEqual(1);
  });

  it('supports FIFO topics with deduplication', async () => {
    const { TopicArn } = await client.send(
      new CreateTopicCommand({
        Name: 'events.fifo',
        Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    const first = await client.send(new PublishCommand({ TopicArn, Message: 'same', MessageGroupId: 'g' }));
    const duplicate = await client.send(new PublishCommand({ TopicArn, Message: 'same', MessageGroupId: 'g' }));
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);
    expect(duplicate.MessageId).toBe(first.MessageId);
    expect(sns.published(TopicArn)).toHaveLength(1);
    await expect(client.send(new PublishCommand({ TopicArn, Message: 'x' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('returns NotFound, InvalidParameter and ParameterValueInvalid like SNS', async () => {
    const topicArn = await topic('errors');
    const missing = client.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Message: 'x' }),
    );
    await expect(missing).rejects.toBeInstanceOf(NotFoundException);
    await expect(missing).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
      message: 'Topic does not exist',
    });

    const invalid = [
      new PublishCommand({ TopicArn: 'not-an-arn', Message: 'x' }),
      new PublishCommand({ TopicArn: topicArn, Message: '' }),
      new PublishCommand({ TopicArn: topicArn, Message: 'x'.repeat(256 * 1024 + 1) }),
      new PublishCommand({ TopicArn: topicArn, Message: '{"http":"no default"}', MessageStructure: 'json' }),
      new PublishCommand({ TopicArn: topicArn, Message: 'x', Subject: 'line\nbreak' }),
    ];
    for (const command of invalid) {
      await expect(client.send(command)).rejects.toMatchObject({
        name: 'InvalidParameterException',
        $metadata: { httpStatusCode: 400 },
      });
    }
    await expect(
      client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      client.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'carrier-pigeon', Endpoint: 'x' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      client.send(new PublishCommand({ TopicArn: topicArn, Message: 'x', PhoneNumber: '+15555550100' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('accepts a message of exactly 256 KB', async () => {
    const topicArn = await topic('big');
    await expect(
      client.send(new PublishCommand({ TopicArn: topicArn, Message: 'x'.repeat(256 * 1024) })),
    ).resolves.toHaveProperty('MessageId');
  });
});

describe('actions the local stack does not use', () => {
  it('answers each with InvalidAction, as SNS answers an action it does not know', async () => {
    const topicArn = await topic('unused-actions');
    const subscriptionArn = `${topicArn}:00000000-0000-0000-0000-000000000000`;
    const unused: [string, Promise<unknown>][] = [
      ['DeleteTopic', client.send(new DeleteTopicCommand({ TopicArn: topicArn }))],
      ['GetTopicAttributes', client.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))],
      [
        'SetTopicAttributes',
        client.send(
          new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'DisplayName', AttributeValue: 'x' }),
        ),
      ],
      ['Unsubscribe', client.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }))],
      ['ListSubscriptions', client.send(new ListSubscriptionsCommand({}))],
      ['ListSubscriptionsByTopic', client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))],
      [
        'GetSubscriptionAttributes',
        client.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })),
      ],
      [
        'SetSubscriptionAttributes',
        client.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subscriptionArn,
            AttributeName: 'RawMessageDelivery',
            AttributeValue: 'true',
          }),
        ),
      ],
      [
        'PublishBatch',
        client.send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: [{ Id: 'a', Message: 'x' }] }),
        ),
      ],
      ['ListTagsForResource', client.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }))],
      ['TagResource', client.send(new TagResourceCommand({ ResourceArn: topicArn, Tags: [{ Key: 'k', Value: 'v' }] }))],
      ['UntagResource', client.send(new UntagResourceCommand({ ResourceArn: topicArn, TagKeys: ['k'] }))],
    ];
    for (const [action, sent] of unused) {
      await expect(sent).rejects.toMatchObject({
        name: 'InvalidAction',
        message: `Could not find operation ${action} for version 2010-03-31`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    // Nothing was done: DeleteTopic left the topic, which still takes messages.
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'still here' }));
    expect(sns.published(topicArn).map((m) => m.message)).toEqual(['still here']);
  });

  it('answers a request without an Action with MissingAction, in the Query error shape', async () => {
    const response = await fetch(sns.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Version=2010-03-31',
    });
    expect(response.status).toBe(400);
    const xml = await response.text();
    expect(xml).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>MissingAction<\/Code>/,
    );
    expect(xml).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  });
});

describe('AWS CLI', () => {
  const cli = promisify(execFile);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
  const cliAvailable = (): Promise<boolean> =>
    cli('aws', ['--version'], { env }).then(
      () => true,
      () => false,
    );
  const aws = async (...args: string[]): Promise<Record<string, unknown>> =>
    JSON.parse(
      (await cli('aws', ['--endpoint-url', sns.endpoint, '--output', 'json', 'sns', ...args], { env })).stdout,
    ) as Record<string, unknown>;

  it('creates a topic, publishes and lists through `aws sns`', async () => {
    if (!(await cliAvailable())) {
      console.warn('skipping AWS CLI check: `aws` is not installed');
      return;
    }
    const { TopicArn } = await aws('create-topic', '--name', 'cli-topic');
    const { MessageId } = await aws(
      'publish',
      '--topic-arn',
      String(TopicArn),
      '--message',
      'from cli',
      '--message-attributes',
      '{"stage":{"DataType":"String","StringValue":"cli"}}',
    );
    expect(typeof MessageId).toBe('string');
    expect(sns.published(String(TopicArn))).toEqual([
      expect.objectContaining({
        message: 'from cli',
        messageAttributes: { stage: { DataType: 'String', Value: 'cli' } },
      }),
    ]);
    const { Topics } = await aws('list-topics');
    expect(Topics).toContainEqual({ TopicArn });
  });

  it('subscribes and confirms through `aws sns`; an action the stack does not implement is InvalidAction', async () => {
    if (!(await cliAvailable())) {
      console.warn('skipping AWS CLI check: `aws` is not installed');
      return;
    }
    const { TopicArn } = await aws('create-topic', '--name', 'cli-subscribed');
    const topicArn = String(TopicArn);
    const subscribed = await aws(
      'subscribe',
      '--topic-arn',
      topicArn,
      '--protocol',
      'http',
      '--notification-endpoint',
      subscriber.url('/cli'),
    );
    expect(subscribed.SubscriptionArn).toBe('pending confirmation');
    await sns.idle();
    const token = String(subscriber.json('/cli').find((m) => m.Type === 'SubscriptionConfirmation')?.Token);
    const confirmed = await aws('confirm-subscription', '--topic-arn', topicArn, '--token', token);
    expect(String(confirmed.SubscriptionArn)).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    await aws('publish', '--topic-arn', topicArn, '--message', 'to the cli subscriber');
    expect((await notifications('/cli')).map((n) => n.Message)).toEqual(['to the cli subscriber']);

    const refused = await cli('aws', ['--endpoint-url', sns.endpoint, 'sns', 'list-subscriptions'], { env }).then(
      () => '',
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(refused).toContain(
      'An error occurred (InvalidAction) when calling the ListSubscriptions operation: Could not find operation ListSubscriptions for version 2010-03-31',
    );
  });
});
