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
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { LocalSns } from '../../local/sns';
import { startSns } from '../../local/sns';
import { matchesFilterPolicy, parseFilterPolicy } from '../../local/sns/filter-policy';
import type { MessageAttribute } from '../../local/sns/model';
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
  it('creates idempotently by name, with attributes and tags', async () => {
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

    const { Attributes } = await client.send(new GetTopicAttributesCommand({ TopicArn: first.TopicArn }));
    expect(Attributes).toMatchObject({
      TopicArn: first.TopicArn,
      DisplayName: 'Alerts',
      KmsMasterKeyId: 'alias/aws/sns',
      Owner: '000000000000',
    });
    await client.send(
      new SetTopicAttributesCommand({
        TopicArn: first.TopicArn,
        AttributeName: 'DisplayName',
        AttributeValue: 'Renamed',
      }),
    );
    const updated = await client.send(new GetTopicAttributesCommand({ TopicArn: first.TopicArn }));
    expect(updated.Attributes?.DisplayName).toBe('Renamed');

    const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceArn: first.TopicArn }));
    expect(Tags).toEqual([{ Key: 'team', Value: 'cache' }]);
    await expect(
      client.send(new CreateTopicCommand({ Name: 'alerts', Attributes: { DisplayName: 'Other' } })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('lists and deletes topics', async () => {
    const arn = await topic('short-lived');
    expect((await client.send(new ListTopicsCommand({}))).Topics).toContainEqual({ TopicArn: arn });
    await client.send(new DeleteTopicCommand({ TopicArn: arn }));
    expect((await client.send(new ListTopicsCommand({}))).Topics).not.toContainEqual({ TopicArn: arn });
    await expect(client.send(new DeleteTopicCommand({ TopicArn: arn }))).resolves.toBeDefined();
  });

  it('rejects invalid names and unknown topics', async () => {
    await expect(client.send(new CreateTopicCommand({ Name: 'bad name!' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      client.send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing' })),
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

    const pending = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(pending.Subscriptions?.[0]?.SubscriptionArn).toBe('PendingConfirmation');
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'not yet' }));
    expect(await notifications('/handshake')).toHaveLength(0);

    const response = await fetch(confirmation.SubscribeURL ?? '');
    expect(response.status).toBe(200);
    const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(await response.text())?.[1];
    expect(arn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));

    const confirmed = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(confirmed.Subscriptions?.[0]).toMatchObject({ SubscriptionArn: arn, Protocol: 'http', TopicArn: topicArn });
    const { Attributes } = await client.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
    expect(Attributes).toMatchObject({ PendingConfirmation: 'false', Protocol: 'http', RawMessageDelivery: 'false' });
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
    const { SubscriptionArn } = await client.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: token }));
    const { Attributes } = await client.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
    expect(Attributes).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.com', PendingConfirmation: 'false' });

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

    const unsubscribe = await fetch(String(notification?.UnsubscribeURL));
    expect(unsubscribe.status).toBe(200);
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'after unsubscribe' }));
    expect(await notifications('/notify')).toHaveLength(1);
    expect(subscriber.json('/notify').map((m) => m.Type)).toContain('UnsubscribeConfirmation');
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
    const arn = await confirmedHttpSubscription(topicArn, '/raw');
    await client.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: arn,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'true',
      }),
    );
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: '{"stage":"restore"}' }));
    await sns.idle();
    const delivered = subscriber.on('/raw').filter((r) => r.headers['x-amz-sns-message-type'] === 'Notification');
    expect(delivered.map((r) => r.body)).toEqual(['{"stage":"restore"}']);
    expect(delivered[0]?.headers['x-amz-sns-rawdelivery']).toBe('true');
  });

  it('drops messages that do not match the filter policy', async () => {
    const topicArn = await topic('filtered');
    await confirmedHttpSubscription(topicArn, '/filtered', {
      FilterPolicy: JSON.stringify({ stage: ['restore', { prefix: 'cutover' }], severity: [{ numeric: ['>=', 3] }] }),
    });
    await confirmedHttpSubscription(topicArn, '/body-filtered', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: JSON.stringify({ cache: { state: [{ 'anything-but': 'healthy' }] } }),
    });
    const publish = (message: string, stage: string, severity: string): Promise<unknown> =>
      client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: message,
          MessageAttributes: {
            stage: { DataType: 'String', StringValue: stage },
            severity: { DataType: 'Number', StringValue: severity },
          },
        }),
      );
    await publish('{"cache":{"state":"dead"}}', 'restore', '5');
    await publish('{"cache":{"state":"healthy"}}', 'cutover-2', '3');
    await publish('not json', 'restore', '1');
    await publish('{"cache":{"state":"degraded"}}', 'detect', '9');

    expect((await notifications('/filtered')).map((n) => n.Message)).toEqual([
      '{"cache":{"state":"dead"}}',
      '{"cache":{"state":"healthy"}}',
    ]);
    expect((await notifications('/body-filtered')).map((n) => n.Message)).toEqual([
      '{"cache":{"state":"dead"}}',
      '{"cache":{"state":"degraded"}}',
    ]);
    expect(sns.published(topicArn)).toHaveLength(4);
  });

  it('rejects invalid filter policies', async () => {
    const topicArn = await topic('bad-filter');
    await expect(
      client.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'http',
          Endpoint: subscriber.url('/x'),
          Attributes: { FilterPolicy: '{"a":[{"prefx":"b"}]}' },
        }),
      ),
    ).rejects.toThrow(/Unrecognized match type prefx/);
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

  it('publishes batches and reports per-entry failures', async () => {
    const topicArn = await topic('batch');
    const result = await client.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: 'ok', Message: 'fine', MessageAttributes: { n: { DataType: 'Number', StringValue: '1' } } },
          { Id: 'bad', Message: '' },
        ],
      }),
    );
    expect(result.Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'InvalidParameter', SenderFault: true }),
    ]);
    expect(sns.published(topicArn).map((m) => m.message)).toEqual(['fine']);
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
      client.send(new UnsubscribeCommand({ SubscriptionArn: `${topicArn}:00000000-0000-0000-0000-000000000000` })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('accepts a message of exactly 256 KB', async () => {
    const topicArn = await topic('big');
    await expect(
      client.send(new PublishCommand({ TopicArn: topicArn, Message: 'x'.repeat(256 * 1024) })),
    ).resolves.toHaveProperty('MessageId');
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

  it('creates a topic, publishes and lists through `aws sns`', async () => {
    const available = await cli('aws', ['--version'], { env }).then(
      () => true,
      () => false,
    );
    if (!available) {
      console.warn('skipping AWS CLI check: `aws` is not installed');
      return;
    }
    const aws = async (...args: string[]): Promise<Record<string, unknown>> =>
      JSON.parse(
        (await cli('aws', ['--endpoint-url', sns.endpoint, '--output', 'json', 'sns', ...args], { env })).stdout,
      ) as Record<string, unknown>;
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
});

describe('filter policy matching', () => {
  const attrs = (entries: Record<string, [string, string]>): Map<string, MessageAttribute> =>
    new Map(Object.entries(entries).map(([name, [DataType, Value]]) => [name, { DataType, Value }]));
  const matches = (policy: object, attributes: Map<string, MessageAttribute>): boolean =>
    matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy), 'MessageAttributes'), '', attributes);

  it.each([
    [{ s: ['a'] }, { s: ['String', 'a'] }, true],
    [{ s: ['a', 'b'] }, { s: ['String', 'b'] }, true],
    [{ s: ['a'] }, { s: ['String', 'c'] }, false],
    [{ s: ['a'] }, {}, false],
    [{ s: [{ 'anything-but': ['a', 'b'] }] }, { s: ['String', 'c'] }, true],
    [{ s: [{ 'anything-but': 'a' }] }, { s: ['String', 'a'] }, false],
    [{ s: [{ 'anything-but': 'a' }] }, {}, false],
    [{ s: [{ 'anything-but': { prefix: 'pre' } }] }, { s: ['String', 'prefix'] }, false],
    [{ s: [{ prefix: 'pre' }] }, { s: ['String', 'prefix'] }, true],
    [{ s: [{ suffix: 'fix' }] }, { s: ['String', 'prefix'] }, true],
    [{ s: [{ 'equals-ignore-case': 'ABC' }] }, { s: ['String', 'abc'] }, true],
    [{ n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: ['Number', '5'] }, true],
    [{ n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: ['Number', '5.5'] }, false],
    [{ n: [{ numeric: ['=', 3] }] }, { n: ['Number', '3.0'] }, true],
    [{ n: [{ numeric: ['=', 3] }] }, { n: ['String', '3'] }, false],
    [{ n: [3] }, { n: ['Number', '3'] }, true],
    [{ s: [{ exists: true }] }, { s: ['Binary', 'AQID'] }, true],
    [{ s: [{ exists: false }] }, {}, true],
    [{ s: [{ exists: false }] }, { s: ['String', 'x'] }, false],
    [{ list: ['b'] }, { list: ['String.Array', '["a","b"]'] }, true],
    [{ list: ['c'] }, { list: ['String.Array', '["a","b"]'] }, false],
    [{ a: ['x'], b: ['y'] }, { a: ['String', 'x'], b: ['String', 'z'] }, false],
    [{ a: ['x'], b: ['y'] }, { a: ['String', 'x'], b: ['String', 'y'] }, true],
    [{ $or: [{ a: ['x'] }, { b: ['y'] }] }, { b: ['String', 'y'] }, true],
  ])('%j against %j → %s', (policy, attributes, expected) => {
    expect(matches(policy, attrs(attributes as Record<string, [string, string]>))).toBe(expected);
  });

  it('matches nested message bodies, including arrays', () => {
    const policy = parseFilterPolicy(JSON.stringify({ cache: { nodes: { role: ['primary'] } } }), 'MessageBody');
    expect(
      matchesFilterPolicy(
        policy,
        JSON.stringify({ cache: { nodes: [{ role: 'replica' }, { role: 'primary' }] } }),
        new Map(),
      ),
    ).toBe(true);
    expect(matchesFilterPolicy(policy, JSON.stringify({ cache: { nodes: [{ role: 'replica' }] } }), new Map())).toBe(
      false,
    );
  });

  it('rejects nested policies for the MessageAttributes scope and overly complex policies', () => {
    expect(() => parseFilterPolicy('{"a":{"b":["c"]}}', 'MessageAttributes')).toThrow(/does not support nested/);
    expect(() =>
      parseFilterPolicy(
        JSON.stringify({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] }),
        'MessageAttributes',
      ),
    ).toThrow(/more than 5 keys/);
  });
});
