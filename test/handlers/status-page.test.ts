/**
 * The status page's handler on HTTP API payload 2.0 requests: the page, its
 * Atom feed and its JSON from the projection, shared-cache headers and an
 * ETag that turns a repeated request into 304.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeHandler } from '../../functions/handlers/status-page';
import { FakeClock } from '../fakes/clock';
import { FakeStatusPages } from '../fakes/status-pages';
import { lambdaContext } from '../fakes';

const SERVICE = 'Acme';

function request(path: string, headers: Record<string, string> = {}, method = 'GET'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'status.example.com', 'x-forwarded-proto': 'https', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'status.example.com',
      domainPrefix: 'status',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'req',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/Mar/2025:18:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

async function world() {
  const clock = new FakeClock('2025-03-01T18:00:00.000Z');
  const pages = new FakeStatusPages(clock);
  const notices = [
    ['INVESTIGATING', '2025-03-01T16:24:00.000Z', 'Acme: system outage', 'Acme is experiencing a system outage.'],
    ['PARTIALLY_RESTORED', '2025-03-01T17:10:00.000Z', 'Acme is back online', 'Acme is back online. <Some> & "more".'],
  ] as const;
  for (const [stage, sentAt, subject, text] of notices) {
    await pages.recordNotice(SERVICE, { reference: 'sessions-20250301T162400Z', stage, subject, text, sentAt });
  }
  const handler = makeHandler({
    statusPage: pages,
    notices: { serviceName: SERVICE, supportContact: 'help@acme.test' },
  });
  const call = async (event: APIGatewayProxyEventV2) =>
    (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };
  return { pages, call };
}

describe('status page handler', () => {
  it('serves the page: current state, the notices in order, escaped, no script, both colour schemes', async () => {
    const { call } = await world();
    const res = await call(request('/status'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const body = String(res.body);
    expect(body).toContain('Degraded performance');
    expect(body.indexOf('Acme: system outage')).toBeLessThan(body.indexOf('Acme is back online'));
    expect(body).toContain('&lt;Some&gt; &amp; &quot;more&quot;');
    expect(body).not.toMatch(/<script/i);
    expect(body).toContain('prefers-color-scheme:dark');
    expect(body).toContain('name="viewport"');
    expect(body).toContain('href="/status/feed.atom"');
    expect(body).not.toContain('sessions');
  });

  it('serves a valid Atom 1.0 feed: its id and updated, one entry per notice, newest first', async () => {
    const { call } = await world();
    const res = await call(request('/status/feed.atom'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    // Parsed as XML by Chromium in test/browser/status-page.test.ts; here, the elements RFC 4287 requires.
    const body = String(res.body);
    expect(body.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const head = body.slice(0, body.indexOf('<entry>'));
    expect(head).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(head).toContain('<id>https://status.example.com/status/feed.atom</id>');
    expect(head).toContain('<updated>2025-03-01T17:10:00.000Z</updated>');
    expect(head).toContain('<author><name>Acme</name></author>');
    expect(head).toContain(
      '<link rel="self" type="application/atom+xml" href="https://status.example.com/status/feed.atom"/>',
    );
    const entries = [...body.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => m[1] ?? '');
    expect(entries.map((e) => /<title>(.*)<\/title>/.exec(e)?.[1])).toEqual([
      'Acme is back online',
      'Acme: system outage',
    ]);
    const ids = entries.map((e) => /<id>(.*)<\/id>/.exec(e)?.[1]);
    for (const id of ids) expect(id).toMatch(/^https:\/\/status\.example\.com\/status#20250301-162400-[A-Z_]+$/);
    expect(new Set(ids).size).toBe(2);
    for (const e of entries) expect(e).toMatch(/<updated>\d{4}-\d\d-\d\dT[^<]+<\/updated>/);
    expect(entries[0]).toContain(
      '<content type="text">Acme is back online. &lt;Some&gt; &amp; &quot;more&quot;.</content>',
    );
  });

  it('serves JSON with the state and events and no internal field', async () => {
    const { call } = await world();
    const res = await call(request('/status.json'));
    const doc = JSON.parse(String(res.body)) as Record<string, unknown> & { events: Record<string, unknown>[] };
    expect(doc).toMatchObject({ service: 'Acme', state: 'degraded', supportContact: 'help@acme.test' });
    expect(Object.keys(doc.events[0]!).sort()).toEqual(['notices', 'ref', 'startedAt', 'state', 'updatedAt']);
    expect(String(res.body)).not.toMatch(/source|sessions|incident|cache/i);
  });

  it('lets shared caches keep each form 30 s and answers a matching If-None-Match with 304', async () => {
    const { call, pages } = await world();
    for (const path of ['/status', '/status/feed.atom', '/status.json']) {
      const first = await call(request(path));
      expect(first.headers['cache-control']).toBe('public, max-age=30, stale-while-revalidate=60');
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await call(request(path, { 'if-none-match': etag }));
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
    }
    const before = (await call(request('/status.json'))).headers.etag as string;
    await pages.recordNotice(SERVICE, {
      reference: 'sessions-20250301T162400Z',
      stage: 'RESOLVED',
      subject: 'Acme: resolved',
      text: 'The issue is resolved.',
      sentAt: '2025-03-01T18:20:00.000Z',
    });
    const changed = await call(request('/status.json', { 'if-none-match': before }));
    expect(changed.statusCode).toBe(200);
    expect(JSON.parse(String(changed.body))).toMatchObject({ state: 'operational' });
  });

  it('says all is well before any notice, and refuses other paths and methods', async () => {
    const clock = new FakeClock();
    const handler = makeHandler({
      statusPage: new FakeStatusPages(clock),
      notices: { serviceName: SERVICE, supportContact: 'help@acme.test' },
    });
    const call = async (e: APIGatewayProxyEventV2) =>
      (await handler(e, lambdaContext())) as APIGatewayProxyStructuredResultV2;
    const empty = await call(request('/status'));
    expect(String(empty.body)).toContain('All systems operational');
    expect(String(empty.body)).toContain('No incidents reported.');
    expect((await call(request('/status/other'))).statusCode).toBe(404);
    expect((await call(request('/status', {}, 'POST'))).statusCode).toBe(405);
  });
});
