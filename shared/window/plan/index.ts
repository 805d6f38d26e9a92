import { formatMinutes } from '../duration';
import type { WindowDef } from '../schema';
import { makespanBound, pageUpBound, relax } from './bounds';
import { criticalPath, gateOwner, publicBound, type Link } from './critical';
import { MINUTE } from './defaults';
import { buildContext, NO_WHAT_IF, type Context, type WhatIf } from './model';
import { plannedStep, poolCapacities, budgetOf } from './outputs';
import { holdPages, latestStart, pageUpRaw } from './pageup';
import { recommend, type Replan } from './recommend';
import { searchSchedule, type Candidate } from './search';
import type { Timing } from './schedule';
import { displayZonesOf, formatZoneTime, planTimeFormatter } from './times';
import type { CriticalLink, PageUpInterval, Plan, PlannedPhase, PlanOptions, PlanTime } from './types';

/**
 * The planner: turns a validated window into a schedule before the weekend. Pure and
 * deterministic: no clock, no I/O; the same window always gives the same plan. The method
 * and its bounds are written up in docs/planner.md.
 *
 *   model.ts     the window as units, dependencies, releases and resources
 *   schedule.ts  serial schedule generation and justification
 *   search.ts    batch compositions and priority orders
 *   bounds.ts    lower bounds on the makespan and on page-up minutes (packing.ts)
 *   pageup.ts    customer-visible minutes and holding pages up later
 *   critical.ts  the critical path
 *   outputs.ts   per-step, per-pool and budget figures
 *   recommend.ts earlier starts for binding gates
 *   times.ts     times for people
 */

export * from './types';
export { PATCH_BATCH_OVERHEAD_MINUTES, PLANNER_DEFAULTS } from './defaults';
export { formatZoneRange, formatZoneTime, zoneAbbreviation } from './times';

/** Plans a validated window. Throws an Error naming the problem if the window cannot be planned. */
export function planWindow(window: WindowDef, options: PlanOptions = {}): Plan {
  const zones = displayZonesOf(window, options.zones ?? []);
  const time = planTimeFormatter(window.timeZone, zones);
  const core = scheduleCore(window, options, NO_WHAT_IF, time);
  const { ctx, best, timing, holds, lowerBound, evaluations, relaxation } = core;
  const { net } = best;
  const end = timing.last;

  const links = criticalPath(net, timing);
  const criticalUnits = new Set(links.map((l) => l.index));
  const critical = { units: criticalUnits, steps: new Set(links.map((l) => net.acts[l.index]!.nodeId)) };
  const steps = ctx.graph.steps.map((node) => plannedStep(node, ctx, net, timing, holds, critical, time));
  const phases: PlannedPhase[] = window.phases.map((phase) => ({
    id: phase.id,
    ...(phase.title !== undefined ? { title: phase.title } : {}),
    start: time(timing.start[net.index.get(`${phase.id}@start`)!]!),
    end: time(timing.end[net.index.get(phase.id)!]!),
    steps: ctx.graph.steps.filter((n) => n.phaseId === phase.id).map((n) => n.id),
  }));
  const criticalPathOut: CriticalLink[] = links.map((link) => {
    const unit = net.acts[link.index]!;
    return {
      id: unit.id,
      type: unit.type === 'batch' ? 'batch' : 'step',
      stepId: unit.nodeId,
      start: time(timing.start[link.index]!),
      end: time(timing.end[link.index]!),
      boundBy: publicBound(link.bound, link.index, net, ctx, timing, time),
    };
  });

  const intervals: PageUpInterval[] = pageUpRaw(net, timing).map((i) => {
    const bound = pageUpBound(ctx, relaxation, i.upStep);
    return {
      page: i.page,
      upStep: i.upStep,
      ...(i.downStep ? { downStep: i.downStep } : {}),
      from: time(i.from),
      to: time(i.to),
      minutes: (i.to - i.from) / MINUTE,
      lowerBoundMinutes: bound.minutes,
      lowerBoundPath: bound.path,
    };
  });
  const plan: Plan = {
    windowId: window.id,
    title: window.title,
    date: window.date,
    timeZone: window.timeZone,
    displayZones: zones,
    start: time(ctx.windowStart),
    end: time(end),
    makespanMinutes: (end - ctx.windowStart) / MINUTE,
    lowerBound,
    batching: best.batching,
    search: { evaluations, provenOptimal: best.timing.last <= ctx.windowStart + lowerBound.minutes * MINUTE + 1e-6 },
    phases,
    steps,
    criticalPath: criticalPathOut,
    pageUp: {
      minutes: intervals.reduce((sum, i) => sum + i.minutes, 0),
      lowerBoundMinutes: intervals.reduce((sum, i) => sum + i.lowerBoundMinutes, 0),
      intervals,
    },
    pools: poolCapacities(ctx, net, timing, time),
    ...budgetOf(ctx, end, time),
    recommendations: [],
  };
  if (options.recommend !== false) {
    const gateOf = (link: Link) => (link.bound.kind === 'not-before' ? gateOwner(link.index, net, timing) : undefined);
    const replan: Replan = (whatIf, o) => {
      const r = replanCore(window, o, whatIf, time);
      return {
        end: r.timing.last,
        windowStart: r.ctx.windowStart,
        earliest: (id) => {
          const i = r.best.net.index.get(id);
          return i === undefined ? undefined : r.timing.start[i];
        },
        latest: (id) => {
          const i = r.best.net.index.get(id);
          return i === undefined ? undefined : latestStart(r.best.net, r.timing, i);
        },
        pageUpMinutes: pageUpRaw(r.best.net, r.timing).reduce((sum, x) => sum + (x.to - x.from) / MINUTE, 0),
      };
    };
    plan.recommendations = recommend(window, options, plan, links, ctx, net, gateOf, replan, time);
  }
  return plan;
}

