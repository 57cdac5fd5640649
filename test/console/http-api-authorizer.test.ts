/**
 * The local HTTP API answers what API Gateway answers for each outcome of a
 * Lambda REQUEST authorizer with simple responses (API Gateway "Working with
 * AWS Lambda authorizers for HTTP APIs", payload format 2.0,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):
 * `isAuthorized: false` → 403 `{"message":"Forbidden"}`; an authorizer that
 * fails, whatever its error message → 500; `isAuthorized: true` → the
 * integration runs with the authorizer's context.
 */
import type { InvokeOutcome } from '../../local/lambda';
import { startLocalConsole, type LocalConsole } from '../../local/console';

describe("local HTTP API in front of the console: the authorizer's verdict", () => {
  let local: LocalConsole;
  let verdict: InvokeOutcome;
  const calls: string[] = [];

  beforeAll(async () => {
    local = await startLocalConsole({
      port: 0,
      invoke: async (name, payload) => {
        calls.push(name);
        if (name === 'console-authorizer') return verdict;
        const who = (payload as { requestContext: { authorizer?: { lambda: Record<string, unknown> } } }).requestContext
          .authorizer;
        return {
          ok: true,
          payload: {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(who ?? null),
          },
        };
      },
    });
  });
  afterAll(async () => {
    await local?.stop();
  });
  beforeEach(() => {
    calls.length = 0;
  });

  const get = async () => {
    const res = await fetch(`${local.url}/`);
    return { status: res.status, body: await res.text() };
  };

  it('answers isAuthorized false with 403 Forbidden and never runs the console', async () => {
    verdict = { ok: true, payload: { isAuthorized: false } };
    expect(await get()).toEqual({ status: 403, body: '{"message":"Forbidden"}' });
    expect(calls).toEqual(['console-authorizer']);
  });

  it('answers an authorizer that throws with 500, a thrown "Unauthorized" included', async () => {
    for (const errorMessage of ['Unauthorized', 'boom']) {
      verdict = { ok: false, error: { errorType: 'Error', errorMessage } };
      expect(await get()).toEqual({ status: 500, body: '{"message":"Internal Server Error"}' });
    }
    expect(calls).toEqual(['console-authorizer', 'console-authorizer']);
  });

  it('answers a result without a boolean isAuthorized with 500', async () => {
    verdict = { ok: true, payload: { isAuthorized: 'yes' } };
    expect((await get()).status).toBe(500);
  });

  it("runs the console with the authorizer's context when isAuthorized is true", async () => {
    verdict = { ok: true, payload: { isAuthorized: true, context: { username: 'alice', groups: 'operators' } } };
    expect(await get()).toEqual({ status: 200, body: '{"lambda":{"username":"alice","groups":"operators"}}' });
    expect(calls).toEqual(['console-authorizer', 'console']);
  });
});
