import { formatMinutes } from './duration';
import type { Problem } from './problems';
import { formatZoneRange, formatZoneTime, type CriticalBound, type Plan, type PlannedStep } from './plan';

/**
 * The terminal view of a plan: per phase, each step's start–end in the window zone with
 * the display zones beside it, then the figures a planner argues with (makespan against
 * its lower bound, page-up minutes, pool capacity, budget, recommendations).
 */

/** Marks a step on the critical path. */
export const CRITICAL_MARK = '*';
/** Marks a step that is kept in the window but not done. */
export const NOT_DOING_MARK = '-';

/** The compact schedule as text (no colour codes, so it pipes and diffs cleanly). */
export function renderPlanText(plan: Plan): string {
  const out: string[] = [];
  const zones = [plan.timeZone, ...plan.displayZones];
  const at = (ms: number) => zones.map((z) => formatZoneTime(ms, z)).join(' | ');
  const span = (from: number, to: number) => zones.map((z) => formatZoneRange(from, to, z)).join(' | ');

  out.push(`${plan.windowId}: ${plan.title}`);
  out.push(`Zone ${plan.timeZone}${plan.displayZones.length > 0 ? ` (also ${plan.displayZones.join(', ')})` : ''}`);
  out.push(`Window ${at(plan.start.epochMs)}  →  ${at(plan.end.epochMs)}`);

  const idWidth = Math.max(4, ...plan.steps.map((s) => s.id.length));
  const kindWidth = Math.max(...plan.steps.map((s) => s.kind.length));
  for (const phase of plan.phases) {
    out.push('');
    out.push(`Phase ${phase.id}${phase.title ? ` — ${phase.title}` : ''}   ${span(phase.start.epochMs, phase.end.epochMs)}`);
    for (const id of phase.steps) {
      const step = plan.steps.find((s) => s.id === id)!;
      out.push(stepLine(step, idWidth, kindWidth, span, plan.timeZone));
      for (const batch of step.batches ?? []) {
        const mark = batch.critical ? CRITICAL_MARK : ' ';
        const pools = batch.pools.length > 0 ? `  out of ${batch.pools.join(', ')}` : '';
        out.push(`      ${mark} ${batch.id.padEnd(idWidth + 2)} ${span(batch.start.epochMs, batch.end.epochMs)}  ${formatMinutes(batch.minutes)}  ${batch.members.join(', ')}${pools}`);
      }
    }
  }
  out.push('');
  out.push(`${CRITICAL_MARK} critical path   ${NOT_DOING_MARK} not doing`);
  out.push('');

  const lb = plan.lowerBound;
  const capacity = lb.capacity.reduce<(typeof lb.capacity)[number] | undefined>((a, b) => (!a || b.minutes > a.minutes ? b : a), undefined);
  const capacityText = capacity ? `patch capacity ${formatMinutes(lb.capacityMinutes)} (${capacity.kind} ${capacity.resource})` : 'no capacity limit';
  const binds = lb.binds === 'capacity' ? `patch capacity binds (${lb.bindingResource})` : 'the critical path binds';
  out.push(`Makespan     ${formatMinutes(plan.makespanMinutes).padEnd(8)} | lower bound ${formatMinutes(lb.minutes).padEnd(8)} (critical path ${formatMinutes(lb.criticalPathMinutes)}; ${capacityText}; ${binds})`);
  const pages = plan.pageUp.intervals.map((i) => `${i.page} ${span(i.from.epochMs, i.to.epochMs)}`).join('; ');
  out.push(pages ? `Page up      ${formatMinutes(plan.pageUp.minutes).padEnd(8)} | lower bound ${formatMinutes(plan.pageUp.lowerBoundMinutes).padEnd(8)} ${pages}` : 'Page up      no maintenance page');
  out.push(`Critical path ${plan.criticalPath.map((l) => `${l.id}${boundNote(l.boundBy)}`).join(' → ') || '(none)'}`);

  if (plan.pools.length > 0) {
    out.push('');
    out.push('Pools');
    const poolWidth = Math.max(4, ...plan.pools.map((p) => p.pool.length));
    out.push(`  ${'pool'.padEnd(poolWidth)}  size  floor  min  over time (${plan.timeZone})`);
    for (const pool of plan.pools) {
      const steps = pool.timeline.map((p) => `${formatZoneTime(p.at.epochMs, plan.timeZone)} ${p.inPool}`).join(' · ');
      const warn = pool.min < pool.floor ? '  BELOW FLOOR' : '';
      out.push(`  ${pool.pool.padEnd(poolWidth)}  ${String(pool.size).padStart(4)}  ${String(pool.floor).padStart(5)}  ${String(pool.min).padStart(3)}  ${steps}${warn}`);
    }
  }

  out.push('');
  out.push(budgetLine(plan, at));
  // The seed's times (`expect:`): each step planned later than the seed said is named.
  const expected = plan.steps.filter((s) => s.expectBy);
  const late = expected.filter((s) => s.lateMinutes);
  if (expected.length > 0) {
    const unexplained = late.filter((s) => !s.lateBecause).length;
    const header = unexplained > 0 ? `, ${unexplained} WITHOUT A REASON` : ', each with the window\'s reason';
    out.push(late.length === 0 ? `Seed times   all ${expected.length} kept (each step with expect: starts by its time)` : `Seed times   ${late.length} of ${expected.length} later than the seed${header}:`);
    for (const s of late) out.push(`  - ${s.id} starts ${at(s.start.epochMs)}, ${formatMinutes(s.lateMinutes!)} after the seed's ${at(s.expectBy!.epochMs)}${s.lateBecause ? `: ${s.lateBecause}` : ' (the window does not say why)'}`);
  }
  out.push('');
  if (plan.recommendations.length === 0) {
    out.push('Recommendations: none (no not-before time on the critical path can move earlier usefully)');
  } else {
    out.push('Recommendations');
    for (const r of plan.recommendations) out.push(`  - ${r.message}`);
  }
  return `${out.join('\n')}\n`;
}

