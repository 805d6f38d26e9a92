import { MINUTE } from '../../shared/window/plan/defaults';
import { buildContext, buildNet, composeBatches, NO_WHAT_IF, type Context } from '../../shared/window/plan/model';
import { patchMembers } from '../../shared/window/plan/estimates';
import { pageUpMinutes } from '../../shared/window/plan/pageup';
import { serialSchedule } from '../../shared/window/plan/schedule';
import type { PatchStepT, WindowDef } from '../../shared/window/schema';

/**
 * Schedules the planner is compared with, built from its model without its search:
 *
 * - manual: the procedure as the seed's page runs it. Every step as soon as its times and
 *   dependencies allow, each patch step in the batches the window writes (its batch size, in
 *   file order), pools first come first served in file order, the page up as soon as its step
 *   can run.
 * - fixed batch: in the style of AWS Systems Manager's MaxConcurrency (one concurrency for a
 *   whole run): every patch step in file-order batches of one size, first come first served,
 *   the page up as soon as it can be.
 */

export interface Baseline {
  makespanMinutes: number;
  pageUpMinutes: number;
}

function run(window: WindowDef, sizeOf: (ctx: Context, step: PatchStepT, members: number) => number): Baseline {
  const ctx = buildContext(window, {}, NO_WHAT_IF);
  const compositions = new Map<string, string[][]>();
  for (const node of ctx.graph.steps) {
    const step = node.step!;
    if (step.kind !== 'patch' || step.skip !== undefined) continue;
    const members = patchMembers(window, step, node.path);
    const size = sizeOf(ctx, step, members.length);
    compositions.set(step.id, composeBatches(ctx, step, members, 'file-order', node.path, new Map([[step.id, size]])).map((b) => b.map((m) => m.name)));
  }
  const net = buildNet(ctx, 'planned', compositions);
  // First come, first served: the order in which units become ready with unlimited capacity, then file order.
  const free = serialSchedule(net, ctx, net.acts.map((a) => a.order), { limited: false });
  const keys = net.acts.map((a, i) => free.start[i]! + a.order * 1e-6);
  const timing = serialSchedule(net, ctx, keys, { limited: true });
  return { makespanMinutes: (timing.last - ctx.windowStart) / MINUTE, pageUpMinutes: pageUpMinutes(net, timing) };
}

/** Batches as written: the step's or group's batch size (all members when none). */
export function manualBaseline(window: WindowDef): Baseline {
  return run(window, (ctx, step, n) => step.batchSize ?? ctx.window.serverGroups[step.group]!.batchSize ?? n);
}

/**
 * One fixed concurrency for the whole window, as a Systems Manager run sets MaxConcurrency:
 * every patch step goes in file order in batches of one size, the largest every pool's floor
 * and every group's limit allow.
 */
export function fixedBatchBaseline(window: WindowDef): Baseline {
  const ctx = buildContext(window, {}, NO_WHAT_IF);
  let size = Infinity;
  for (const resource of ctx.resources) size = Math.min(size, resource.capacity);
  for (const group of Object.values(window.serverGroups)) size = Math.min(size, group.batchSize ?? Infinity);
  return run(window, (_ctx, _step, n) => Math.max(1, Math.min(size, n)));
}
