import { escapeHtml } from '../window/render-html';
import type { LayoutItem, PhaseLayout } from '../window/layout';
import type { ApprovalView, ServerGroupView } from './details';
import { GANTT_STYLE, renderGantt } from './gantt';
import { LEGEND, STATE_COLOURS, legendOf } from './legend';
import { PAGE_SCRIPT } from './page-script';
import { renderPreflightSection } from './preflightSection';
import type { LatestPreflight } from '../preflight/latest';
import { formatAt, formatRange, humanizeTimes, slipText, zonesOf, type Zones } from './times';
import type { WindowStatusView } from './windows';

/**
 * The on-call page of one window, for the people at 5 AM: where it stands at a glance (state,
 * ETA against plan, what runs, who must approve, which servers are out, whether the page is
 * up), the legend, plan against actual, every server, then the window laid out as the wiki
 * page lays it out. One self-contained document (inline CSS, SVG and script, nothing from a
 * CDN) that refreshes its live parts in place, readable from 390 px up.
 */
export interface PageViewer {
  /** The caller as the platform names them. */
  id: string;
  /** Their person id in the window, when they are in it. */
  person?: string;
}

export interface PageOptions {
  viewer?: PageViewer;
  /** The CSRF token the page's POSTs carry (the same value is in the caller's cookie). */
  csrfToken?: string;
  refreshSeconds?: number;
  /** The window's latest pre-flight (the day before, or over the API), when there is one. */
  preflight?: LatestPreflight;
}

const e = escapeHtml;
const FINISHED = ['succeeded', 'failed', 'aborted'];

const chip = (state: string, text?: string, cls = 'chip'): string => {
  const c = STATE_COLOURS[state] ?? { fg: '#24292f', bg: '#eaeef2' };
  return `<span class="${cls}" data-state="${e(state)}" style="color:${c.fg};background:${c.bg}">${e(text ?? state)}</span>`;
};

/** A step's legend badge: mark and word, coloured. */
export function stepBadge(state: string, detail?: string): string {
  const l = legendOf(state, detail);
  return `<span class="badge" data-legend="${l.key}" style="color:${l.fg};background:${l.bg}"><span aria-hidden="true">${l.mark}</span> ${e(l.word)}</span>`;
}

/** Gates the viewer may decide now: listed for a role, not the starter, not already counted. */
export function approvableGates(view: WindowStatusView, viewer: PageViewer | undefined): Set<string> {
  const gates = new Set<string>();
  if (!viewer?.person) return gates;
  const starter = view.startedBy?.toLowerCase();
  if (starter === viewer.person.toLowerCase() || starter === viewer.id.toLowerCase()) return gates;
  for (const a of view.details?.approvals ?? []) {
    if (a.state !== 'waiting-for-approval') continue;
    if (!a.roles.some((r) => r.approvers.includes(viewer.person!))) continue;
    if (a.decisions.some((d) => d.by === viewer.person && d.counted)) continue;
    gates.add(a.gate);
  }
  return gates;
}

