/**
 * The public status page on the local stack, in real headless Chromium:
 * customer notices are sent by the real notify function (IAM enforced), then
 * a reader with no session opens /status and sees them in order, and the
 * Atom feed parses as XML with one entry per notice.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { chromium, type Browser } from 'playwright-core';
import { DynamoDbIncidentStore } from '../../functions/adapters/dynamodb-incident-store';
import { recordedIncidentItem } from '../../functions/adapters/dynamodb/layout';
import { documentClient } from '../../functions/adapters/dynamodb/table';
import type { ExecutionInput, NoticeStage } from '../../functions/domain/incident';
import { startStack, type LocalStack } from '../../local/stack';
import { childProcesses } from '../e2e/processes';
import { contrast } from './contrast';

const CHROMIUM = '/usr/bin/chromium';
const describeInChromium = existsSync(CHROMIUM) ? describe : describe.skip;
const RESULTS = path.resolve(__dirname, '..', '..', 'test-results');
const CACHE = 'sessions';
const INCIDENT = 'sessions-20250301T162400Z';

jest.setTimeout(180_000);

describeInChromium('the public status page, after notices were sent, in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let service: string;

  beforeAll(async () => {
    stack = await startStack();
    service = stack.environment.SERVICE_NAME as string;
    const doc = documentClient(stack.clients.dynamodb);
    const tableName = stack.description.tables.incidents;
    const store = new DynamoDbIncidentStore({ tableName, client: doc });
    const openedAt = new Date().toISOString();
    await store.acquireOpenLock({
      cacheId: CACHE,
      incidentId: INCIDENT,
      executionName: INCIDENT,
      executionInput: { incidentId: INCIDENT, cacheId: CACHE, groupId: INCIDENT } as ExecutionInput,
      openedAt,
    });
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: recordedIncidentItem({
          incidentId: INCIDENT,
          cacheId: CACHE,
          openedAt,
          executionArn: `arn:aws:states:us-east-1:000000000000:execution:x:${INCIDENT}`,
          executionName: INCIDENT,
          triggerAlarm: 'probe',
        }),
      }),
    );
    const stages: [NoticeStage, number?][] = [['INVESTIGATING'], ['ETA', 20], ['PARTIALLY_RESTORED'], ['RESOLVED']];
    for (const [stage, etaMinutes] of stages) {
      const out = await stack.lambda.invoke('notify', {
        incidentId: INCIDENT,
        cacheId: CACHE,
        stage,
        ...(etaMinutes !== undefined ? { etaMinutes } : {}),
      });
      expect(out).toMatchObject({ ok: true, payload: { published: true } });
      await new Promise((r) => setTimeout(r, 1100)); // one notice a second: their order is their time
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    expect(childProcesses()).toEqual([]);
  });

  it('is named in the stack description and shows the notices subscribers got, in order, on a phone', async () => {
    const url = stack.description.statusPageUrl as string;
    expect(url).toBe(`${stack.description.consoleUrl}/status`);
    const sent = stack.sns.published(stack.description.topics.status);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['cache-control']).toBe('public, max-age=30, stale-while-revalidate=60');
    expect(await page.getByRole('status').textContent()).toBe('All systems operational');
    const subjects = await page.locator('li.notice p.subject').allTextContents();
    expect(subjects).toEqual([
      `${service}: system outage`,
      `${service}: back in about 20 minutes`,
      `${service} is back online`,
      `${service}: resolved`,
    ]);
    expect(sent).toHaveLength(4);
    const text = (await page.evaluate('document.body.innerText')) as string;
    expect(text).not.toContain(CACHE);
    expect(text).not.toContain(INCIDENT);
    expect(await page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth')).toBe(
      false,
    );
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'status-page-phone.png'), fullPage: true });
    // Into docs/ for the README on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      copyFileSync(
        path.join(RESULTS, 'status-page-phone.png'),
        path.join(RESULTS, '..', 'docs', 'status-page-phone.png'),
      );
    }
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      // The banner in each state's colour, the text, the muted text and the links: WCAG AA on the page.
      const colours = (await page.evaluate(`(() => {
        const main = document.querySelector('main');
        const colourOf = (tag, className) => {
          const el = document.createElement(tag);
          el.className = className;
          main.appendChild(el);
          const c = getComputedStyle(el).color;
          el.remove();
          return c;
        };
        return {
          bg: getComputedStyle(document.body).backgroundColor,
          fg: [colourOf('p', 'operational'), colourOf('p', 'degraded'), colourOf('p', 'outage'), colourOf('p', 'muted'), colourOf('a', ''), getComputedStyle(document.body).color],
        };
      })()`)) as { bg: string; fg: string[] };
      const ratios = colours.fg.map((fg) => contrast(fg, colours.bg));
      expect({ colorScheme, low: ratios.filter((r) => r < 4.5) }).toEqual({ colorScheme, low: [] });
    }
    await context.close();
  });

  it('serves an Atom feed that parses as XML, one entry per notice, newest first', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const res = await context.request.get(`${stack.description.statusPageUrl as string}/feed.atom`);
    const xml = await res.text();
    await page.goto('about:blank');
    const parsed = (await page.evaluate(`((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      const ns = 'http://www.w3.org/2005/Atom';
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI + ' ' + doc.documentElement.localName,
        id: doc.documentElement.getElementsByTagNameNS(ns, 'id')[0].textContent,
        updated: doc.documentElement.getElementsByTagNameNS(ns, 'updated')[0].textContent,
        entries: [...doc.getElementsByTagNameNS(ns, 'entry')].map((e) => e.getElementsByTagNameNS(ns, 'title')[0].textContent),
      };
    })(${JSON.stringify(xml)})`)) as { error: number; root: string; id: string; updated: string; entries: string[] };
    const feed = { ...parsed, type: res.headers()['content-type'] };
    expect(feed).toMatchObject({ type: 'application/atom+xml; charset=utf-8', error: 0 });
    expect(feed.root).toBe('http://www.w3.org/2005/Atom feed');
    expect(feed.id).toBe(`${stack.description.consoleUrl}/status/feed.atom`);
    expect(Number.isNaN(Date.parse(feed.updated))).toBe(false);
    expect(feed.entries).toEqual([
      `${service}: resolved`,
      `${service} is back online`,
      `${service}: back in about 20 minutes`,
      `${service}: system outage`,
    ]);
    await context.close();
  });
});
