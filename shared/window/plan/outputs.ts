import { poolMembership } from '../estate';
import type { GraphNode } from '../graph';
import { MINUTE } from './defaults';
import { patchMembers, stepEstimate, type Estimate } from './estimates';
import { poolResource, type Context, type Net } from './model';
import type { Timing } from './schedule';
import { resolveText } from './times';
import { expectedAt } from '../schema';
import type { BudgetFit, PlannedBatch, PlannedStep, PlanTime, PoolCapacity, PoolCapacityPoint } from './types';

/** The plan's per-step, per-pool and budget figures, from the chosen schedule. */

export function plannedStep(
  node: GraphNode,
  ctx: Context,
  net: Net,
  timing: Timing,
  holds: ReadonlyMap<number, number>,
  critical: { units: Set<number>; steps: Set<string> },
  time: (ms: number) => PlanTime,
): PlannedStep {
  const step = node.step!;
  const index = net.index.get(node.id)!;
  const notDoing = step.skip !== undefined;
  const unit = net.acts[index]!;
  let estimate: Estimate;
  if (step.kind === 'patch' && !notDoing) {
    const members = patchMembers(ctx.window, step, node.path);
    estimate = { minutes: Math.max(...members.map((m) => m.minutes)), from: 'members' };
  } else {
    estimate = stepEstimate(ctx.window, step);
  }
  const batches = unit.batchIds?.map((id): PlannedBatch => {
    const i = net.index.get(id)!;
    const b = net.acts[i]!;
    return {
      id,
      members: b.members!,
      pools: b.uses.map((u) => net.resources[u.resource]!).filter((r) => r.kind === 'pool').map((r) => r.name),
      start: time(timing.start[i]!),
      end: time(timing.end[i]!),
      minutes: (timing.end[i]! - timing.start[i]!) / MINUTE,
      critical: critical.units.has(i),
    };
  });
  const gate = ctx.gates.get(node.id);
  const hold = holds.get(index);
  const expect = notDoing ? undefined : expectedAt(step.expect);
  const expectBy = expect ? resolveText(ctx.window, expect.at, `${node.path}.expect`) : undefined;
  const late = expectBy !== undefined ? Math.round((timing.start[index]! - expectBy) / MINUTE) : 0;
  return {
    id: step.id,
    ...(step.title !== undefined ? { title: step.title } : {}),
    kind: step.kind,
    phaseId: node.phaseId,
    path: node.path,
    status: notDoing ? 'not-doing' : 'planned',
    ...(notDoing && typeof step.skip === 'string' ? { notDoingReason: step.skip } : {}),
    ...(step.when?.done ? { condition: `if ${step.when.done} is done` } : step.when?.notDone ? { condition: `if ${step.when.notDone} is not done` } : {}),
    start: time(timing.start[index]!),
    end: time(timing.end[index]!),
    minutes: (timing.end[index]! - timing.start[index]!) / MINUTE,
    estimateMinutes: estimate.minutes,
    estimateFrom: estimate.from,
    ...(gate !== undefined ? { notBefore: time(gate) } : {}),
    ...(hold !== undefined && timing.startBound[index]!.kind === 'hold' ? { holdUntil: time(hold) } : {}),
    ...(expectBy !== undefined ? { expectBy: time(expectBy), ...(late > 0 ? { lateMinutes: late } : {}), ...(expect?.why ? { lateBecause: expect.why } : {}) } : {}),
    critical: critical.steps.has(node.id),
    ...(step.tickets ? { tickets: step.tickets } : {}),
    ...(batches ? { batches } : {}),
  };
}

/** Members in each pool over time: a step function from the window start. */
export function poolCapacities(ctx: Context, net: Net, timing: Timing, time: (ms: number) => PlanTime): PoolCapacity[] {
  const membership = poolMembership(ctx.window);
  return Object.entries(ctx.window.pools).map(([poolId, pool]) => {
    const members = membership.get(poolId) ?? [];
    const resource = ctx.resourceIndex.get(poolResource(poolId));
    const changes = new Map<number, number>();
    net.acts.forEach((a, i) => {
      const use = a.uses.find((u) => u.resource === resource);
      if (!use || timing.end[i] === timing.start[i]) return;
      changes.set(timing.start[i]!, (changes.get(timing.start[i]!) ?? 0) - use.amount);
      changes.set(timing.end[i]!, (changes.get(timing.end[i]!) ?? 0) + use.amount);
    });
    let inPool = members.length;
    const timeline: PoolCapacityPoint[] = [{ at: time(ctx.windowStart), inPool }];
    let min = inPool;
    let minAt = ctx.windowStart;
    for (const at of [...changes.keys()].sort((a, b) => a - b)) {
      inPool += changes.get(at)!;
      if (at <= ctx.windowStart) timeline[0] = { at: time(ctx.windowStart), inPool };
      else if (timeline[timeline.length - 1]!.inPool !== inPool) timeline.push({ at: time(at), inPool });
      if (inPool < min) {
        min = inPool;
        minAt = Math.max(at, ctx.windowStart);
      }
    }
    return {
      pool: poolId,
      ...(pool.title !== undefined ? { title: pool.title } : {}),
      size: members.length,
      floor: pool.minHealthy,
      members,
      timeline,
      min,
      minAt: time(minAt),
    };
  });
}

export function budgetOf(ctx: Context, end: number, time: (ms: number) => PlanTime): { budget?: BudgetFit } {
  const budget = ctx.window.budget;
  if (!budget || (budget.maxDuration === undefined && budget.endsBy === undefined)) return {};
  const limits: { at: number; binding: BudgetFit['binding'] }[] = [];
  if (budget.maxDuration !== undefined) limits.push({ at: ctx.windowStart + budget.maxDuration * MINUTE, binding: 'maxDuration' });
  let endsBy: number | undefined;
  if (budget.endsBy !== undefined) {
    endsBy = resolveText(ctx.window, budget.endsBy, 'budget.endsBy');
    limits.push({ at: endsBy, binding: 'endsBy' });
  }
  const deadline = limits.reduce((a, b) => (b.at < a.at ? b : a));
  return {
    budget: {
      ...(budget.maxDuration !== undefined ? { maxDurationMinutes: budget.maxDuration } : {}),
      ...(endsBy !== undefined ? { endsBy: time(endsBy) } : {}),
      deadline: time(deadline.at),
      binding: deadline.binding,
      fits: end <= deadline.at,
      overrunMinutes: Math.max(0, end - deadline.at) / MINUTE,
      spareMinutes: Math.max(0, deadline.at - end) / MINUTE,
    },
  };
}
