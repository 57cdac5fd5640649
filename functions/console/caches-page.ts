/**
 * The caches page: every protected cache with its newest verified backup
 * (age against the RPO, method, size, keys, point-in-time or not, watermark),
 * its last backup run, the runs failed since the last success and its last
 * test restore; and its warm standby (group, lag against its limit, last
 * successful mirror cycle, failures in a row). Every value that comes from
 * data goes through `esc`.
 */
import type { CacheBackupSummary } from '../usecases/cache-backups';
import { formatBytes, formatSeconds, time, UTC_NOW, type TimeContext } from './format';
import { esc, page } from './layout';

function newestCell(c: CacheBackupSummary, t: TimeContext): string {
  const over = c.overRpo ? ' <strong class="bad">over RPO</strong>' : '';
  const b = c.newest;
  if (!b) return `${c.method === 'none' ? 'none recorded (made elsewhere)' : 'no verified backup yet'}${over}`;
  return `<strong>${esc(formatSeconds(b.ageSeconds))} old</strong>${over}<br>
${esc(b.method)} · ${esc(formatBytes(b.bytes))} · ${esc(b.keys.toLocaleString('en-US'))} keys · ${b.pointInTime ? 'point-in-time' : 'not point-in-time'}<br>
<span class="muted">data as of ${time(b.watermark, t)}</span>`;
}

function lastRunCell(c: CacheBackupSummary, t: TimeContext): string {
  const r = c.lastRun;
  if (!r) return '<span class="muted">no run yet</span>';
  const outcome = r.outcome === 'ok' ? '<span class="ok">ok</span>' : '<strong class="bad">failed</strong>';
  return `${outcome} ${time(r.finishedAt, t)}${r.reason ? `<br>${esc(r.reason)}` : ''}`;
}

function testRestoreCell(c: CacheBackupSummary, tc: TimeContext): string {
  const t = c.lastTestRestore;
  if (!t) return '<span class="muted">none yet</span>';
  const outcome = t.ok ? '<span class="ok">ok</span>' : '<strong class="bad">failed</strong>';
  const keys = `${t.keysLoaded.toLocaleString('en-US')} of ${t.keysExpected.toLocaleString('en-US')} keys loaded`;
  const sample = `${t.mismatched} of ${t.sampled} sampled keys differ`;
  return `${outcome} ${time(t.at, tc)}<br>${esc(keys)} · ${esc(sample)}${t.reason ? `<br>${esc(t.reason)}` : ''}`;
}

function standbyCell(c: CacheBackupSummary, t: TimeContext): string {
  const s = c.standby;
  if (!s) return '<td class="muted">none</td>';
  const lag =
    s.lagSeconds === undefined
      ? '<strong class="bad">never mirrored</strong>'
      : `<strong${s.overLag ? ' class="bad"' : ''}>${esc(formatSeconds(s.lagSeconds))} behind</strong>${s.overLag ? ' <strong class="bad">over limit</strong>' : ''}`;
  const last = s.lastSuccess
    ? `<br>last mirrored ${time(s.lastSuccess.finishedAt, t)} · ${esc(s.lastSuccess.keys.toLocaleString('en-US'))} keys`
    : '';
  const failures = s.consecutiveFailures
    ? `<br><strong class="bad">${s.consecutiveFailures} failed in a row</strong>${s.lastCycle?.reason ? `: ${esc(s.lastCycle.reason)}` : ''}`
    : '';
  return `<td class="standby">${esc(s.replicationGroupId)}<br>${lag} <span class="muted">(limit ${esc(formatSeconds(s.maxLagSeconds))})</span>${last}${failures}</td>`;
}

function row(c: CacheBackupSummary, t: TimeContext): string {
  const name = `<th scope="row">${esc(c.displayName)}${c.displayName !== c.cacheId ? `<br><span class="muted">${esc(c.cacheId)}</span>` : ''}</th>`;
  if (!c.configured)
    return `<tr id="cache-${esc(c.cacheId)}">${name}<td colspan="5" class="muted">no backups configured</td>${standbyCell(c, t)}</tr>`;
  const failures = c.consecutiveFailures ? `<strong class="bad">${c.consecutiveFailures}</strong>` : '0';
  return `<tr id="cache-${esc(c.cacheId)}"${c.overRpo ? ' class="over-rpo"' : ''}>${name}
<td>${newestCell(c, t)}</td>
<td>${lastRunCell(c, t)}</td>
<td>${failures}</td>
<td>${testRestoreCell(c, t)}</td>
<td>${esc(formatSeconds(c.rpoSeconds))}</td>
${standbyCell(c, t)}
</tr>`;
}

export function cachesPage(
  caches: CacheBackupSummary[],
  operator: string,
  csrf?: string,
  t: TimeContext = UTC_NOW(),
): string {
  const over = caches.filter((c) => c.overRpo).length;
  const lagging = caches.filter((c) => c.standby?.overLag).length;
  const body = `<h1>Caches and their backups</h1>
${lagging ? `<p class="notice error" role="alert">${lagging > 1 ? `${lagging} standbys are behind their limit` : 'A standby is behind its limit'}: a cut-over to it would write back more from the source of truth.</p>` : ''}
${over ? `<p class="notice error" role="alert">${over > 1 ? `${over} caches have no verified backup within their RPO` : 'A cache has no verified backup within its RPO'}: a restore now would lose more than the RPO allows.</p>` : ''}
${
  caches.length
    ? `<div class="scroll"><table id="caches">
<caption class="muted">Every protected cache, as configured. Age is now minus the backup's watermark, the moment its data was taken.</caption>
<thead><tr><th scope="col">Cache</th><th scope="col">Newest verified backup</th><th scope="col">Last run</th><th scope="col">Failures in a row</th><th scope="col">Last test restore</th><th scope="col">RPO</th><th scope="col">Warm standby</th></tr></thead>
<tbody>
${caches.map((c) => row(c, t)).join('\n')}
</tbody>
</table></div>`
    : '<p>No protected cache is configured.</p>'
}
<p><a href="/">Incidents</a></p>`;
  return page({ title: 'Caches', operator, body, ...(csrf ? { signOut: csrf } : {}) });
}
