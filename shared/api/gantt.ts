import { DateTime } from 'luxon';
import { escapeHtml } from '../window/render-html';
import { zoneAbbreviation } from '../window/plan';
import type { WindowStatusView } from './windows';
import { legendOf } from './legend';
import { formatAt, type Zones } from './times';

/**
 * Plan against actual as an inline SVG: per step a thin outline for the plan and a filled bar
 * in the legend's colour for what happened (still growing while it runs), a "now" line, the
 * ETA and the maintenance page's band, planned and actual. Axis labels in every zone.
 */

const LABEL = 190;
const WIDTH = 980;
const ROW = 18;
const AXIS = 40;
const TICKS_MINUTES = [15, 30, 60, 120, 180, 360, 720, 1440];

export function renderGantt(view: WindowStatusView, order: string[], zones: Zones): string {
  const e = escapeHtml;
  const d = view.details;
  if (!d) return '';
  const nowMs = Date.parse(d.now);
  const finished = ['succeeded', 'failed', 'aborted'].includes(view.state);
  const byId = new Map(view.steps.map((s) => [s.id, s]));
  const steps = order.map((id) => byId.get(id)).filter((s): s is NonNullable<typeof s> => s !== undefined);
  const times: number[] = [Date.parse(d.plannedStartAt)];
  for (const s of steps) {
    times.push(Date.parse(s.plannedStart), Date.parse(s.plannedEnd));
    const t = d.timeline[s.id];
    if (t?.startedAt) times.push(Date.parse(t.startedAt));
    if (t?.endedAt) times.push(Date.parse(t.endedAt));
  }
  if (view.eta) times.push(Date.parse(view.eta));
  if (!finished) times.push(nowMs);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 60 * 60_000);
  const span = WIDTH - LABEL - 20;
  const x = (ms: number) => LABEL + ((ms - t0) / (t1 - t0)) * span;
  const height = AXIS + steps.length * ROW + 8;
  const parts: string[] = [];

  const band = (from: number, to: number, cls: string, label: string) =>
    `<rect class="${cls}" x="${x(from).toFixed(1)}" y="${AXIS}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${steps.length * ROW}"><title>${e(label)}</title></rect>`;
  if (d.pageUp.planned) parts.push(band(Date.parse(d.pageUp.planned.from), Date.parse(d.pageUp.planned.to), 'g-page-plan', `maintenance page up as planned: ${formatAt(d.pageUp.planned.from, zones)} to ${formatAt(d.pageUp.planned.to, zones)}`));
  if (d.pageUp.actual) {
    const to = d.pageUp.actual.to ? Date.parse(d.pageUp.actual.to) : finished ? Date.parse(view.finishedAt ?? d.now) : nowMs;
    parts.push(band(Date.parse(d.pageUp.actual.from), to, 'g-page', `maintenance page up: from ${formatAt(d.pageUp.actual.from, zones)}${d.pageUp.actual.to ? ` to ${formatAt(d.pageUp.actual.to, zones)}` : ' (still up)'}`));
  }

  // Axis: ticks on whole local hours of the window's zone, each labelled in every zone.
  const step = TICKS_MINUTES.find((m) => (t1 - t0) / (m * 60_000) <= 12) ?? 1440;
  let tick = DateTime.fromMillis(t0, { zone: zones[0] }).startOf('hour');
  while (tick.toMillis() < t0) tick = tick.plus({ minutes: step });
  for (; tick.toMillis() <= t1; tick = tick.plus({ minutes: step })) {
    const ms = tick.toMillis();
    const tx = x(ms).toFixed(1);
    parts.push(`<line class="g-grid" x1="${tx}" y1="${AXIS - 4}" x2="${tx}" y2="${height - 8}"/>`);
    zones.forEach((zone, i) => {
      const local = DateTime.fromMillis(ms, { zone }).setLocale('en-US');
      const text = `${local.hour === 0 || i > 0 ? local.toFormat('ccc ') : ''}${local.toFormat('HH:mm')}`;
      parts.push(`<text class="${i === 0 ? 'g-axis' : 'g-axis g-muted'}" x="${tx}" y="${12 + i * 13}" text-anchor="middle">${e(text)}</text>`);
    });
  }
  parts.push(`<text class="g-axis g-muted" x="4" y="12">${e(zoneAbbreviation(t0, zones[0]))}</text>`);
  zones.slice(1).forEach((z, i) => parts.push(`<text class="g-axis g-muted" x="4" y="${25 + i * 13}">${e(zoneAbbreviation(t0, z))}</text>`));

  steps.forEach((s, i) => {
    const y = AXIS + i * ROW;
    const legend = legendOf(s.state, s.detail);
    const t = d.timeline[s.id];
    parts.push(`<g data-gantt-step="${e(s.id)}"><text class="g-label" x="${LABEL - 6}" y="${y + 13}" text-anchor="end">${e(s.id.length > 26 ? `${s.id.slice(0, 25)}…` : s.id)}</text>`);
    const ps = Date.parse(s.plannedStart);
    const pe = Date.parse(s.plannedEnd);
    parts.push(`<rect class="g-plan" data-kind="plan" x="${x(ps).toFixed(1)}" y="${y + 2}" width="${Math.max(2, x(pe) - x(ps)).toFixed(1)}" height="${ROW - 4}"><title>${e(`${s.id} planned ${formatAt(ps, zones)} to ${formatAt(pe, zones)}`)}</title></rect>`);
    if (t?.startedAt) {
      const as = Date.parse(t.startedAt);
      const ae = t.endedAt ? Date.parse(t.endedAt) : finished ? as : nowMs;
      parts.push(
        `<rect class="g-actual" data-kind="actual" fill="${legend.bg}" x="${x(as).toFixed(1)}" y="${y + 5}" width="${Math.max(2, x(ae) - x(as)).toFixed(1)}" height="${ROW - 10}"><title>${e(`${s.id} ${legend.word}: started ${formatAt(as, zones)}${t.endedAt ? `, ended ${formatAt(ae, zones)}` : ''}`)}</title></rect>`,
      );
    }
    parts.push('</g>');
  });

  if (!finished && nowMs >= t0 && nowMs <= t1) {
    parts.push(`<line class="g-now" id="gantt-now" x1="${x(nowMs).toFixed(1)}" y1="${AXIS - 6}" x2="${x(nowMs).toFixed(1)}" y2="${height - 4}"><title>now: ${e(formatAt(nowMs, zones))}</title></line>`);
    parts.push(`<text class="g-now-label" x="${(x(nowMs) + 3).toFixed(1)}" y="${AXIS - 2}">now</text>`);
  }
  if (view.eta) {
    const ex = x(Date.parse(view.eta)).toFixed(1);
    parts.push(`<line class="g-eta" id="gantt-eta" x1="${ex}" y1="${AXIS - 6}" x2="${ex}" y2="${height - 4}"><title>${finished ? 'ended' : 'ETA'}: ${e(formatAt(view.eta, zones))}</title></line>`);
    parts.push(`<text class="g-eta-label" x="${(Number(ex) - 3).toFixed(1)}" y="${AXIS - 2}" text-anchor="end">${finished ? 'end' : 'ETA'}</text>`);
  }
  const summary = `Plan against actual for ${steps.length} steps, from ${formatAt(t0, zones)} to ${formatAt(t1, zones)}${view.eta ? `; ${finished ? 'ended' : 'ETA'} ${formatAt(view.eta, zones)}` : ''}. The step list below has the same times as text.`;
  return `<svg class="gantt" role="img" aria-label="${e(summary)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Inline CSS for the chart (part of the page's one style sheet). */
export const GANTT_STYLE = `
.gantt-wrap{overflow-x:auto;border:1px solid #d0d7de;border-radius:6px;background:#fff}
.gantt-wrap:focus{outline:3px solid #0550ae;outline-offset:2px}
svg.gantt{display:block}
svg.gantt text{font:11px system-ui,sans-serif;fill:#24292f}
svg.gantt .g-muted{fill:#57606a}
svg.gantt .g-grid{stroke:#d8dee4;stroke-width:1}
svg.gantt .g-plan{fill:#ffffff;stroke:#57606a;stroke-width:1}
svg.gantt .g-page-plan{fill:#fff8c5}
svg.gantt .g-page{fill:#ffd33d;opacity:.45}
svg.gantt .g-now{stroke:#a40e26;stroke-width:2}
svg.gantt .g-now-label{fill:#a40e26;font-weight:700}
svg.gantt .g-eta{stroke:#0550ae;stroke-width:2;stroke-dasharray:5 3}
svg.gantt .g-eta-label{fill:#0550ae;font-weight:700}
`;
