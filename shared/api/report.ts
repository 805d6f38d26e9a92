import { escapeHtml } from '../window/render-html';
import type { LayoutItem, PhaseLayout } from '../window/layout';
import { LEGEND, legendOf } from './legend';
import { formatAt, formatRange, humanizeTimes, slipText, zonesOf, type Zones } from './times';
import type { WindowStatusView } from './windows';
import type { WindowDetails } from './details';

/**
 * The window report, written when a window ends, in place of the wiki page the team wrote by
 * hand (seeds 000-002): the page's own layout with the legend beside every step, every time in
 * the window's zone and its display zones, and what the wiki page's readers look for —
 * outcomes against the plan, servers, approvals, deviations, canary answers, what is still
 * changed, and the notes. Markdown for the wiki, HTML for a browser; both from one model.
 */
export interface ReportModel {
  view: WindowStatusView;
  zones: Zones;
  /** Steps in the page's order, each with its depth and list mode, for both renderings. */
  lines: ReportLine[];
  deviations: { step: string; kind: 'late' | 'deferred' | 'not doing' | 'failed' | 'blocked' | 'aborted'; why: string }[];
}

type ReportLine =
  | { kind: 'phase'; id: string; title: string; state: string }
  | { kind: 'block'; depth: number; mode: 'sequence' | 'parallel'; index: number; parentMode: 'sequence' | 'parallel'; title: string; tickets: string[] }
  | { kind: 'step'; depth: number; parentMode: 'sequence' | 'parallel'; index: number; id: string };

/** Minutes past its planned end after which a step counts as late. */
const LATE_MINUTES = 15;

export function reportModel(view: WindowStatusView): ReportModel {
  const zones = zonesOf(view.details ?? {});
  const lines: ReportLine[] = [];
  const walk = (items: LayoutItem[], depth: number, mode: 'sequence' | 'parallel') =>
    items.forEach((item, index) => {
      if ('step' in item) lines.push({ kind: 'step', depth, parentMode: mode, index, id: item.step });
      else {
        lines.push({ kind: 'block', depth, mode: item.mode, index, parentMode: mode, title: item.title ?? item.block, tickets: item.tickets ?? [] });
        walk(item.items, depth + 1, item.mode);
      }
    });
  const layout: PhaseLayout[] =
    view.details?.layout ?? view.phases.map((p) => ({ id: p.id, title: p.id, mode: 'sequence' as const, items: view.steps.filter((s) => s.phase === p.id).map((s) => ({ step: s.id })) }));
  for (const p of layout) {
    lines.push({ kind: 'phase', id: p.id, title: p.title, state: view.phases.find((x) => x.id === p.id)?.state ?? 'pending' });
    walk(p.items, 0, p.mode);
  }
  const deviations: ReportModel['deviations'] = [];
  for (const s of view.steps) {
    const l = legendOf(s.state, s.detail);
    const end = view.details?.timeline[s.id]?.endedAt;
    if (l.key === 'deferred') deviations.push({ step: s.id, kind: 'deferred', why: s.detail ?? '' });
    else if (l.key === 'not-doing') deviations.push({ step: s.id, kind: 'not doing', why: s.detail ?? '' });
    else if (l.key === 'failed' || l.key === 'blocked' || l.key === 'aborted') deviations.push({ step: s.id, kind: l.key, why: s.detail ?? '' });
    if (end && s.state === 'done') {
      const late = Math.round((Date.parse(end) - Date.parse(s.plannedEnd)) / 60_000);
      if (late > LATE_MINUTES) deviations.push({ step: s.id, kind: 'late', why: `ended ${formatAt(end, zones)}, ${late}m after the planned ${formatAt(s.plannedEnd, zones)}` });
    }
  }
  return { view, zones, lines, deviations };
}

const outcomeOf = (s: WindowStatusView['steps'][number], zones: Zones, view: WindowStatusView) => {
  const t = view.details?.timeline[s.id];
  return {
    planned: formatRange(s.plannedStart, s.plannedEnd, zones),
    actual: t?.startedAt ? (t.endedAt ? formatRange(t.startedAt, t.endedAt, zones) : `since ${formatAt(t.startedAt, zones)}`) : 'did not run',
    detail: s.detail ? humanizeTimes(s.detail, zones) : '',
  };
};

