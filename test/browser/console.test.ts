/**
 * The console in real headless Chromium (the Debian package, driven by
 * playwright-core): an interactive restore drill waits for its approval; an
 * operator signs in through /login (the local identity provider's sign-in
 * page in the managed login's place, back through /callback, which sets the
 * session cookie the authorizer reads), opens the incident, reads the facts,
 * approves with a reason, and the drill resolves.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { childProcesses } from '../e2e/processes';
import { startInteractiveDrill, type BackgroundDrill } from '../console/support';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`Skipping the browser tests: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}
const describeInChromium = hasChromium ? describe : describe.skip;

jest.setTimeout(240_000);

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

  it('signs in, sees the pending approval and its facts, approves with a reason, and the drill resolves', async () => {
    const incidentId = await drill.pendingApproval();
    const context = await browser.newContext({
      viewport: { width: 412, height: 915 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    page.on('console', (m) => {
      // Resource errors are the expected 403 before sign-in and the absent favicon.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) scriptErrors.push(m.text());
    });

    // Not signed in: the authorizer turns the request away before the console runs.
    const denied = await page.goto(`${drill.consoleUrl}/`);
    expect(denied?.status()).toBe(403);

    // /login → the identity provider's sign-in page → /callback → back where the link pointed.
    await page.goto(`${drill.consoleUrl}/login`);
    await page.waitForURL(/\/local-idp\/oauth2\/authorize\?/);
    expect(await page.getByRole('note').textContent()).toContain('for the local stack only');
    await page.getByLabel('Username').fill('dana@example.com');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // The list: the open incident, with its approval waiting.
    await page.waitForURL(`${drill.consoleUrl}/`);
    const session = (await context.cookies()).find((c) => c.name === 'session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    const row = page.getByRole('row', { name: new RegExp(incidentId) });
    expect(await row.textContent()).toContain('1 approval waiting');
    await page.getByRole('link', { name: incidentId }).click();

    // The incident: facts to decide on, live timeline, state of the workflow.
    await page.waitForURL(new RegExp(`/incidents/${incidentId}$`));
    await page.getByRole('heading', { name: /Approval “recovery-plan”: PENDING/ }).waitFor();
    const facts = await page.locator('section.approval dl.facts').textContent();
    expect(facts).toContain('PROVISION_FROM_BACKUP');
    expect(facts).toMatch(/Backup size[\d.]+ (KiB|MiB)/);
    expect(facts).toMatch(/Backup age\d+ min/);
    expect(facts).toMatch(/Clients served again inabout \d+ min/);
    expect(await page.locator('#execution-state').textContent()).toBe('Request Approval');
    // The live updates run: the status line reports a refresh within a few seconds.
    await page
      .getByRole('status')
      .filter({ hasText: /Live: updated/ })
      .waitFor({ timeout: 10_000 });

    mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'console-incident.png'), fullPage: true });
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      copyFileSync(path.join(ROOT, 'test-results', 'console-incident.png'), path.join(ROOT, 'docs', 'console.png'));
    }

    await page.getByLabel(/Reason/).fill('Backup is recent; restoring is the fastest way back.');
    await page.getByRole('button', { name: 'Approve' }).click();

    // Back on the incident page: the decision, with who and why.
    await page.getByRole('heading', { name: /Approval “recovery-plan”: APPROVED/ }).waitFor();
    expect(await page.locator('section.approval').textContent()).toContain('Decided by dana@example.com');

    // The page follows the workflow by itself: the state moves on without a reload.
    await page.locator('#execution-state').filter({ hasNotText: 'Request Approval' }).waitFor({ timeout: 20_000 });
    expect(scriptErrors).toEqual([]);

    // Sign out: the session cookie is gone and the console turns the browser away again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/local-idp\/oauth2\/authorize\?/);
    expect((await context.cookies()).find((c) => c.name === 'session')).toBeUndefined();
    await context.close();

    const report = await drill.report;
    expect(report.ok).toBe(true);
    expect(report.incident?.status).toBe('RESOLVED');
    expect(report.timeline.find((e) => e.type === 'APPROVED')?.detail).toMatchObject({
      decidedBy: 'dana@example.com',
      reason: 'Backup is recent; restoring is the fastest way back.',
    });
  });
});
