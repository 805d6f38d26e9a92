import { escapeHtml } from '../window/render-html';
import { peopleTime } from '../window/peopleTime';
import type { WindowStatusView } from './windows';

const BADGE: Record<string, string> = {
  done: '#1a7f37',
  doing: '#0969da',
  waiting: '#6e7781',
  'waiting-for-approval': '#bf8700',
  failed: '#cf222e',
  blocked: '#8250df',
  aborted: '#cf222e',
  'not-doing': '#afb8c1',
  deferred: '#9a6700',
  open: '#bf8700',
  kept: '#8250df',
  pending: '#d0d7de',
  patched: '#1a7f37',
  skipped: '#afb8c1',
};

const when = (iso: string | undefined, zone: string, displayZones: readonly string[]): string => (iso ? peopleTime(iso, zone, displayZones) : '–');

/**
 * The on-call view of one window: where it stands at a glance (state, ETA against
 * plan, what is running, who must approve, which servers are out, whether the page
 * is up), then every step. Self-contained HTML that refreshes itself.
 */
export function renderStatusPage(view: WindowStatusView, options: { zone?: string; refreshSeconds?: number } = {}): string {
  const e = escapeHtml;
  // The window's own zone and its display zones (ET and IST for the seeds), never UTC.
  const zone = options.zone ?? view.timeZone ?? 'America/New_York';
  const zones = view.displayZones ?? [];
  const badge = (state: string) => `<span class="badge" data-state="${e(state)}" style="background:${BADGE[state] ?? '#d0d7de'}">${e(state)}</span>`;
  const doing = view.steps.filter((s) => ['doing', 'waiting', 'waiting-for-approval'].includes(s.state));
  const out = Object.entries(view.servers).filter(([, s]) => s.state === 'failed');
  const pages = Object.entries(view.maintenancePages);
  // Once the window has ended, anything not put back and not kept on purpose is an alarm; while it runs, it is expected.
  const finished = ['succeeded', 'failed', 'aborted'].includes(view.state);
  const stillChanged = view.stillChanged;
  const byPhase = new Map<string, WindowStatusView['steps']>();
  for (const s of view.steps) byPhase.set(s.phase, [...(byPhase.get(s.phase) ?? []), s]);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${options.refreshSeconds ?? 15}">
<title>${e(view.title)} — ${e(view.state)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1f2328}h1{margin:0 0 .25rem}h2{margin:1.5rem 0 .5rem;font-size:1.1rem}
.summary{display:flex;gap:1.5rem;flex-wrap:wrap;margin:.75rem 0}.summary div{background:#f6f8fa;border-radius:6px;padding:.5rem .75rem}
.summary b{display:block;font-size:1.2rem}.badge{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px;white-space:nowrap}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d8dee4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.alert{background:#ffebe9;border:1px solid #cf222e;border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}
.warn{background:#fff8c5;border:1px solid #bf8700;border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}.muted{color:#656d76}
</style></head><body>
<h1>${e(view.title)} ${badge(view.state)}</h1>
<div class="muted">${e(view.windowId)} · revision ${e(view.revision ?? '–')} · started by ${e(view.startedBy ?? '–')} at ${e(when(view.startedAt, zone, zones))}</div>
<div class="summary">
<div>Planned end<b id="planned-end">${e(when(view.plannedEndAt, zone, zones))}</b></div>
<div>ETA<b id="eta">${e(when(view.eta, zone, zones))}</b>${view.slipMinutes && view.slipMinutes > 0 ? `<span class="muted">${view.slipMinutes}m behind plan</span>` : ''}</div>
${Object.entries(view.counts).map(([k, v]) => `<div>${e(k)}<b>${v}</b></div>`).join('')}
</div>
${view.stopReason ? `<div class="alert" id="stop-reason"><b>Stopped:</b> ${e(view.stopReason)}</div>` : ''}
${pages
  .map(([p, s]) =>
    // A page still up once the window has ended was kept up on purpose (a failure): it waits for a person.
    finished && s === 'up'
      ? `<div class="alert" data-page="${e(p)}">Maintenance page <b>${e(p)}</b> is still <b>UP</b>: the window ended ${e(view.state)} and customers are kept out until a person takes it down (<code>mw page ${e(view.windowId)} ${e(p)} down -r "why"</code>).</div>`
      : `<div class="${s === 'up' ? 'warn' : 'muted'}" data-page="${e(p)}">Maintenance page <b>${e(p)}</b> is <b>${e(s.toUpperCase())}</b></div>`,
  )
  .join('')}
${Object.entries(view.alertSets).map(([a, s]) => `<div class="${s === 'paused' ? 'warn' : 'muted'}" data-alert-set="${e(a)}">Alerts <b>${e(a)}</b> are <b>${e(s.toUpperCase())}</b></div>`).join('')}
${stillChanged.length > 0 ? `<div class="${finished && stillChanged.some((c) => c.state !== 'kept') ? 'alert' : 'warn'}" id="still-changed"><b>Still changed (${stillChanged.length}):</b><ul>${stillChanged.map((c) => `<li>${badge(c.state)} ${e(c.description)} <span class="muted">(${e(c.step)}${c.note ? `: ${e(c.note)}` : ''})</span></li>`).join('')}</ul></div>` : ''}
${out.length > 0 ? `<div class="alert" id="servers-out"><b>Out of their pools:</b> ${out.map(([n, s]) => `${e(n)} (${e(s.detail ?? 'failed')})`).join('; ')}</div>` : ''}
<h2>Now</h2>
${doing.length === 0 ? '<p class="muted">Nothing running.</p>' : `<ul id="now">${doing.map((s) => `<li>${badge(s.state)} <b>${e(s.id)}</b> ${e(s.title)}${s.detail ? ` <span class="muted">— ${e(s.detail)}</span>` : ''}</li>`).join('')}</ul>`}
${view.approvalsPending.length > 0 ? `<h2>Waiting for approval</h2><ul id="approvals">${view.approvalsPending.map((a) => `<li><b>${e(a.gate)}</b> ${e(a.title)}: ${a.roles.map((r) => `${r.quorum} of ${e(r.role)} (${r.approvers.map(e).join(', ')})`).join(' and ')}</li>`).join('')}</ul>` : ''}
${Object.keys(view.servers).length > 0 ? `<h2>Servers</h2><table id="servers"><tr><th>Server</th><th>State</th><th>Step</th><th>Detail</th></tr>${Object.entries(view.servers).map(([n, s]) => `<tr><td>${e(n)}</td><td>${badge(s.state)}</td><td>${e(s.step)}</td><td>${e(s.detail ?? '')}</td></tr>`).join('')}</table>` : ''}
<h2>Steps</h2>
<table id="steps"><tr><th>Step</th><th>State</th><th>Planned</th><th>Last change</th><th>Detail</th></tr>
${[...byPhase.entries()].map(([phase, steps]) => `<tr><th colspan="5">${e(phase)} ${badge(view.phases.find((p) => p.id === phase)?.state ?? 'pending')}</th></tr>${steps.map((s) => `<tr data-step="${e(s.id)}"><td><b>${e(s.id)}</b><br><span class="muted">${e(s.title)}${s.tickets.length ? ` · ${s.tickets.map(e).join(', ')}` : ''}</span></td><td>${badge(s.state)}</td><td>${e(when(s.plannedStart, zone, zones))} – ${e(when(s.plannedEnd, zone, zones))}</td><td>${e(when(s.at, zone, zones))}</td><td>${e(s.detail ?? '')}</td></tr>`).join('')}`).join('')}
</table>
${view.summary ? `<h2>Summary</h2><pre>${e(view.summary)}</pre>` : ''}
</body></html>`;
}
