/**
 * The console in real headless Chromium (the Debian package, driven by
 * playwright-core), as an operator woken at night uses it, on a laptop
 * (1366×800) and a phone (390×844): an interactive restore drill waits for its
 * approval; the operator signs in through /login (the local identity
 * provider's sign-in page in the managed login's place, back through
 * /callback), finds the incident in a list that fits the screen, reads in the
 * first screen what is broken, what is proposed and what approving does,
 * approves with a reason, sees the decision confirmed, and watches the page
 * follow the recovery to "Resolved" without a reload. Every screen is in
 * words (no enum name) and meets WCAG AA contrast in both colour schemes.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { childProcesses } from '../e2e/processes';
import { startInteractiveDrill, type BackgroundDrill } from '../console/support';
import { contrastFailures } from './contrast';
import { durationText } from '../../functions/domain/time-labels';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`Skipping the browser tests: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}
const describeInChromium = hasChromium ? describe : describe.skip;

const LAPTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };
const ENUM_NAME = /\b[A-Z]{2,}(_[A-Z]+)+\b/;

jest.setTimeout(240_000);

/** Saved under test-results/, and into docs/ for the README on request only, so a test run leaves the tree clean. */
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  const file = path.join(ROOT, 'test-results', name);
  await page.screenshot({ path: file });
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(file, path.join(ROOT, 'docs', name));
}

/** Bottom edges of the decision sentence and the Approve button, against the viewport's height. */
async function decisionFits(page: Page): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  const height = page.viewportSize()?.height ?? 0;
  const sentence = await page.locator('#decision-sentence').boundingBox();
  const approve = await page.getByRole('button', { name: 'Approve', exact: true }).boundingBox();
  expect(sentence && approve).toBeTruthy();
  expect(sentence!.y + sentence!.height).toBeLessThanOrEqual(height);
  expect(approve!.y + approve!.height).toBeLessThanOrEqual(height);
}

async function noEnumNames(page: Page): Promise<void> {
  const text = (await page.evaluate('document.body.innerText')) as string;
  expect(text.match(ENUM_NAME)?.[0]).toBeUndefined();
}

async function meetsContrast(page: Page): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect({ colorScheme, failures: await contrastFailures(page) }).toEqual({ colorScheme, failures: [] });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Whether the page scrolls sideways. */
const scrollsSideways = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth') as Promise<boolean>;