interface Core {
  ctx: Context;
  best: Candidate;
  /** The best schedule with pages held up late. */
  timing: Timing;
  holds: Map<number, number>;
  lowerBound: Plan['lowerBound'];
  relaxation: ReturnType<typeof relax>;
  evaluations: number;
}

/** The schedule alone (no output formatting): what the what-if re-plans need. */
function scheduleCore(window: WindowDef, options: PlanOptions, whatIf: WhatIf, time: (ms: number) => PlanTime): Core {
  const ctx = buildContext(window, options, whatIf);
  const relaxation = relax(ctx);
  const lowerBound = makespanBound(ctx, relaxation, time);
  const { best, evaluations } = searchSchedule(ctx, ctx.windowStart + lowerBound.minutes * MINUTE, options.searchEvaluations);
  const { timing, holds } = holdPages(best.net, ctx, best.timing);
  return { ctx, best, timing, holds, lowerBound, relaxation, evaluations };
}

/** A what-if re-plan: the schedule only; the bound (for the search to stop early) only when units share resources. */
function replanCore(window: WindowDef, options: PlanOptions, whatIf: WhatIf, time: (ms: number) => PlanTime): { ctx: Context; best: Candidate; timing: Timing } {
  const ctx = buildContext(window, options, whatIf);
  const shared = ctx.resources.length > 0 && ctx.graph.steps.some((n) => n.step?.kind === 'patch' && n.step.skip === undefined);
  const boundEnd = shared ? ctx.windowStart + makespanBound(ctx, relax(ctx), time).minutes * MINUTE : -Infinity;
  const { best } = searchSchedule(ctx, boundEnd, Math.min(options.searchEvaluations ?? 100, 100));
  return { ctx, best, timing: holdPages(best.net, ctx, best.timing).timing };
}

/**
 * Budget problems for the validator (`validateWindow(w, { checkBudget })`): the plan
 * overruns `budget.maxDuration` or `budget.endsBy`. Empty when it fits or cannot be planned.
 */
export function budgetProblems(window: WindowDef): { path: string; reason: string }[] {
  if (window.budget?.maxDuration === undefined && window.budget?.endsBy === undefined) return [];
  let plan: Plan;
  try {
    plan = planWindow(window, { recommend: false });
  } catch {
    return [];
  }
  const budget = plan.budget;
  if (!budget || budget.fits) return [];
  const limit =
    budget.binding === 'maxDuration'
      ? `maxDuration ${formatMinutes(budget.maxDurationMinutes!)} from ${formatZoneTime(plan.start.epochMs, plan.timeZone)}`
      : `endsBy ${formatZoneTime(budget.deadline.epochMs, plan.timeZone)}`;
  return [
    {
      path: `budget.${budget.binding}`,
      reason: `the plan takes ${formatMinutes(plan.makespanMinutes)} and ends ${formatZoneTime(plan.end.epochMs, plan.timeZone)}, ${formatMinutes(budget.overrunMinutes)} past the budget (${limit}); the lower bound is ${formatMinutes(plan.lowerBound.minutes)}`,
    },
  ];
}