function stepLine(step: PlannedStep, idWidth: number, kindWidth: number, span: (a: number, b: number) => string, zone: string): string {
  const mark = step.status === 'not-doing' ? NOT_DOING_MARK : step.critical ? CRITICAL_MARK : ' ';
  const head = `  ${mark} ${step.id.padEnd(idWidth)}  ${step.kind.padEnd(kindWidth)}`;
  // A page held back: it could go up earlier, but customers would see it longer for nothing.
  const held = step.holdUntil ? `  [held until ${formatZoneTime(step.holdUntil.epochMs, zone)}: the window ends as early and the page is up for less]` : '';
  const title = `${step.title ? `  ${step.title}` : ''}${step.condition ? `  [only ${step.condition}]` : ''}${held}`;
  if (step.status === 'not-doing') return `${head}  not doing${step.notDoingReason ? ` (${step.notDoingReason})` : ''}${title}`;
  return `${head}  ${span(step.start.epochMs, step.end.epochMs)}  ${formatMinutes(step.minutes).padStart(7)}${title}`;
}

function boundNote(bound: CriticalBound): string {
  switch (bound.kind) {
    case 'not-before':
      return ` [not before "${bound.text}"]`;
    case 'pool-wait':
      return ` [waits for ${bound.resource}]`;
    case 'finish-after':
      return ` [finishes after ${bound.on}]`;
    case 'decision-at':
      return ' [until decision]';
    case 'page-hold':
      return ' [page held]';
    default:
      return '';
  }
}

function budgetLine(plan: Plan, at: (ms: number) => string): string {
  const budget = plan.budget;
  if (!budget) return 'Budget       none set';
  const limits = [
    ...(budget.maxDurationMinutes !== undefined ? [`max ${formatMinutes(budget.maxDurationMinutes)}`] : []),
    ...(budget.endsBy ? [`ends by ${formatZoneTime(budget.endsBy.epochMs, plan.timeZone)}`] : []),
  ].join(', ');
  const verdict = budget.fits ? `fits, ${formatMinutes(budget.spareMinutes)} to spare` : `OVERRUNS by ${formatMinutes(budget.overrunMinutes)}`;
  return `Budget       ${limits} → deadline ${at(budget.deadline.epochMs)}: ${verdict}`;
}

/**
 * The plan as JSON for machines: keys in the Plan's declared order, times as ISO text and
 * epoch ms, then `problems` (as `mw validate` finds them; a window with problems other than
 * a budget overrun has no plan, only `problems`).
 */
export function renderPlanJson(plan: Plan | undefined, problems: readonly Problem[] = []): string {
  return `${JSON.stringify(plan ? { ...plan, problems } : { problems }, null, 2)}\n`;
}