/** Markdown that reads well in an Azure DevOps wiki (headings, nested numbered and bulleted lists, tables). */
export function renderReportMarkdown(view: WindowStatusView): string {
  const m = reportModel(view);
  const { zones } = m;
  const at = (iso?: string) => formatAt(iso, zones);
  const md = (text: string) => text.replace(/([\\`*_[\]<>|])/g, '\\$1');
  /** A time inside a table cell: its zone separator must not split the cell. */
  const atCell = (iso?: string) => at(iso).replace(/\|/g, '\\|');
  const out: string[] = [];
  const d = view.details;
  out.push(`# ${md(view.title)}: ${view.state}`, '');
  out.push(`Window \`${view.windowId}\`, revision \`${view.revision ?? '–'}\`, started by ${md(view.startedBy ?? '–')}. Times in ${zones.join(' and ')}.`, '');
  for (const line of aboutLines(d?.about)) out.push(md(line), '');
  out.push('| | |', '|---|---|');
  out.push(`| Outcome | **${view.state}**${view.stopReason ? `: ${md(humanizeTimes(view.stopReason, zones))}` : ''} |`);
  out.push(`| Started | ${atCell(view.startedAt)} |`);
  out.push(`| Planned end | ${atCell(view.plannedEndAt)} |`);
  out.push(`| Ended | ${atCell(view.finishedAt ?? view.eta)} (${slipText(view.slipMinutes)}) |`);
  out.push(`| Steps | ${LEGEND.map((l) => `${view.steps.filter((s) => legendOf(s.state, s.detail).key === l.key).length} ${l.word}`).filter((t) => !t.startsWith('0 ')).join(', ')} |`);
  out.push('');
  out.push('## Legend', '');
  out.push('Numbered changes run one after another; bulleted changes run in parallel.', '');
  for (const l of LEGEND) out.push(`- ${l.mark} **${l.word}**: ${l.meaning}`);
  out.push('');
  out.push('## Steps', '');
  for (const line of m.lines) {
    if (line.kind === 'phase') {
      out.push('', `### ${md(line.title)} (${legendOf(line.state).word})`, '');
      continue;
    }
    const indent = '   '.repeat(line.depth);
    const bullet = line.parentMode === 'sequence' ? `${line.index + 1}.` : '-';
    if (line.kind === 'block') {
      out.push(`${indent}${bullet} **${md(line.title)}**${line.tickets.length ? ` (${line.tickets.map(md).join(', ')})` : ''}, ${line.mode === 'sequence' ? 'in order' : 'in parallel'}:`);
      continue;
    }
    const s = view.steps.find((x) => x.id === line.id);
    if (!s) continue;
    const l = legendOf(s.state, s.detail);
    const o = outcomeOf(s, zones, view);
    out.push(`${indent}${bullet} ${l.mark} **${l.word}**: \`${s.id}\` ${md(s.title)}${s.tickets.length ? ` (${s.tickets.map(md).join(', ')})` : ''}`);
    out.push(`${indent}   planned ${o.planned}; actual ${o.actual}${o.detail ? `; ${md(o.detail)}` : ''}`);
  }
  out.push('');

  const groups = d?.serverGroups ?? [];
  if (groups.length > 0) {
    out.push('## Servers', '');
    for (const g of groups) {
      const by = (k: string) => g.servers.filter((s) => s.patch === k);
      out.push(`### ${md(g.group)}`, '');
      out.push(`Patched (${by('patched').length}): ${by('patched').map((s) => md(s.name)).join(', ') || 'none'}.`, '');
      const bad = g.servers.filter((s) => s.patch === 'failed' || s.patch === 'skipped' || s.patch === 'patching' || s.patch === 'pending');
      if (bad.length > 0) {
        out.push('| Server | Patch | Probe | Pools | Why |', '|---|---|---|---|---|');
        for (const s of bad) out.push(`| ${md(s.name)} | ${s.patch === 'pending' ? 'not started' : s.patch} | ${s.probe} | ${Object.entries(s.pools).map(([p, st]) => `${md(p)}: ${st}`).join(', ')} | ${md(s.detail ?? '')} |`);
        out.push('');
      }
    }
  }

  const approvals = d?.approvals ?? [];
  if (approvals.length > 0) {
    out.push('## Approvals', '');
    out.push('| Gate | Outcome | Who | When | Comment |', '|---|---|---|---|---|');
    for (const a of approvals) {
      const word = legendOf(a.state).word;
      if (a.decisions.length === 0) out.push(`| ${md(a.gate)} | ${word} | no decision | | |`);
      for (const x of a.decisions) out.push(`| ${md(a.gate)} | ${word} | ${md(x.by)} ${x.decision === 'approve' ? 'approved' : 'rejected'}${x.counted ? '' : ' (not counted)'}${x.via ? ` via ${x.via}` : ''} | ${atCell(x.at)} | ${md(x.comment ?? '')} |`);
    }
    out.push('');
  }

  out.push('## Deviations', '');
  if (m.deviations.length === 0) out.push('None: every step ran as planned.');
  for (const x of m.deviations) out.push(`- **${x.kind}** \`${x.step}\`${x.why ? `: ${md(humanizeTimes(x.why, zones))}` : ''}`);
  for (const x of d?.emergencies ?? []) out.push(`- **emergency** maintenance page ${md(x.page)} ${x.action} by ${md(x.by)} at ${at(x.at)}: ${md(x.reason)}`);
  out.push('');

  const canaries = d?.canaries ?? [];
  if (canaries.length > 0) {
    out.push('## Canary answers', '');
    for (const c of canaries) {
      out.push(`### ${md(c.title)}${c.decision ? `: ${c.decision.decision.toUpperCase()}` : ''}`, '');
      if (c.decision?.reasons.length) out.push(`Why: ${c.decision.reasons.map(md).join('; ')}`, '');
      out.push('| Checkpoint | Team | Answer | Who | When | Note |', '|---|---|---|---|---|---|');
      for (const a of c.answers) out.push(`| ${a.checkpoint ?? ''} | ${md(a.team)} | ${a.ok ? 'ok' : 'NOT OK'}${a.counted ? '' : ' (not counted)'} | ${md(a.by ?? '')} | ${atCell(a.at)} | ${md(a.note ?? '')} |`);
      out.push('');
    }
  }

  out.push('## Still changed', '');
  if (view.stillChanged.length === 0) out.push('Nothing: every pool, alert, page and key is back.');
  for (const c of view.stillChanged) out.push(`- **${c.state}** ${md(c.description)} (${md(c.step)}${c.note ? `: ${md(humanizeTimes(c.note, zones))}` : ''})`);
  out.push('');

  if (d && d.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of d.notes) out.push(`- ${md(n)}`);
    out.push('');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

/** What the window file says it is: its description, the page it replaces, its tickets. */
function aboutLines(about: WindowDetails['about']): string[] {
  if (!about) return [];
  return [...(about.description ? [about.description] : []), ...(about.source ? [`Source: ${about.source}`] : []), ...(about.tickets?.length ? [`Tickets: ${about.tickets.join(', ')}`] : [])];
}

/** The same report as one self-contained HTML page (inline CSS, no script). */
export function renderReportHtml(view: WindowStatusView): string {
  const m = reportModel(view);
  const { zones } = m;
  const e = escapeHtml;
  const at = (iso?: string) => e(formatAt(iso, zones));
  const d = view.details;
  const badge = (state: string, detail?: string) => {
    const l = legendOf(state, detail);
    return `<span class="badge" data-legend="${l.key}" style="color:${l.fg};background:${l.bg}"><span aria-hidden="true">${l.mark}</span> ${e(l.word)}</span>`;
  };
  const body: string[] = [];
  body.push(`<h1>${e(view.title)}: ${e(view.state)}</h1><p class="muted">Window ${e(view.windowId)}, revision ${e(view.revision ?? '–')}, started by ${e(view.startedBy ?? '–')}. Times in ${e(zones.join(' and '))}.</p>`);
  for (const line of aboutLines(d?.about)) body.push(`<p>${e(line)}</p>`);
  body.push(
    `<table class="facts"><tbody><tr><th scope="row">Outcome</th><td><b>${e(view.state)}</b>${view.stopReason ? `: ${e(humanizeTimes(view.stopReason, zones))}` : ''}</td></tr><tr><th scope="row">Started</th><td>${at(view.startedAt)}</td></tr><tr><th scope="row">Planned end</th><td>${at(view.plannedEndAt)}</td></tr><tr><th scope="row">Ended</th><td>${at(view.finishedAt ?? view.eta)} (${e(slipText(view.slipMinutes))})</td></tr></tbody></table>`,
  );
  body.push(`<h2>Legend</h2><p>Numbered changes run one after another; bulleted changes run in parallel.</p><ul class="legend">${LEGEND.map((l) => `<li>${badge(l.key === 'deferred' ? 'not-doing' : l.key, l.key === 'deferred' ? 'deferred' : undefined)} ${e(l.meaning)}</li>`).join('')}</ul>`);

  // Nested lists from the flat lines: open and close <ol>/<ul> as the depth changes.
  const html: string[] = ['<h2>Steps</h2>'];
  const open: string[] = [];
  const closeTo = (depth: number) => {
    while (open.length > depth) html.push(`</li></${open.pop()}>`);
  };
  for (const line of m.lines) {
    if (line.kind === 'phase') {
      closeTo(0);
      html.push(`<h3>${e(line.title)} ${badge(line.state)}</h3>`);
      continue;
    }
    const tag = line.parentMode === 'sequence' ? 'ol' : 'ul';
    if (open.length === line.depth) {
      html.push(`<${tag}>`);
      open.push(tag);
    } else {
      closeTo(line.depth + 1);
      html.push('</li>');
    }
    if (line.kind === 'block') {
      html.push(`<li><b>${e(line.title)}</b>${line.tickets.length ? ` (${line.tickets.map(e).join(', ')})` : ''}, ${line.mode === 'sequence' ? 'in order' : 'in parallel'}`);
      continue;
    }
    const s = view.steps.find((x) => x.id === line.id);
    if (!s) {
      html.push('<li>');
      continue;
    }
    const o = outcomeOf(s, zones, view);
    html.push(`<li data-step="${e(s.id)}">${badge(s.state, s.detail)} <b>${e(s.id)}</b> ${e(s.title)}${s.tickets.length ? ` (${s.tickets.map(e).join(', ')})` : ''}<div class="times">planned ${e(o.planned)}; actual ${e(o.actual)}</div>${o.detail ? `<div class="muted">${e(o.detail)}</div>` : ''}`);
  }
  closeTo(0);
  body.push(html.join(''));

  const groups = d?.serverGroups ?? [];
  if (groups.length > 0) {
    body.push('<h2>Servers</h2>');
    for (const g of groups) {
      const patched = g.servers.filter((s) => s.patch === 'patched');
      const bad = g.servers.filter((s) => s.patch !== 'patched');
      body.push(`<h3>${e(g.group)}</h3><p>Patched (${patched.length}): ${patched.map((s) => e(s.name)).join(', ') || 'none'}.</p>`);
      if (bad.length > 0) {
        body.push(
          `<div class="scroll"><table><thead><tr><th scope="col">Server</th><th scope="col">Patch</th><th scope="col">Probe</th><th scope="col">Pools</th><th scope="col">Why</th></tr></thead><tbody>${bad
            .map((s) => `<tr data-server="${e(s.name)}"><td>${e(s.name)}</td><td>${e(s.patch === 'pending' ? 'not started' : s.patch)}</td><td>${e(s.probe)}</td><td>${Object.entries(s.pools).map(([p, st]) => `${e(p)}: ${e(st)}`).join(', ')}</td><td>${e(s.detail ?? '')}</td></tr>`)
            .join('')}</tbody></table></div>`,
        );
      }
    }
  }
  const approvals = d?.approvals ?? [];
  if (approvals.length > 0) {
    const rows = approvals.flatMap((a) =>
      a.decisions.length === 0
        ? [`<tr data-gate="${e(a.gate)}"><td>${e(a.gate)}</td><td>${badge(a.state)}</td><td>no decision</td><td></td><td></td></tr>`]
        : a.decisions.map((x) => `<tr data-gate="${e(a.gate)}"><td>${e(a.gate)}</td><td>${badge(a.state)}</td><td>${e(x.by)} ${x.decision === 'approve' ? 'approved' : 'rejected'}${x.counted ? '' : ' (not counted)'}${x.via ? ` via ${e(x.via)}` : ''}</td><td>${at(x.at)}</td><td>${e(x.comment ?? '')}</td></tr>`),
    );
    body.push(`<h2>Approvals</h2><div class="scroll"><table><thead><tr><th scope="col">Gate</th><th scope="col">Outcome</th><th scope="col">Who</th><th scope="col">When</th><th scope="col">Comment</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`);
  }
  body.push(
    `<h2>Deviations</h2>${m.deviations.length === 0 && !(d?.emergencies.length) ? '<p>None: every step ran as planned.</p>' : `<ul id="deviations">${m.deviations.map((x) => `<li><b>${e(x.kind)}</b> ${e(x.step)}${x.why ? `: ${e(humanizeTimes(x.why, zones))}` : ''}</li>`).join('')}${(d?.emergencies ?? []).map((x) => `<li><b>emergency</b> maintenance page ${e(x.page)} ${e(x.action)} by ${e(x.by)} at ${at(x.at)}: ${e(x.reason)}</li>`).join('')}</ul>`}`,
  );
  for (const c of d?.canaries ?? []) {
    body.push(
      `<h2>Canary answers: ${e(c.title)}${c.decision ? ` (${e(c.decision.decision.toUpperCase())})` : ''}</h2>${c.decision?.reasons.length ? `<p>Why: ${c.decision.reasons.map(e).join('; ')}</p>` : ''}<div class="scroll"><table><thead><tr><th scope="col">Checkpoint</th><th scope="col">Team</th><th scope="col">Answer</th><th scope="col">Who</th><th scope="col">When</th><th scope="col">Note</th></tr></thead><tbody>${c.answers
        .map((a) => `<tr><td>${e(a.checkpoint ?? '')}</td><td>${e(a.team)}</td><td>${a.ok ? 'ok' : '<b>NOT OK</b>'}${a.counted ? '' : ' (not counted)'}</td><td>${e(a.by ?? '')}</td><td>${at(a.at)}</td><td>${e(a.note ?? '')}</td></tr>`)
        .join('')}</tbody></table></div>`,
    );
  }
  body.push(
    `<h2>Still changed</h2>${view.stillChanged.length === 0 ? '<p>Nothing: every pool, alert, page and key is back.</p>' : `<ul>${view.stillChanged.map((c) => `<li><b>${e(c.state)}</b> ${e(c.description)} (${e(c.step)}${c.note ? `: ${e(humanizeTimes(c.note, zones))}` : ''})</li>`).join('')}</ul>`}`,
  );
  if (d && d.notes.length > 0) body.push(`<h2>Notes</h2><ul>${d.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(view.title)}: window report</title>
<style>
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:#1f2328;max-width:1100px}
h1{font-size:1.4rem;overflow-wrap:anywhere}h2{font-size:1.15rem;margin-top:1.5rem}h3{font-size:1rem}.muted{color:#57606a}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8rem;white-space:nowrap}
ul.legend{list-style:none;padding:0}li{margin:.3rem 0;overflow-wrap:anywhere}.times{font-size:.85rem;color:#57606a}
table{border-collapse:collapse}td,th{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
.scroll{overflow-x:auto}
</style></head><body><main>
${body.join('\n')}
</main></body></html>`;
}