describeInChromium('operator console in Chromium', () => {
  let drill: BackgroundDrill;
  let browser: Browser;

  beforeAll(async () => {
    [drill, browser] = await Promise.all([
      startInteractiveDrill('restore'),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--disable-sync',
          '--disable-quic',
        ],
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await drill?.stop();
    expect(childProcesses()).toEqual([]);
  });

  it('puts the decision first in words on a laptop and a phone, confirms it, and follows the recovery live to resolved', async () => {
    const incidentId = await drill.pendingApproval();
    const context = await browser.newContext({ viewport: LAPTOP, deviceScaleFactor: 1, colorScheme: 'light' });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    page.on('console', (m) => {
      // Resource errors are the absent favicon.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) scriptErrors.push(m.text());
    });

    // Signed out, the list sends the browser to sign in: /login?next=/ → the identity
    // provider's sign-in page → /callback → back to the list.
    const signedOut = await page.goto(`${drill.consoleUrl}/`);
    expect(signedOut?.url()).toMatch(/\/local-idp\/oauth2\/authorize\?/);
    expect(await page.content()).not.toContain(incidentId);
    expect(await page.getByRole('note').textContent()).toContain('for the local stack only');
    await page.getByLabel('Username').fill('dana@example.com');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${drill.consoleUrl}/`);
    const session = (await context.cookies()).find((c) => c.name === 'session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });

    // The list fits a laptop's width, in words.
    const row = page.getByRole('row', { name: new RegExp(incidentId) });
    expect(await row.textContent()).toContain('1 approval waiting');
    expect(await row.textContent()).toContain('Restore from backup');
    expect(await scrollsSideways(page)).toBe(false);
    expect(await page.locator('#incidents').evaluate((t) => t.scrollWidth <= t.clientWidth)).toBe(true);
    await noEnumNames(page);

    // On a phone the list is cards: every field of the incident is on screen, nothing scrolls sideways.
    await page.setViewportSize(PHONE);
    expect(await scrollsSideways(page)).toBe(false);
    for (const field of ['Incident', 'Cache', 'Status', 'Plan', 'Started', 'Durations']) {
      expect(await row.locator(`td[data-label="${field}"]`).isVisible()).toBe(true);
    }

    // The incident, on the phone first: the decision and its controls in the first screen.
    await page.getByRole('link', { name: incidentId }).click();
    await page.waitForURL(new RegExp(`/incidents/${incidentId}$`));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/ is down — approval needed$/);
    const sentence = await page.locator('#decision-sentence').textContent();
    expect(sentence).toMatch(
      /is unreachable since \d\d:\d\d ET \(.+\)\. Restore it from the backup taken \d\d:\d\d ET \(.+ (before|after) .+\) — clients served again in about \d+ min\./,
    );
    const decision = await page.locator('section.decision').textContent();
    expect(decision).toContain('Approve: a replacement cache is created from the backup');
    expect(decision).toContain('Reject: nothing is changed on the cache');
    expect(decision).toMatch(/No answer\? If nobody decides or acknowledges by \d\d:\d\d ET/);
    expect(decision).toMatch(/Customers so far: outage running .+; \d+ notices? sent to subscribers/);
    await screenshot(page, 'console-phone-pending.png');
    await decisionFits(page);
    await noEnumNames(page);
    await meetsContrast(page);
    // The live updates run; the clock line is not a live region.
    await page
      .locator('#live')
      .filter({ hasText: /Live: updated \d\d:\d\d:\d\d ET/ })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('#live').getAttribute('aria-live')).toBeNull();

    // The same page on a laptop.
    await page.setViewportSize(LAPTOP);
    await decisionFits(page);
    expect(await scrollsSideways(page)).toBe(false);
    const facts = await page.locator('section.approval dl.facts').textContent();
    expect(facts).toContain('PlanRestore from backup');
    expect(facts).toMatch(/Backup size[\d.]+ (KiB|MiB)/);
    expect(await page.locator('#progress li.current').textContent()).toContain('Approval');
    await screenshot(page, 'console-laptop-pending.png');

    // Approve on the phone.
    await page.setViewportSize(PHONE);
    await page.getByLabel(/Reason/).fill('Backup is recent; restoring is the fastest way back.');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();

    // Back on the page: who decided and when, the card settled, no buttons.
    await page.locator('#decision-confirmation').waitFor();
    expect(await page.locator('#decision-confirmation').textContent()).toMatch(
      /^Approved by dana@example\.com at \d\d:\d\d ET \(.+\) — the workflow continues\./,
    );
    expect(await page.getByRole('button', { name: /Approve|Reject|looking at it/ }).count()).toBe(0);
    const card = page.locator('section.approval');
    expect(await card.getAttribute('class')).toContain('settled');
    expect(await page.getByRole('heading', { name: 'Recovery plan: Approved' }).count()).toBe(1);

    // Without a reload, the page follows the recovery to its end: resolved, in green, with the real durations.
    const status = page.locator('#incident-status');
    await status.filter({ hasText: /^Resolved$/ }).waitFor({ timeout: 90_000 });
    const [statusColour, green] = (await page.evaluate(`(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--ok)';
      document.body.appendChild(probe);
      const out = [getComputedStyle(document.getElementById('incident-status')).color, getComputedStyle(probe).color];
      probe.remove();
      return out;
    })()`)) as [string, string];
    expect(statusColour).toBe(green);
    // Still the page loaded after approving, its confirmation now in the past tense.
    expect(await page.locator('#decision-confirmation').innerText()).toMatch(
      /^Approved by dana@example\.com at .+\)\. Reason/,
    );
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/ is back — resolved$/);
    for (const id of ['#outage', '#degraded']) expect(await page.locator(id).textContent()).toMatch(/^\d+ (s|min)/);
    expect(await page.locator('#served').textContent()).toMatch(/^at \d\d:\d\d ET, .+ after the outage began/);
    expect(await page.locator('#incident-stage').textContent()).toBe('Resolved');
    const steps = await page.locator('#progress li').evaluateAll((lis) => lis.map((li) => li.className));
    expect(steps[steps.length - 1]).toBe('done');
    expect(steps).not.toContain('current');
    expect(await page.locator('#notices-count').textContent()).toBe(String(await page.locator('#notices li').count()));
    // The link to the post-incident report appears once the incident ended, still without a reload.
    expect(await page.getByRole('link', { name: 'Post-incident report' }).isVisible()).toBe(true);
    await noEnumNames(page);
    await screenshot(page, 'console-phone-resolved.png');
    await page.setViewportSize(LAPTOP);
    await screenshot(page, 'console-laptop-resolved.png');
    expect(scriptErrors).toEqual([]);
    await context.close();

    // A link to the incident opened without a session: sign in, and land on the incident.
    const fresh = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
    const linked = await fresh.newPage();
    await linked.goto(`${drill.consoleUrl}/incidents/${incidentId}`);
    await linked.waitForURL(/\/local-idp\/oauth2\/authorize\?/);
    await linked.getByLabel('Username').fill('dana@example.com');
    await linked.getByRole('button', { name: 'Sign in' }).click();
    await linked.waitForURL(`${drill.consoleUrl}/incidents/${incidentId}`);
    expect(await linked.getByRole('heading', { level: 1 }).textContent()).toMatch(/ is back — resolved$/);
    await fresh.close();

    const report = await drill.report;
    expect(report.ok).toBe(true);
    expect(report.incident?.status).toBe('RESOLVED');
    expect(report.timeline.find((e) => e.type === 'APPROVED')?.detail).toMatchObject({
      decidedBy: 'dana@example.com',
      reason: 'Backup is recent; restoring is the fastest way back.',
    });

    // The resolved incident's page draws the time bar and links the report, which a reader reads as a page.
    const reader = await browser.newContext({ viewport: LAPTOP, deviceScaleFactor: 1, colorScheme: 'light' });
    const doc = await reader.newPage();
    await doc.goto(`${drill.consoleUrl}/incidents/${incidentId}`);
    await doc.waitForURL(/\/local-idp\/oauth2\/authorize\?/);
    await doc.getByLabel('Username').fill('dana@example.com');
    await doc.getByRole('button', { name: 'Sign in' }).click();
    await doc.waitForURL(`${drill.consoleUrl}/incidents/${incidentId}`);
    expect(await doc.locator('figure.report-bar svg.time-bar').isVisible()).toBe(true);
    // The operators write their sections of the report on the page; the save goes onto the timeline.
    const rootCause = 'The provider lost both clusters of its region at once.';
    await doc.getByLabel('Root cause beyond what was observed').fill(rootCause);
    await doc.getByLabel('Action item 1', { exact: true }).fill('Run the cache with a replica in another zone');
    await doc.getByLabel('Owner of action item 1').fill('platform team');
    await doc.locator('#report-notes li', { hasText: 'Multi-AZ' }).getByLabel('Keep').check();
    await doc.getByRole('button', { name: 'Save the report notes' }).click();
    await doc.getByText('Report edited').first().waitFor();
    expect(await doc.getByLabel('Root cause beyond what was observed').inputValue()).toBe(rootCause);
    await doc.getByRole('link', { name: 'Post-incident report' }).click();
    await doc.waitForURL(`${drill.consoleUrl}/incidents/${incidentId}/report`);
    expect(await doc.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Post-incident report: accounts, /);
    const summary = (await doc.locator('p.summary').innerText()).trim();
    expect(summary).toMatch(
      /^A service interruption made the accounts cache unavailable from \d\d:\d\d(:\d\d)? ET to /,
    );
    const bar = doc.getByRole('img', { name: /^Time bar from \d\d:\d\d(:\d\d)? ET to / });
    expect(await bar.isVisible()).toBe(true);
    expect((await bar.boundingBox())?.width).toBeGreaterThan(300);
    const impact = doc.locator('h2:text-is("Impact") + ul');
    expect(await impact.locator('li').allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`^Outage: ${durationText(report.incident?.outageSeconds ?? -1)}, from `)),
      expect.stringMatching(
        new RegExp(`^Partially degraded: ${durationText(report.incident?.degradedSeconds ?? -1)}, from `),
      ),
    ]);
    expect(await doc.locator('.notice').count()).toBe(4);
    expect(await doc.locator('h2:text-is("Root cause beyond what was observed") + p').innerText()).toBe(rootCause);
    expect(await doc.locator('table.action-items tbody tr').allInnerTexts()).toEqual([
      expect.stringMatching(/^Run the cache with a replica in another zone\s+platform team/),
    ]);
    expect(await doc.locator('.suggestion.kept').innerText()).toMatch(
      /^✓ Kept Suggestion: Add a replica .*kept by dana@example\.com$/s,
    );
    await noEnumNames(doc);
    expect(await scrollsSideways(doc)).toBe(false);
    await screenshot(doc, 'report-laptop.png');
    await reader.close();
  });
});
