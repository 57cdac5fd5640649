/**
 * An HTTP subscriber of the kind SREs point SNS at (a status page, a chat
 * webhook): it confirms its subscription through the SubscribeURL, as AWS
 * requires, and records every notification it receives.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';

export interface ReceivedNotification {
  topicArn: string;
  messageId: string;
  subject?: string;
  message: string;
  attributes: Record<string, string>;
  receivedAt: number;
}

export class HttpSubscriber {
  readonly received: ReceivedNotification[] = [];
  private readonly listeners: ((n: ReceivedNotification) => void)[] = [];
  private server: http.Server | undefined;
  private url = '';
  confirmations = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200).end();
        void this.handle(req.headers, Buffer.concat(chunks).toString('utf8'));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/sns`;
  }

  onNotification(listener: (n: ReceivedNotification) => void): void {
    this.listeners.push(listener);
  }

  async subscribe(sns: SNSClient, topicArn: string): Promise<void> {
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: this.url }));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  private async handle(headers: http.IncomingHttpHeaders, body: string): Promise<void> {
    const type = headers['x-amz-sns-message-type'];
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return;
    }
    if (type === 'SubscriptionConfirmation' && typeof doc.SubscribeURL === 'string') {
      const res = await fetch(doc.SubscribeURL);
      if (res.ok) this.confirmations += 1;
      return;
    }
    if (type !== 'Notification') return;
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries((doc.MessageAttributes ?? {}) as Record<string, { Value?: string }>)) {
      attributes[k] = String(v.Value ?? '');
    }
    const n: ReceivedNotification = {
      topicArn: String(doc.TopicArn),
      messageId: String(doc.MessageId),
      ...(typeof doc.Subject === 'string' ? { subject: doc.Subject } : {}),
      message: String(doc.Message),
      attributes,
      receivedAt: Date.now(),
    };
    this.received.push(n);
    for (const l of this.listeners) l(n);
  }
}
