import { formatMinutes } from '../duration';
import type { WindowDef } from '../schema';
import type { Link } from './critical';
import { MINUTE, PLANNER_DEFAULTS } from './defaults';
import type { Context, Net, WhatIf } from './model';
import { formatZoneTime, wallText } from './times';
import type { Plan, PlanOptions, PlanTime, Recommendation } from './types';

/** A re-plan with one gate moved: the window's end and its page-up minutes. */
export type Replan = (
  whatIf: WhatIf,
  options: PlanOptions,
) => {
  end: number;
  windowStart: number;
  /** When the node starts in this plan. */
  earliest: (node: string) => number | undefined;
  /** The latest it could start with everything else in place and the same end (a shift right). */
  latest: (node: string) => number | undefined;
  pageUpMinutes: number;
};

/**
 * For each not-before gate that binds on the critical path: plan again without it to find
 * the earliest start that keeps every floor and how much earlier the window could end, then
 * recommend the latest start (on a rounded grid) that still gets all of that saving: the
 * smallest change to the window that buys the time. A step whose own `at` binds is moved on
 * its own (detached from its phase's start time); a phase or block whose start binds is
 * moved as a whole.
 */
export function recommend(window: WindowDef, options: PlanOptions, plan: Plan, links: Link[], ctx: Context, net: Net, gateOf: (link: Link) => string | undefined, replan: Replan, time: (ms: number) => PlanTime): Recommendation[] {
  const base: PlanOptions = { ...options, windowStartMs: ctx.windowStart, recommend: false };
  const targets = new Map<string, { gateAt: number; isStep: boolean }>();
  for (const link of links) {
    if (link.bound.kind !== 'not-before') continue;
    const gateNode = gateOf(link);
    if (gateNode === undefined) continue;
    const gateAt = ctx.gates.get(gateNode)!;
    const stepId = net.acts[link.index]!.nodeId;
    const isStep = ctx.gates.get(stepId) === gateAt;
    const target = isStep ? stepId : gateNode;
    if (!targets.has(target)) targets.set(target, { gateAt, isStep });
  }
  const result: Recommendation[] = [];
  for (const [target, { gateAt, isStep }] of targets) {
    const whatIf = (at: number | null): WhatIf => ({ gates: new Map([[target, at]]), detach: new Set(isStep ? [target] : []) });
    const lifted = replan(whatIf(null), base);
    const earliest = lifted.earliest(target);
    const bestEnd = lifted.end;
    if (earliest === undefined || earliest >= gateAt || bestEnd >= plan.end.epochMs) continue;

    // Latest grid time in [earliest, gate) that still ends as early; ends grow with the gate.
    const grid = PLANNER_DEFAULTS.recommendationRounding * MINUTE;
    const candidates: number[] = [];
    for (let t = Math.ceil(gateAt / grid) * grid - grid; t >= earliest; t -= grid) candidates.push(t);
    candidates.push(earliest);
    let lo = 0;
    let hi = candidates.length - 1;
    let chosen = replan(whatIf(candidates[hi]!), base);
    let chosenAt = candidates[hi]!;
    // The lifted plan's latest start for the node is usually the answer: try its grid time first.
    const latest = lifted.latest(target);
    const guess = latest === undefined ? -1 : candidates.findIndex((t) => t <= latest);
    if (guess >= 0 && guess < hi) {
      const attempt = replan(whatIf(candidates[guess]!), base);
      if (attempt.end <= bestEnd) {
        chosen = attempt;
        chosenAt = candidates[guess]!;
        hi = guess;
        // One grid step later must not also work for the guess to be the latest.
        if (guess === 0 || replan(whatIf(candidates[guess - 1]!), base).end > bestEnd) lo = hi;
      } else lo = guess + 1;
    }
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const attempt = replan(whatIf(candidates[mid]!), base);
      if (attempt.end <= bestEnd) {
        chosen = attempt;
        chosenAt = candidates[mid]!;
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    const saved = (plan.end.epochMs - chosen.end) / MINUTE;
    if (saved <= 0) continue;
    const makespanMinutes = (chosen.end - chosen.windowStart) / MINUTE;

    const node = ctx.graph.nodes.get(target)!;
    const targetType = node.type === 'step' ? 'step' : node.type === 'phase-start' ? 'phase' : 'block';
    const name = target.replace(/@start$/, '');
    const zoneText = (ms: number) => [formatZoneTime(ms, window.timeZone), ...plan.displayZones.map((z) => formatZoneTime(ms, z))].join(' | ');
    const text = wallText(window, chosenAt);
    const containers = isStep ? enclosingStartGates(ctx, target).filter((g) => g.at > chosenAt) : [];
    const note = containers.map((c) => `; ${c.label} starts "${c.text}", so move the step out of it or start it earlier too`).join('');
    result.push({
      target: name,
      targetType,
      gate: { text: node.notBefore!.text, at: time(gateAt) },
      earliest: time(earliest),
      suggested: time(chosenAt),
      suggestedText: text,
      minutesSaved: saved,
      makespanMinutes,
      pageUpMinutes: chosen.pageUpMinutes,
      message:
        `start ${targetType === 'step' ? '' : `${targetType} `}${name} at ${zoneText(chosenAt)} ("${text}") instead of "${node.notBefore!.text}": ` +
        `the window ends ${formatMinutes(saved)} earlier (${formatMinutes(makespanMinutes)} instead of ${formatMinutes(plan.makespanMinutes)}) ` +
        `and every pool stays at or above its floor (earliest possible ${formatZoneTime(earliest, window.timeZone)})${note}`,
    });
  }
  return result.sort((a, b) => b.minutesSaved - a.minutesSaved || a.target.localeCompare(b.target));
}

/** Gated phase and block starts a step waits for through its position. */
function enclosingStartGates(ctx: Context, stepId: string): { label: string; text: string; at: number }[] {
  const out: { label: string; text: string; at: number }[] = [];
  const seen = new Set<string>();
  const stack = [...(ctx.graph.nodes.get(stepId)?.deps ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const node = ctx.graph.nodes.get(id);
    if (!node || seen.has(id) || (node.type !== 'phase-start' && node.type !== 'block-start')) continue;
    seen.add(id);
    const at = ctx.gates.get(id);
    if (at !== undefined) out.push({ label: `${node.type === 'phase-start' ? 'phase' : 'block'} ${id.replace(/@start$/, '')}`, text: node.notBefore!.text, at });
    stack.push(...node.deps);
  }
  return out.reverse();
}