export function renderStatusPage(view: WindowStatusView, options: PageOptions = {}): string {
  const zones = zonesOf(view.details ?? {});
  const at = (iso: string | undefined) => formatAt(iso, zones);
  const human = (text: string) => e(humanizeTimes(text, zones));
  const finished = FINISHED.includes(view.state);
  const d = view.details;
  const order = d?.layout ? layoutOrder(d.layout) : view.steps.map((s) => s.id);
  const approvable = approvableGates(view, options.viewer);
  const stateColour = STATE_COLOURS[view.state] ?? STATE_COLOURS['not-started']!;

  const doing = view.steps.filter((s) => ['doing', 'waiting', 'waiting-for-approval'].includes(s.state));
  const failedServers = Object.entries(view.servers).filter(([, s]) => s.state === 'failed');
  const inFlight = (d?.serverGroups ?? []).flatMap((g) => g.servers.filter((s) => s.patch === 'patching'));
  const pages = Object.entries(view.maintenancePages);
  const stillChanged = view.stillChanged;

  const glance = `<section id="glance" data-live aria-labelledby="glance-h">
<h2 id="glance-h" class="sr-only">At a glance</h2>
<div class="cards">
<div class="card"><span class="label">State</span><b id="state">${chip(view.state, view.state.toUpperCase(), 'state')}</b></div>
<div class="card"><span class="label">Planned end</span><b id="planned-end">${e(at(view.plannedEndAt))}</b></div>
<div class="card"><span class="label">${finished ? 'Ended' : 'ETA'}</span><b id="eta">${e(at(view.eta))}</b><span id="slip" class="muted">${e(slipText(view.slipMinutes))}</span></div>
${!finished && d ? `<div class="card"><span class="label">Now</span><b id="now-time">${e(at(d.now))}</b></div>` : ''}
<div class="card"><span class="label">Steps</span><b id="counts">${LEGEND.filter((l) => (view.counts[l.key] ?? 0) > 0 || (l.key === 'deferred' && deferredCount(view) > 0))
    .map((l) => `${l.key === 'not-doing' ? (view.counts[l.key] ?? 0) - deferredCount(view) : l.key === 'deferred' ? deferredCount(view) : view.counts[l.key]} ${e(l.word)}`)
    .filter((t) => !t.startsWith('0 '))
    .join(', ') || 'none yet'}</b></div>
</div>
${view.stopReason ? `<div class="banner alert" id="stop-reason"><b>Stopped:</b> ${human(view.stopReason)}</div>` : ''}
${pages
  .map(([p, s]) =>
    // A page still up once the window has ended was kept up on purpose (a failure): it waits for a person.
    finished && s === 'up'
      ? `<div class="banner alert" data-page="${e(p)}">Maintenance page <b>${e(p)}</b> is still <b>UP</b>: the window ended ${e(view.state)} and customers are kept out until a person takes it down (<code>mw page ${e(view.windowId)} ${e(p)} down -r "why"</code>).</div>`
      : `<div class="banner ${s === 'up' ? 'warn' : 'info'}" data-page="${e(p)}">Maintenance page <b>${e(p)}</b> is <b>${e(s.toUpperCase())}</b></div>`,
  )
  .join('')}
${Object.entries(view.alertSets).map(([a, s]) => `<div class="banner ${s === 'paused' ? 'warn' : 'info'}" data-alert-set="${e(a)}">Alerts <b>${e(a)}</b> are <b>${e(s.toUpperCase())}</b></div>`).join('')}
${stillChanged.length > 0 ? `<div class="banner ${finished && stillChanged.some((c) => c.state !== 'kept') ? 'alert' : 'warn'}" id="still-changed"><b>Still changed (${stillChanged.length}):</b><ul>${stillChanged.map((c) => `<li>${chip(c.state)} ${human(c.description)} <span class="muted">(${e(c.step)}${c.note ? `: ${human(c.note)}` : ''})</span></li>`).join('')}</ul></div>` : ''}
${failedServers.length > 0 ? `<div class="banner alert" id="servers-out"><b>Out of their pools:</b> ${failedServers.map(([n, s]) => `${e(n)} (${human(s.detail ?? 'failed')})`).join('; ')}</div>` : ''}
${inFlight.length > 0 ? `<div class="banner info" id="in-flight"><b>${inFlight.length} server${inFlight.length === 1 ? '' : 's'} in flight</b> (out of their pools, patching): ${inFlight.map((s) => e(s.name)).join(', ')}</div>` : ''}
${finished && d?.runId ? `<div class="banner info" id="report-links">The window report: <a data-keyed href="./runs/${e(d.runId)}/report.html">HTML</a> · <a data-keyed href="./runs/${e(d.runId)}/report.md">Markdown</a></div>` : ''}
<h3 class="h-now">Now</h3>
${doing.length === 0 ? `<p class="muted" id="now-none">${finished ? 'The window has ended.' : 'Nothing running.'}</p>` : `<ul id="now">${doing.map((s) => `<li>${stepBadge(s.state, s.detail)} <b>${e(s.id)}</b> ${e(s.title)}${s.detail ? ` <span class="muted">— ${human(s.detail)}</span>` : ''}</li>`).join('')}</ul>`}
</section>`;

  const approvalsSection = renderApprovals(view, d?.approvals, approvable, zones);

  const legend = `<section id="legend" aria-labelledby="legend-h"><h2 id="legend-h">Legend</h2>
<p class="muted">Numbered changes run one after another; bulleted changes run in parallel.</p>
<ul class="legend">${LEGEND.map((l) => `<li>${stepBadge(l.key === 'deferred' ? 'not-doing' : l.key, l.key === 'deferred' ? 'deferred' : undefined)} <span class="muted">${e(l.meaning)}</span></li>`).join('')}</ul></section>`;

  const gantt = d
    ? `<section id="plan-actual" data-live aria-labelledby="gantt-h"><h2 id="gantt-h">Plan against actual</h2>
<p class="muted key"><span class="k-plan"></span> plan <span class="k-actual"></span> actual (legend colour) <span class="k-now"></span> now <span class="k-eta"></span> ETA <span class="k-page"></span> maintenance page up</p>
<div class="gantt-wrap" tabindex="0" role="region" aria-label="Plan against actual chart (scrolls sideways)">${renderGantt(view, order, zones)}</div></section>`
    : '';

  const servers = d && d.serverGroups.length > 0 ? `<section id="servers" data-live aria-labelledby="servers-h"><h2 id="servers-h">Servers</h2>${d.serverGroups.map((g) => renderGroup(g, zones)).join('')}</section>` : '';

  const steps = `<section id="steps" data-live aria-labelledby="steps-h"><h2 id="steps-h">Steps</h2>${d?.layout ? d.layout.map((p) => renderPhase(view, p, zones)).join('') : renderFlat(view, zones)}</section>`;

  const notes = d && d.notes.length > 0 ? `<section id="notes" aria-labelledby="notes-h"><h2 id="notes-h">Notes</h2><ul>${d.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul></section>` : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="mw-csrf" content="${e(options.csrfToken ?? '')}">
<meta name="mw-refresh" content="${options.refreshSeconds ?? 15}">
<title>${e(view.title)} — ${e(view.state)}</title>
<style>${STYLE}${GANTT_STYLE}</style></head><body>
<a class="skip" href="#steps">Skip to the steps</a>
<header><h1>${e(view.title)} <span class="state" id="headline-state" style="color:${stateColour.fg};background:${stateColour.bg}">${e(view.state.toUpperCase())}</span></h1>
<p class="muted">${e(view.windowId)} · revision ${e(view.revision ?? '–')} · started by ${e(view.startedBy ?? '–')} at ${e(at(view.startedAt))} · times in ${e(zones.join(' and '))}${options.viewer ? ` · you are ${e(options.viewer.person ?? options.viewer.id)}` : ''}</p>
<p id="live" class="muted" role="status" aria-live="polite">${finished ? 'The window has ended; this page no longer changes.' : `Updates itself every ${options.refreshSeconds ?? 15} seconds.`}</p></header>
<main>
${glance}
${approvalsSection}
${renderPreflightSection(options.preflight)}
${legend}
${gantt}
${servers}
${steps}
${notes}
</main>
<script>${PAGE_SCRIPT}</script>
</body></html>`;
}

function deferredCount(view: WindowStatusView): number {
  return view.steps.filter((s) => legendOf(s.state, s.detail).key === 'deferred').length;
}

function layoutOrder(layout: PhaseLayout[]): string[] {
  const walk = (items: LayoutItem[]): string[] => items.flatMap((i) => ('step' in i ? [i.step] : walk(i.items)));
  return layout.flatMap((p) => walk(p.items));
}

function renderApprovals(view: WindowStatusView, approvals: ApprovalView[] | undefined, approvable: Set<string>, zones: Zones): string {
  const pending = (approvals ?? []).filter((a) => a.state === 'waiting-for-approval');
  const fallback = approvals ? [] : view.approvalsPending.map((a) => ({ gate: a.gate, title: a.title, state: 'waiting-for-approval', roles: a.roles, decisions: [] }) as ApprovalView);
  const list = [...pending, ...fallback];
  if (list.length === 0) return '<section id="approvals-section" data-live hidden></section>';
  const who = (r: ApprovalView['roles'][number]) => `${r.quorum} of ${r.role} (${r.approvers.map(e).join(', ')})`;
  return `<section id="approvals-section" data-live aria-labelledby="approvals-h"><h2 id="approvals-h">Waiting for approval</h2><ul id="approvals">${list
    .map((a) => {
      const decisions = a.decisions.map((x) => `<li>${e(x.by)} ${x.decision === 'approve' ? 'approved' : 'rejected'} at ${e(formatAt(x.at, zones))}${x.comment ? `: “${e(x.comment)}”` : ''}${x.counted ? '' : ' (not counted)'}</li>`).join('');
      const form = approvable.has(a.gate)
        ? `<form class="decide" data-gate="${e(a.gate)}"><label for="comment-${e(a.gate)}">Comment for the record (optional)</label><textarea id="comment-${e(a.gate)}" name="comment" rows="2" maxlength="1000"></textarea><div class="buttons"><button type="submit" name="decision" value="approve" class="approve">Approve ${e(a.gate)}</button><button type="submit" name="decision" value="reject" class="reject">Reject ${e(a.gate)}</button></div><p class="result" role="status" aria-live="polite"></p></form>`
        : '';
      return `<li data-gate="${e(a.gate)}"><b>${e(a.gate)}</b> ${e(a.title)}: needs ${a.roles.map(who).join(' and ')}${decisions ? `<ul class="decisions">${decisions}</ul>` : ''}${form}</li>`;
    })
    .join('')}</ul></section>`;
}

function renderGroup(g: ServerGroupView, zones: Zones): string {
  void zones;
  const counts = (k: string) => g.servers.filter((s) => s.patch === k).length;
  const summary = ['patched', 'patching', 'failed', 'pending', 'skipped'].filter((k) => counts(k) > 0).map((k) => `${counts(k)} ${k === 'pending' ? 'not started' : k}`).join(', ');
  return `<h3>${e(g.group)} <span class="muted">(${g.servers.length} servers: ${e(summary)})</span></h3>
<ul class="grid" data-group="${e(g.group)}">${g.servers
    .map(
      (s) =>
        `<li class="server" data-server="${e(s.name)}" data-patch="${e(s.patch)}"><b>${e(s.name)}</b> <span class="muted">${e(s.batch)}</span><div class="chips">${Object.entries(s.pools)
          .map(([p, st]) => chip(st, `${p}: ${st}`))
          .join('')}${chip(s.patch === 'pending' ? 'not-started' : s.patch, `patch: ${s.patch === 'pending' ? 'not started' : s.patch}`)}${chip(s.probe === 'not run' ? 'not-started' : s.probe, `probe: ${s.probe}`)}</div>${s.detail ? `<div class="muted detail">${e(s.detail)}</div>` : ''}</li>`,
    )
    .join('')}</ul>`;
}

function stepItem(view: WindowStatusView, id: string, zones: Zones): string {
  const s = view.steps.find((x) => x.id === id);
  if (!s) return '';
  const t = view.details?.timeline[id];
  const actual = t?.startedAt ? (t.endedAt ? formatRange(t.startedAt, t.endedAt, zones) : `since ${formatAt(t.startedAt, zones)}`) : '';
  return `<li data-step="${e(s.id)}" data-state="${e(s.state)}">${stepBadge(s.state, s.detail)} <b>${e(s.id)}</b> ${e(s.title)}${s.tickets.length ? ` <span class="muted">· ${s.tickets.map(e).join(', ')}</span>` : ''}
<div class="times"><span>planned ${e(formatRange(s.plannedStart, s.plannedEnd, zones))}</span>${actual ? `<span>actual ${e(actual)}</span>` : ''}</div>${s.detail ? `<div class="muted detail">${e(humanizeTimes(s.detail, zones))}</div>` : ''}</li>`;
}

function renderItems(view: WindowStatusView, items: LayoutItem[], mode: 'sequence' | 'parallel', zones: Zones): string {
  const tag = mode === 'sequence' ? 'ol' : 'ul';
  return `<${tag} class="${mode}">${items
    .map((i) =>
      'step' in i
        ? stepItem(view, i.step, zones)
        : `<li class="block"><b>${e(i.title ?? i.block)}</b>${i.tickets ? ` <span class="muted">· ${i.tickets.map(e).join(', ')}</span>` : ''} <span class="muted">(${i.mode === 'sequence' ? 'in order' : 'in parallel'})</span>${i.notes ? `<div class="muted detail">${i.notes.map(e).join(' ')}</div>` : ''}${renderItems(view, i.items, i.mode, zones)}</li>`,
    )
    .join('')}</${tag}>`;
}

function renderPhase(view: WindowStatusView, phase: PhaseLayout, zones: Zones): string {
  const state = view.phases.find((p) => p.id === phase.id)?.state ?? 'pending';
  return `<div class="phase" data-phase="${e(phase.id)}"><h3>${e(phase.title)} ${stepBadge(state)}</h3>${renderItems(view, phase.items, phase.mode, zones)}</div>`;
}

function renderFlat(view: WindowStatusView, zones: Zones): string {
  return view.phases.map((p) => `<div class="phase" data-phase="${e(p.id)}"><h3>${e(p.id)} ${stepBadge(p.state)}</h3><ol class="sequence">${view.steps.filter((s) => s.phase === p.id).map((s) => stepItem(view, s.id, zones)).join('')}</ol></div>`).join('');
}

const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:#1f2328;background:#fff;max-width:1400px}
h1{margin:0 0 .25rem;font-size:1.4rem;overflow-wrap:anywhere}h2{margin:1.5rem 0 .5rem;font-size:1.15rem}h3{margin:1rem 0 .4rem;font-size:1rem}
p{margin:.25rem 0}.muted{color:#57606a}.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:2}
a{color:#0550ae}a:focus,button:focus,textarea:focus{outline:3px solid #0550ae;outline-offset:2px}
.state{border-radius:6px;padding:2px 10px;font-size:1rem;white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,220px),1fr));gap:.5rem;margin:.75rem 0}
.card{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.5rem .75rem;min-width:0}
.card .label{display:block;color:#57606a;font-size:.85rem}.card b{display:block;font-size:1.05rem;overflow-wrap:anywhere}
.banner{border-radius:6px;padding:.5rem .75rem;margin:.5rem 0;border:1px solid;overflow-wrap:anywhere}
.banner ul{margin:.25rem 0;padding-left:1.2rem}
.alert{background:#ffebe9;border-color:#a40e26}.warn{background:#fff8c5;border-color:#9a6700}.info{background:#f6f8fa;border-color:#d0d7de}
.badge,.chip{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8rem;line-height:1.5;white-space:nowrap}
.chips{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
ul.legend{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,260px),1fr));gap:.25rem .75rem}
.key span{display:inline-block;width:14px;height:10px;margin:0 2px 0 10px;vertical-align:middle;border:1px solid #57606a}
.key .k-actual{background:#0550ae;border-color:#0550ae}.key .k-now{width:3px;background:#a40e26;border-color:#a40e26}.key .k-eta{width:3px;background:#0550ae;border-color:#0550ae}.key .k-page{background:#ffd33d;border-color:#9a6700}
ul.grid{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,165px),1fr));gap:.5rem}
.server{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .5rem}
.server[data-patch=patching]{border-color:#0550ae;border-width:2px}.server[data-patch=failed]{border-color:#a40e26;border-width:2px}
.phase ol,.phase ul{padding-left:1.4rem}.phase li{margin:.35rem 0;overflow-wrap:anywhere}
.times{display:flex;flex-wrap:wrap;gap:0 1rem;font-size:.85rem;color:#57606a}.detail{font-size:.85rem}
form.decide{margin:.5rem 0;padding:.5rem;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;max-width:40rem}
form.decide label{display:block;font-size:.9rem}form.decide textarea{width:100%;font:inherit}
.buttons{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.4rem}
button{font:inherit;padding:.4rem 1rem;border-radius:6px;border:1px solid #1f2328;cursor:pointer;min-height:44px}
button.approve{background:#116329;color:#fff}button.reject{background:#a40e26;color:#fff}button:disabled{opacity:.6}
ul.decisions{margin:.25rem 0;font-size:.9rem}
@media print{.gantt-wrap{overflow:visible}form.decide{display:none}}
`;
