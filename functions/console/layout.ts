/**
 * The shell every console page shares: plain, semantic HTML with inline CSS,
 * readable on a phone at 2 a.m., and `esc`, which every value that comes from
 * data goes through.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const CSS = `
:root{color-scheme:light dark;--fg:#111;--bg:#fff;--muted:#555;--line:#ccc;--control:#767676;--ok:#0a6b2d;--bad:#a4161a;--warn:#8a5a00;--accent:#0b57d0;--on-ok:#fff;--on-bad:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#121212;--muted:#b3b3b3;--line:#444;--control:#8c8c8c;--ok:#5fd38d;--bad:#ff8a8a;--warn:#ffc766;--accent:#8ab4f8;--on-ok:#111;--on-bad:#111}}
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:60rem;margin:0 auto;padding:.75rem 1rem}
header{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;justify-content:space-between;border-bottom:1px solid var(--line);font-size:.9rem;padding-top:.4rem;padding-bottom:.4rem}
header a{font-weight:700;text-decoration:none;color:inherit}
h1{font-size:1.45rem;line-height:1.25;margin:.4rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:var(--accent)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.nowrap{white-space:nowrap}
.status-OPEN{color:var(--bad);font-weight:700}.status-RESOLVED{color:var(--ok);font-weight:700}.status-FAILED{color:var(--bad);font-weight:700}.status-FALSE_ALARM{color:var(--muted);font-weight:700}
.PENDING{color:var(--warn);font-weight:700}.APPROVED{color:var(--ok);font-weight:700}.REJECTED,.TIMED_OUT{color:var(--bad);font-weight:700}
dl.facts{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:.25rem 1rem;margin:.5rem 0}@media (min-width:40rem){dl.facts{grid-template-columns:minmax(0,1fr) minmax(0,3fr)}}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
section.approval,section.decision{border:2px solid var(--warn);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
section.decision{padding:.5rem .75rem;margin:.5rem 0}
section.settled{border:1px solid var(--line)}
.lede{margin:.25rem 0 .5rem;font-size:1.05rem}
ul.what{margin:.25rem 0;padding-left:1.1rem;font-size:.95rem;line-height:1.4}ul.what li{margin:.15rem 0}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
textarea{width:100%;min-height:3.5rem;font:inherit;padding:.5rem;border:1px solid var(--control);border-radius:.25rem;background:var(--bg);color:var(--fg)}
input[type=text],input[type=date]{width:100%;box-sizing:border-box;font:inherit;padding:.35rem .5rem;border:1px solid var(--control);border-radius:.25rem;background:var(--bg);color:var(--fg)}
table.action-items td{padding:.2rem .25rem}.suggestions li{margin:.4rem 0}.choice{margin-right:.75rem;white-space:nowrap}.written{white-space:pre-wrap}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:.5rem}
button{font:inherit;font-weight:700;min-height:3rem;min-width:9rem;padding:.5rem 1.25rem;border-radius:.4rem;border:2px solid transparent;cursor:pointer}
button.approve{background:var(--ok);color:var(--on-ok)}button.reject{background:var(--bad);color:var(--on-bad)}button.secondary{background:transparent;color:var(--fg);border-color:var(--control)}
button:disabled,textarea:disabled{opacity:.45;cursor:not-allowed}
button:focus-visible,a:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline li{padding:.35rem 0;border-bottom:1px solid var(--line)}
ol.timeline time{color:var(--muted);font-variant-numeric:tabular-nums;margin-right:.5rem}
ol.progress{list-style:none;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.35rem}
ol.progress li{border:1px solid var(--line);border-radius:1rem;padding:.1rem .6rem;font-size:.9rem}
ol.progress li.current{border:2px solid var(--accent);font-weight:700}ol.progress li.done .mark{color:var(--ok)}ol.progress li.failed{border:2px solid var(--bad)}
ol.progress li.todo,ol.progress li.skipped{color:var(--muted)}ol.progress .took{color:var(--muted);font-variant-numeric:tabular-nums}
.type{font-weight:700;margin-right:.5rem}
.muted{color:var(--muted)}.notice{padding:.5rem .75rem;border-left:4px solid var(--accent);margin:.75rem 0}
.error{border-left-color:var(--bad)}.confirmed{border-left-color:var(--ok)}
.ok{color:var(--ok);font-weight:700}.bad{color:var(--bad);font-weight:700}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
form.sign-out{margin:0}form.sign-out button{min-height:2.25rem;min-width:0;padding:.15rem .75rem}
.scroll{overflow-x:auto}
tbody.group tr.group-head td{border-top:2px solid var(--line)}tbody.group tr.member td:first-child{padding-left:1.75rem}
@media (max-width:40rem){body{font-size:16px}header{font-size:.8rem}header .muted{flex:1 1 auto}h1{font-size:1.3rem}.subline{font-size:.85rem}ul.what{font-size:.9rem}textarea{min-height:2.75rem}button{min-width:8rem}
table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.cards,table.cards caption,table.cards tbody,table.cards tr,table.cards td{display:block}
table.cards tr{border:1px solid var(--line);border-radius:.5rem;margin:.75rem 0;padding:.5rem .75rem}
table.cards td{border:0;padding:.1rem 0}table.cards td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-weight:600}
table.cards tbody.group{border:2px solid var(--line);border-radius:.5rem;margin:.75rem 0;padding:.5rem .75rem}
table.cards tbody.group tr.group-head{border:0;margin:0;padding:0}table.cards tbody.group tr.group-head td{border:0}
table.cards tbody.group tr.member{margin:.5rem 0 0 .5rem}table.cards tbody.group tr.member td:first-child{padding-left:0}}
`;

export interface PageOptions {
  title: string;
  operator?: string;
  body: string;
  /** A script nonce; the incident page's live updates need it. */
  nonce?: string;
  script?: string;
  /** The session's form token: the header then offers "Sign out". */
  signOut?: string;
}

function signOutForm(csrf: string | undefined): string {
  if (!csrf) return '';
  return `<form method="post" action="/logout" class="sign-out"><input type="hidden" name="csrf" value="${esc(csrf)}"><button class="secondary" type="submit">Sign out</button></form>`;
}

export function page(options: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(options.title)} · cache outage console</title>
<style>${CSS}</style>
</head>
<body>
<header><a href="/">Cache outage console</a>${options.operator ? `<span class="muted">Signed in as <strong>${esc(options.operator)}</strong></span>${signOutForm(options.signOut)}` : ''}</header>
<main>
${options.body}
</main>
${options.script && options.nonce ? `<script nonce="${esc(options.nonce)}">${options.script}</script>` : ''}
</body>
</html>
`;
}
