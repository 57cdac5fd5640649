/**
 * GET /incidents/<id>/report through the local HTTP API with the real
 * authorizer in front of the console function: the report as a page (with
 * its time bar), as Markdown and as JSON, for operators only; and the incident
 * page's link to it and its time bar once the incident is resolved.
 */
import type { LocalConsole } from '../../local/console';
import { startConsoleOver } from '../cli/local-console';
import { childProcesses } from '../e2e/processes';
import { resolvedIncidentWorld } from './report-world';

jest.setTimeout(60_000);

const visibleText = (html: string) =>
  html
    .replace(/<(style|script|svg)[^>]*>[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&');

describe('the post-incident report in the console', () => {
  let local: LocalConsole;
  let incidentId: string;
  let operator: string;

  beforeAll(async () => {
    const world = await resolvedIncidentWorld();
    incidentId = world.incidentId;
    local = await startConsoleOver(world);
    operator = local.token('ana@acme.test', ['operators']);
  });

  afterAll(async () => {
    await local?.stop();
    expect(childProcesses()).toEqual([]);
  });

  const get = (path: string, token: string = operator, accept = 'text/html') =>
    fetch(`${local.url}${path}`, {
      headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      redirect: 'manual',
    });
  const reportPath = () => `/incidents/${incidentId}/report`;

  it('serves the report as a page by default: summary, impact in the operator’s zone, the time bar, no script', async () => {
    const res = await get(reportPath());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).not.toMatch(/script-src/);
    const body = await res.text();
    expect(body).not.toMatch(/<script/);
    expect(body).toMatch(/<svg class="time-bar"[^>]*aria-label="Time bar from 16:24 ET/);
    const text = visibleText(body);
    expect(text).toContain('Incident Summary');
    expect(text).toContain('Outage: 46 min, from 16:24 ET to 17:10 ET.');
    expect(text).toContain('Partially degraded: 1 h 10 min, from 17:10 ET to 18:20 ET.');
  });

  it('serves Markdown with ?format=md and the report’s structure with ?format=json or Accept: application/json', async () => {
    const md = await get(`${reportPath()}?format=md`);
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const text = await md.text();
    expect(text).toMatch(/^# /);
    expect(text).toContain('- Outage: 46 min, from 16:24 ET to 17:10 ET.');
    expect(text.match(/^### .*ET: /gm)).toHaveLength(4);

    for (const res of [
      await get(`${reportPath()}?format=json`),
      await get(reportPath(), operator, 'application/json'),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const report = (await res.json()) as { incidentId: string; impact: { outage: { seconds: number } } };
      expect(report.incidentId).toBe(incidentId);
      expect(report.impact.outage.seconds).toBe(46 * 60);
    }
  });

  it('refuses an unknown format, an unknown incident, another method, and anyone but operators', async () => {
    const bad = await get(`${reportPath()}?format=pdf`, operator, 'application/json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/md, html or json/);
    expect((await get('/incidents/nope-20240216T212400Z/report', operator, 'application/json')).status).toBe(404);
    const post = await fetch(`${local.url}${reportPath()}`, {
      method: 'POST',
      headers: { accept: 'application/json', authorization: `Bearer ${operator}` },
    });
    expect(post.status).toBe(405);
    const viewer = await get(reportPath(), local.token('vic@acme.test', ['viewers']), 'application/json');
    expect(viewer.status).toBe(403);
    expect(await viewer.text()).not.toContain('46 min');
    const nobody = await get(reportPath(), '', 'application/json');
    expect([401, 403]).toContain(nobody.status);
    expect(await nobody.text()).not.toContain('46 min');
    // A browser without a session is sent to sign in, and back to the report afterwards.
    const browser = await get(reportPath(), '');
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe(`/login?next=${encodeURIComponent(reportPath())}`);
  });

  it('links the report from the incident page once resolved, with the time bar; an open incident’s link waits hidden', async () => {
    const page = await (await get(`/incidents/${incidentId}`)).text();
    expect(page).toContain(`<a href="${reportPath()}">Post-incident report</a>`);
    expect(page).toMatch(/<figure class="report-bar"><svg class="time-bar"/);
    expect(page.match(/class="mark mark-notice"/g)).toHaveLength(4);

    const open = await (await get('/incidents/sessions-20240216T212500Z')).text();
    expect(open).toMatch(/<p id="report-link" class="when-finished" hidden>/);
    expect(open).not.toContain('class="time-bar"');
  });
});
