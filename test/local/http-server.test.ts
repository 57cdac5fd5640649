/**
 * The one request-body reader of the local endpoints: bodies up to the limit
 * arrive whole, larger ones are refused, and each endpoint answers that with
 * its own protocol's 413 instead of buffering without bound.
 */
import { createServer } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { BodyTooLargeError, closeServer, listenOnLoopback, readBody } from '../../local/http-server';
import { startLambda } from '../../local/lambda';
import { LOCAL_REGION } from '../../local/service';
import { startStepFunctions } from '../../local/sfn';

describe('readBody', () => {
  it('returns a body up to the limit byte for byte, and refuses one byte more', async () => {
    const outcomes: string[] = [];
    const server = createServer((req, res) => {
      readBody(req, 1024).then(
        (body) => {
          outcomes.push(`read ${body.length}`);
          res.end(body);
        },
        (error: unknown) => {
          outcomes.push(error instanceof BodyTooLargeError ? `too large over ${error.maxBytes}` : String(error));
          res.writeHead(413).end();
        },
      );
    });
    const port = await listenOnLoopback(server, 0);
    try {
      const exact = Buffer.from('é'.repeat(512));
      const echoed = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: exact });
      expect(Buffer.from(await echoed.arrayBuffer())).toEqual(exact);
      const refused = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(1025) });
      expect(refused.status).toBe(413);
      expect(outcomes).toEqual(['read 1024', 'too large over 1024']);
    } finally {
      await closeServer(server);
    }
  });
});

describe('oversized requests to the local endpoints', () => {
  it('Step Functions and Lambda answer 413 with their own error type', async () => {
    const lambda = await startLambda({ functions: [] });
    const sfn = await startStepFunctions({
      lambda,
      clients: { dynamodb: new DynamoDBClient({ region: LOCAL_REGION }), sns: new SNSClient({ region: LOCAL_REGION }) },
    });
    try {
      const sfnAnswer = await fetch(sfn.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.StartExecution' },
        body: JSON.stringify({ input: 'x'.repeat(2 * 1024 * 1024) }),
      });
      expect(sfnAnswer.status).toBe(413);
      expect(sfnAnswer.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLarge');

      const lambdaAnswer = await fetch(`${lambda.endpoint}/2015-03-31/functions/any/invocations`, {
        method: 'POST',
        body: 'x'.repeat(7 * 1024 * 1024),
      });
      expect(lambdaAnswer.status).toBe(413);
      expect(lambdaAnswer.headers.get('x-amzn-errortype')).toBe('RequestTooLargeException');
    } finally {
      await sfn.stop();
      await lambda.stop();
    }
  });
});
