/**
 * The incidents list of a provider outage in real headless Chromium, rendered
 * from the view model (no drill): on a laptop (1366×800) the group is one row
 * with its caches indented beneath and nothing scrolls sideways; on a phone
 * (390×844) it is one card with a card per cache inside; in words and at WCAG
 * AA contrast in both colour schemes.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { listPage } from '../../functions/console/html';
import { timeZoneOf } from '../../functions/domain/time-labels';
import { listIncidents } from '../../functions/usecases/incident-view';
import { NOW, providerOutageWorld } from '../console/group-world';
import { contrastFailures } from './contrast';

/** The page's own function, run in Chromium (the tests' TypeScript has no DOM library). */
declare const getComputedStyle: (element: unknown) => { borderTopStyle: string; paddingLeft: string };

const CHROMIUM = '/usr/bin/chromium';
const describeInChromium = existsSync(CHROMIUM) ? describe : describe.skip;
const LAPTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };
const RESULTS = path.resolve(__dirname, '..', '..', 'test-results');
const ENUM_NAME = /\b[A-Z]{2,}(_[A-Z]+)+\b/;

jest.setTimeout(60_000);

const scrollsSideways = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth') as Promise<boolean>;

/** Left edges of the group's row and its first cache, and whether the group's body draws a card. */
async function layout(page: Page): Promise<{ headLeft: number; memberLeft: number; groupBorder: string }> {
  const head = await page.locator('tbody.group tr.group-head td').first().boundingBox();
  const member = await page.locator('tbody.group tr.member td').first().boundingBox();
  const groupBorder = await page.locator('tbody.group').evaluate((b) => getComputedStyle(b).borderTopStyle);
  return { headLeft: head?.x ?? NaN, memberLeft: member?.x ?? NaN, groupBorder };
}

describeInChromium('a provider outage in the console list, in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('one row with its caches beneath on a laptop, nested cards on a phone, in words, AA contrast', async () => {
    const list = await listIncidents(await providerOutageWorld());
    const html = listPage(list, 'dana', 'csrf', { zone: timeZoneOf('America/New_York'), now: new Date(NOW) });
    const context = await browser.newContext({ viewport: LAPTOP, deviceScaleFactor: 1, colorScheme: 'light' });
    const page = await context.newPage();
    await page.setContent(html);

    const group = page.getByRole('rowgroup', { name: /acme-redis/ });
    expect(await group.getByRole('row').count()).toBe(4);
    expect(await group.getByRole('row').first().textContent()).toContain('3 caches · 1 resolved');
    expect(await scrollsSideways(page)).toBe(false);
    expect(await page.locator('#incidents').evaluate((t) => t.scrollWidth <= t.clientWidth)).toBe(true);
    const laptop = await layout(page);
    expect(laptop.memberLeft).toBe(laptop.headLeft); // the same column…
    const indent = await page
      .locator('tbody.group tr.member td')
      .first()
      .evaluate((td) => parseFloat(getComputedStyle(td).paddingLeft));
    expect(indent).toBeGreaterThan(20); // …its text indented
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'console-group-laptop.png') });
    const text = (await page.evaluate('document.body.innerText')) as string;
    expect(text.match(ENUM_NAME)?.[0]).toBeUndefined();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect({ colorScheme, failures: await contrastFailures(page) }).toEqual({ colorScheme, failures: [] });
    }

    await page.setViewportSize(PHONE);
    expect(await scrollsSideways(page)).toBe(false);
    const phone = await layout(page);
    expect(phone.groupBorder).toBe('solid');
    expect(phone.memberLeft).toBeGreaterThan(phone.headLeft);
    for (const field of ['Group', 'Caches', 'Status', 'Plan', 'Started', 'Durations']) {
      expect(await page.locator(`tr.group-head td[data-label="${field}"]`).isVisible()).toBe(true);
    }
    await page.screenshot({ path: path.join(RESULTS, 'console-group-phone.png'), fullPage: true });
    const member = page.locator('tbody.group tr.member').first();
    expect(await member.evaluate((tr) => getComputedStyle(tr).borderTopStyle)).toBe('solid');
    await context.close();
  });
});
