/**
 * The public status page's three forms: HTML readable on a phone in either
 * colour scheme with no script, an Atom 1.0 feed (RFC 4287) with one entry
 * per notice, and JSON. Every value from data goes through `esc`.
 */
import type { ServiceState } from '../domain/status-page';
import type { StatusView } from '../usecases/status-page';
import { esc } from './layout';

const HEADLINE: Record<ServiceState, string> = {
  operational: 'All systems operational',
  degraded: 'Degraded performance',
  outage: 'Service outage',
};
const WORD: Record<ServiceState, string> = { operational: 'Resolved', degraded: 'Degraded', outage: 'Outage' };

const CSS = `
:root{color-scheme:light dark;--fg:#111;--bg:#fff;--muted:#555;--line:#ccc;--ok:#0a6b2d;--bad:#a4161a;--warn:#7a4f00;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#121212;--muted:#b3b3b3;--line:#444;--ok:#5fd38d;--bad:#ff8a8a;--warn:#ffc766;--accent:#8ab4f8}}
*{box-sizing:border-box}body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:44rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.25rem 0}h2{font-size:1.15rem;margin:1.75rem 0 .5rem}
a{color:var(--accent)}.muted{color:var(--muted)}
.banner{border:2px solid currentColor;border-radius:.5rem;padding:.75rem 1rem;font-weight:700;font-size:1.15rem;margin:1rem 0}
.operational{color:var(--ok)}.degraded{color:var(--warn)}.outage{color:var(--bad)}
article{border-top:1px solid var(--line);padding:.5rem 0}article h3{font-size:1rem;margin:.5rem 0}
ol.notices{list-style:none;margin:0;padding:0}ol.notices li{margin:.5rem 0 .75rem;padding-left:.75rem;border-left:3px solid var(--line)}
ol.notices .subject{font-weight:700;margin:0}ol.notices p{margin:.15rem 0;overflow-wrap:anywhere}
time{font-variant-numeric:tabular-nums}
@media (max-width:40rem){body{font-size:16px}h1{font-size:1.25rem}}
`;

const stamp = (iso: string): string =>
  `<time datetime="${esc(iso)}">${esc(iso.slice(0, 16).replace('T', ' '))} UTC</time>`;

export function statusHtml(view: StatusView): string {
  const events = view.events
    .map(
      (e) => `<article id="${esc(e.ref)}">
<h3>${esc(WORD[e.state])} · started ${stamp(e.startedAt)} <span class="muted">(ref ${esc(e.ref)})</span></h3>
<ol class="notices">
${e.notices.map((n) => `<li class="notice"><p class="subject">${esc(n.subject)}</p><p>${esc(n.text)}</p><p class="muted">${stamp(n.sentAt)}</p></li>`).join('\n')}
</ol>
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(view.service)} status</title>
<link rel="alternate" type="application/atom+xml" title="${esc(view.service)} status" href="/status/feed.atom">
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${esc(view.service)} status</h1>
<p class="banner ${view.state}" role="status">${esc(HEADLINE[view.state])}</p>
${view.updatedAt ? `<p class="muted">Last update ${stamp(view.updatedAt)}</p>` : ''}
<h2>History</h2>
${events || '<p class="muted">No incidents reported.</p>'}
<p class="muted">Follow updates: <a href="/status/feed.atom">Atom feed</a> · <a href="/status.json">JSON</a>. Questions: ${esc(view.supportContact)}.</p>
</main>
</body>
</html>
`;
}

/** Atom 1.0: the feed's id is its own URL; each notice an entry whose id is fixed by its event and stage. */
export function statusAtom(view: StatusView, origin: string): string {
  const self = `${origin}/status/feed.atom`;
  const updated = view.updatedAt ?? '1970-01-01T00:00:00.000Z';
  const entries = view.events.flatMap((e) =>
    [...e.notices].reverse().map(
      (n) => `<entry>
<id>${esc(`${origin}/status#${e.ref}-${n.stage}`)}</id>
<title>${esc(n.subject)}</title>
<updated>${esc(n.sentAt)}</updated>
<published>${esc(n.sentAt)}</published>
<link rel="alternate" type="text/html" href="${esc(`${origin}/status#${e.ref}`)}"/>
<category term="${esc(n.state)}"/>
<content type="text">${esc(n.text)}</content>
</entry>`,
    ),
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${esc(self)}</id>
<title>${esc(view.service)} status</title>
<updated>${esc(updated)}</updated>
<author><name>${esc(view.service)}</name></author>
<link rel="self" type="application/atom+xml" href="${esc(self)}"/>
<link rel="alternate" type="text/html" href="${esc(`${origin}/status`)}"/>
${entries.join('\n')}
</feed>
`;
}

/** JSON: the same content as the page. */
export function statusJson(view: StatusView): string {
  return JSON.stringify({
    service: view.service,
    state: view.state,
    ...(view.updatedAt ? { updatedAt: view.updatedAt } : {}),
    supportContact: view.supportContact,
    events: view.events,
  });
}
