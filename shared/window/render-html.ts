import { DateTime } from 'luxon';
import { formatMinutes } from './duration';
import { formatZoneRange, formatZoneTime, zoneAbbreviation, type Plan, type PlannedStep, type PoolCapacity } from './plan';

/**
 * One self-contained HTML page for a plan: inline CSS and SVG, no scripts, no external
 * assets, so it can be attached to a change ticket or opened from a mail.
 */

const LABEL_WIDTH = 280;
const CHART_WIDTH = 960;
const ROW_HEIGHT = 22;
/** Extra height per parallel batch lane of one step. */
const LANE_HEIGHT = 10;
const PHASE_HEIGHT = 26;
const AXIS_HEIGHT = 30;
/** Room right of the chart for the last axis label. */
const RIGHT_MARGIN = 60;
const TICK_CHOICES_MINUTES = [15, 30, 60, 120, 180, 240, 360, 720, 1440, 2880, 10080];
/** Room one axis label needs ("Sun 02:00 EDT" at 12px), with a gap: fewer ticks than fit never overlap. */
const TICK_LABEL_WIDTH = 100;
const MAX_TICKS = Math.floor(CHART_WIDTH / TICK_LABEL_WIDTH);
/** Below this width the charts scroll sideways instead of shrinking their text. */
const PHONE_WIDTH = 720;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.sub{color:#5b6475;margin:0 0 16px}
table.figures{border-collapse:collapse;margin:8px 0}
table.figures th,table.figures td{text-align:left;padding:4px 12px 4px 0;vertical-align:top}
table.figures th{color:#5b6475;font-weight:600}
.over{color:#b00020;font-weight:600}.ok{color:#1b6e3a;font-weight:600}
svg{display:block;max-width:100%;height:auto}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
@media (max-width:${PHONE_WIDTH}px){body{margin:8px;font-size:13px}.scroll svg{max-width:none;width:${LABEL_WIDTH + CHART_WIDTH + RIGHT_MARGIN}px}table.figures th,table.figures td{display:block;padding:2px 0}}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#1d2330}
svg .muted{fill:#5b6475}
svg .phase-label{font-weight:700}
svg .grid{stroke:#e3e6ec;stroke-width:1}
svg .bar{fill:#7aa2d6}
svg .bar.critical{fill:#d64545}
svg .bar.not-doing{fill:none;stroke:#9aa3b2;stroke-dasharray:3 2}
svg .batch{fill:#2f5e99;opacity:.85}
svg .batch.critical{fill:#8f1d1d}
svg .page-up{fill:#f5b041;opacity:.22}
svg .page-up-label{fill:#9a5b00;font-weight:600}
svg .capacity{fill:none;stroke:#2f5e99;stroke-width:2}
svg .floor{stroke:#b00020;stroke-width:1.5;stroke-dasharray:6 4}
ul.recs li{margin:4px 0}
.legend span{display:inline-block;margin-right:16px}
.swatch{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}
`;

/** The page: summary figures, the Gantt chart, pool capacity charts and recommendations. */
export function renderPlanHtml(plan: Plan): string {
  const e = escapeHtml;
  const zones = [plan.timeZone, ...plan.displayZones];
  const at = (ms: number) => zones.map((z) => formatZoneTime(ms, z)).join(' | ');
  const lb = plan.lowerBound;
  const budget = plan.budget;
  const figures: [string, string][] = [
    ['Window', `${at(plan.start.epochMs)} → ${at(plan.end.epochMs)}`],
    [
      'Makespan',
      `${formatMinutes(plan.makespanMinutes)} — lower bound ${formatMinutes(lb.minutes)} (critical path ${formatMinutes(lb.criticalPathMinutes)}${lb.capacity.length > 0 ? `, patch capacity ${formatMinutes(lb.capacityMinutes)}` : ''}; ${lb.binds === 'capacity' ? `capacity of ${lb.bindingResource ?? ''} binds` : 'the critical path binds'})`,
    ],
    ['Maintenance page up', plan.pageUp.intervals.length > 0 ? `${formatMinutes(plan.pageUp.minutes)} — lower bound ${formatMinutes(plan.pageUp.lowerBoundMinutes)}` : 'no maintenance page'],
    [
      'Budget',
      budget
        ? `deadline ${at(budget.deadline.epochMs)}: ${budget.fits ? `fits, ${formatMinutes(budget.spareMinutes)} to spare` : `overruns by ${formatMinutes(budget.overrunMinutes)}`}`
        : 'none set',
    ],
    ['Critical path', plan.criticalPath.map((l) => l.id).join(' → ') || '(none)'],
  ];
  const budgetClass = budget ? (budget.fits ? 'ok' : 'over') : '';
  const rows = figures
    .map(([k, v]) => `<tr><th>${e(k)}</th><td${k === 'Budget' && budgetClass ? ` class="${budgetClass}"` : ''}>${e(v)}</td></tr>`)
    .join('\n');
  const recs =
    plan.recommendations.length > 0
      ? `<ul class="recs">${plan.recommendations.map((r) => `<li>${e(r.message)}</li>`).join('')}</ul>`
      : '<p>None: no not-before time on the critical path can move earlier usefully.</p>';

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`Plan: ${plan.title}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${e(plan.title)}</h1>
<p class="sub">${e(`${plan.windowId} · ${plan.date} · times in ${plan.timeZone}${plan.displayZones.length > 0 ? `, with ${plan.displayZones.join(', ')} beneath` : ''}`)}</p>
<table class="figures">
${rows}
</table>
<h2>Schedule</h2>
<p class="legend"><span><i class="swatch" style="background:#7aa2d6"></i>planned</span><span><i class="swatch" style="background:#d64545"></i>critical path</span><span><i class="swatch" style="background:#f5b041;opacity:.4"></i>maintenance page up</span><span><i class="swatch" style="border:1px dashed #9aa3b2"></i>not doing</span></p>
<div class="scroll">${gantt(plan)}</div>
<h2>Pool capacity</h2>
${plan.pools.length > 0 ? plan.pools.map((p) => `<div class="scroll">${poolChart(plan, p)}</div>`).join('\n') : '<p>No pools.</p>'}
<h2>Recommendations</h2>
${recs}
</body>
</html>
`;
}

interface Scale {
  x: (ms: number) => number;
  from: number;
  to: number;
}

function scaleOf(plan: Plan): Scale {
  const from = plan.start.epochMs;
  const to = Math.max(plan.end.epochMs, from + 60_000);
  return { from, to, x: (ms) => LABEL_WIDTH + ((ms - from) / (to - from)) * CHART_WIDTH };
}

/**
 * Axis ticks on round local times of the window zone (quarter hours, hours, days), as few as
 * keep every label clear of the next: the step grows with the window, so a long window never
 * overlaps its labels. Steps count real minutes, so a tick after a DST change still lands where
 * its label says.
 */
function ticks(plan: Plan, scale: Scale): number[] {
  const span = (scale.to - scale.from) / 60_000;
  const step = TICK_CHOICES_MINUTES.find((m) => span / m < MAX_TICKS) ?? Math.ceil(span / MAX_TICKS / 1440) * 1440;
  let t = DateTime.fromMillis(scale.from, { zone: plan.timeZone }).startOf(step >= 1440 ? 'day' : 'hour');
  // The first round time at or after the start.
  const round = Math.min(step, step >= 1440 ? 1440 : 60);
  while (t.toMillis() < scale.from) t = t.plus({ minutes: round });
  const out: number[] = [];
  for (; t.toMillis() <= scale.to; t = t.plus({ minutes: step })) out.push(t.toMillis());
  return out;
}

/** A zone's abbreviations over the window, in order ("EDT → EST" across a change). */
function abbreviationsOver(plan: Plan, zone: string): string {
  const names: string[] = [];
  const add = (ms: number) => {
    const name = zoneAbbreviation(ms, zone);
    if (names[names.length - 1] !== name) names.push(name);
  };
  for (let t = plan.start.epochMs; t < plan.end.epochMs; t += 15 * 60_000) add(t);
  add(plan.end.epochMs);
  return names.join(' → ');
}

function gantt(plan: Plan): string {
  const e = escapeHtml;
  const scale = scaleOf(plan);
  const axisLines = 1 + plan.displayZones.length;
  const top = AXIS_HEIGHT + axisLines * 14;
  const parts: string[] = [];
  let y = top;
  const rowsOut: string[] = [];
  for (const phase of plan.phases) {
    // The phase's span sits on its heading row, from where the phase starts (or ending at its end near the right edge).
    const x = scale.x(phase.start.epochMs) + 4;
    const nearRight = x > LABEL_WIDTH + CHART_WIDTH * 0.7;
    const heading = phase.title ? `${phase.id} — ${phase.title}` : phase.id;
    rowsOut.push(
      `<text class="phase-label" x="4" y="${y + 17}"><title>${e(heading)}</title>${e(truncate(heading, 36))}</text>` +
        `<text class="muted" x="${(nearRight ? scale.x(phase.end.epochMs) : x).toFixed(1)}" y="${y + 17}"${nearRight ? ' text-anchor="end"' : ''}>${e(formatZoneRange(phase.start.epochMs, phase.end.epochMs, plan.timeZone))}</text>`,
    );
    y += PHASE_HEIGHT;
    for (const id of phase.steps) {
      const step = plan.steps.find((s) => s.id === id)!;
      const row = stepRow(plan, step, scale, y);
      rowsOut.push(row.svg);
      y += row.height;
    }
  }
  const height = y + 8;
  const width = LABEL_WIDTH + CHART_WIDTH + RIGHT_MARGIN;

  // Grid and axis labels: the window zone on top, each display zone beneath.
  for (const t of ticks(plan, scale)) {
    const x = scale.x(t).toFixed(1);
    parts.push(`<line class="grid" x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 8}"/>`);
    const labels = [plan.timeZone, ...plan.displayZones].map(
      (z, i) => `<text${i === 0 ? '' : ' class="muted"'} x="${x}" y="${14 + i * 14}" text-anchor="middle">${e(formatZoneTime(t, z))}</text>`,
    );
    parts.push(...labels);
  }
  const zoneNames = [plan.timeZone, ...plan.displayZones]
    .map((z, i) => `<text${i === 0 ? '' : ' class="muted"'} x="4" y="${14 + i * 14}">${e(`${z} (${abbreviationsOver(plan, z)})`)}</text>`)
    .join('');

  // Page-up intervals are shaded behind the bars over the whole chart height.
  const shades = plan.pageUp.intervals.map((i) => {
    const x1 = scale.x(i.from.epochMs);
    const x2 = Math.max(scale.x(i.to.epochMs), x1 + 1);
    const label = `${i.page} up ${formatMinutes(i.minutes)} (lower bound ${formatMinutes(i.lowerBoundMinutes)})`;
    return (
      `<rect class="page-up" data-page="${e(i.page)}" x="${x1.toFixed(1)}" y="${top - 4}" width="${(x2 - x1).toFixed(1)}" height="${height - top - 4}"><title>${e(`${label}: ${formatZoneRange(i.from.epochMs, i.to.epochMs, plan.timeZone)}`)}</title></rect>` +
      `<text class="page-up-label" x="${(x1 + 3).toFixed(1)}" y="${top + 8}">${e(label)}</text>`
    );
  });

  return `<svg class="gantt" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${e(`Gantt chart of ${plan.title}`)}">
${zoneNames}
${parts.join('\n')}
${shades.join('\n')}
${rowsOut.join('\n')}
</svg>`;
}

/**
 * One step: its bar, and its batches on it. Batches that overlap (parallel streams of one step)
 * each get a lane of their own, so none is drawn over another; the row grows by a lane for each.
 */
function stepRow(plan: Plan, step: PlannedStep, scale: Scale, y: number): { svg: string; height: number } {
  const e = escapeHtml;
  const label = `${step.critical ? '★ ' : ''}${step.id}${step.title ? ` — ${step.title}` : ''}`;
  const short = truncate(label, 40);
  const lanes = batchLanes(step.batches ?? []);
  const laneCount = Math.max(1, ...lanes.map((l) => l + 1));
  const height = ROW_HEIGHT + (laneCount - 1) * LANE_HEIGHT;
  const x1 = scale.x(step.start.epochMs);
  const x2 = scale.x(step.end.epochMs);
  const classes = ['bar', step.status === 'not-doing' ? 'not-doing' : '', step.critical ? 'critical' : ''].filter(Boolean).join(' ');
  const when = [plan.timeZone, ...plan.displayZones].map((z) => formatZoneRange(step.start.epochMs, step.end.epochMs, z)).join(' | ');
  const tip = step.status === 'not-doing' ? `${step.id}: not doing` : `${step.id} (${step.kind}): ${when}, ${formatMinutes(step.minutes)}`;
  const out = [
    `<text x="12" y="${y + 15}"><title>${e(label)}</title>${e(short)}</text>`,
    `<rect class="${classes}" data-step="${e(step.id)}" x="${x1.toFixed(1)}" y="${y + 4}" width="${Math.max(x2 - x1, 3).toFixed(1)}" height="${height - 8}" rx="2"><title>${e(tip)}</title></rect>`,
  ];
  (step.batches ?? []).forEach((batch, i) => {
    const b1 = scale.x(batch.start.epochMs);
    const b2 = scale.x(batch.end.epochMs);
    out.push(
      `<rect class="batch${batch.critical ? ' critical' : ''}" data-batch="${e(batch.id)}" data-lane="${lanes[i]!}" x="${(b1 + 0.5).toFixed(1)}" y="${y + 7 + lanes[i]! * LANE_HEIGHT}" width="${Math.max(b2 - b1 - 1, 1).toFixed(1)}" height="${ROW_HEIGHT - 14}"><title>${e(`${batch.id}: ${batch.members.join(', ')} — ${formatZoneRange(batch.start.epochMs, batch.end.epochMs, plan.timeZone)}`)}</title></rect>`,
    );
  });
  return { svg: out.join(''), height };
}

/** The lowest lane each batch fits in without overlapping another batch there (interval partitioning). */
function batchLanes(batches: readonly { start: { epochMs: number }; end: { epochMs: number } }[]): number[] {
  const laneEnds: number[] = [];
  const lanes = new Array<number>(batches.length).fill(0);
  [...batches.keys()]
    .sort((a, b) => batches[a]!.start.epochMs - batches[b]!.start.epochMs)
    .forEach((i) => {
      const b = batches[i]!;
      let lane = laneEnds.findIndex((end) => end <= b.start.epochMs);
      if (lane < 0) lane = laneEnds.push(0) - 1;
      laneEnds[lane] = b.end.epochMs;
      lanes[i] = lane;
    });
  return lanes;
}

function poolChart(plan: Plan, pool: PoolCapacity): string {
  const e = escapeHtml;
  const scale = scaleOf(plan);
  const height = 120;
  const top = 20;
  const bottom = height - 24;
  const y = (n: number) => bottom - (n / Math.max(pool.size, 1)) * (bottom - top);
  let d = '';
  pool.timeline.forEach((point, i) => {
    const x = scale.x(Math.max(point.at.epochMs, scale.from));
    d += i === 0 ? `M${x.toFixed(1)},${y(point.inPool).toFixed(1)}` : ` H${x.toFixed(1)} V${y(point.inPool).toFixed(1)}`;
  });
  d += ` H${scale.x(scale.to).toFixed(1)}`;
  const width = LABEL_WIDTH + CHART_WIDTH + RIGHT_MARGIN;
  const floorY = y(pool.floor).toFixed(1);
  const tickLabels = ticks(plan, scale)
    .map((t) => `<text class="muted" x="${scale.x(t).toFixed(1)}" y="${height - 6}" text-anchor="middle">${e(formatZoneTime(t, plan.timeZone))}</text>`)
    .join('');
  return `<svg class="pool" data-pool="${e(pool.pool)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${e(`Members in pool ${pool.pool} over time`)}">
<text class="phase-label" x="4" y="${top + 4}">${e(pool.pool)}</text>
<text class="muted" x="4" y="${top + 22}">${e(`size ${pool.size}, floor ${pool.floor}, min ${pool.min}`)}</text>
<text class="muted" x="${LABEL_WIDTH - 6}" y="${y(pool.size).toFixed(1)}" text-anchor="end">${pool.size}</text>
<text class="muted" x="${LABEL_WIDTH - 6}" y="${floorY}" text-anchor="end">${e(`floor ${pool.floor}`)}</text>
<line class="floor" x1="${LABEL_WIDTH}" y1="${floorY}" x2="${LABEL_WIDTH + CHART_WIDTH}" y2="${floorY}"/>
<path class="capacity" d="${d}"><title>${e(pool.timeline.map((p) => `${formatZoneTime(p.at.epochMs, plan.timeZone)}: ${p.inPool}`).join(', '))}</title></path>
${tickLabels}
</svg>`;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
