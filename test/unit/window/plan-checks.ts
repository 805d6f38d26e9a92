import { memberName, poolMembership } from '../../../shared/window/estate';
import { ancestors, buildGraph } from '../../../shared/window/graph';
import { PLANNER_DEFAULTS, type Plan } from '../../../shared/window/plan';
import type { WindowDef } from '../../../shared/window/schema';
import { parseWallTime, resolveWallTime } from '../../../shared/window/walltime';

/**
 * Checks of a plan against its window that use only the plan's intervals and the window file,
 * never the planner's own bookkeeping: replaying the batches' member lists over time, every
 * dependency, every gate. Each throws an Error saying what broke.
 */

const MINUTE = 60_000;

/** No pool falls below its floor and no group has more out than it allows, at any instant. */
export function checkFloors(window: WindowDef, plan: Plan): void {
  const membership = poolMembership(window);
  const batches = plan.steps.flatMap((s) => (s.batches ?? []).map((b) => ({ ...b, step: s.id })));
  const instants = [...new Set(batches.map((b) => b.start.epochMs))];
  const outAt = (t: number) => batches.filter((b) => b.start.epochMs <= t && t < b.end.epochMs);
  for (const t of instants) {
    const out = outAt(t);
    const names = out.flatMap((b) => b.members.map((m) => m.toLowerCase()));
    if (new Set(names).size !== names.length) throw new Error(`a server is out twice at ${new Date(t).toISOString()}`);
    for (const [poolId, pool] of Object.entries(window.pools)) {
      const inPool = new Set((membership.get(poolId) ?? []).map((m) => m.toLowerCase()));
      const left = inPool.size - names.filter((m) => inPool.has(m)).length;
      if (left < pool.minHealthy) throw new Error(`pool ${poolId} has ${left} < floor ${pool.minHealthy} at ${new Date(t).toISOString()}`);
    }
    for (const [groupId, group] of Object.entries(window.serverGroups)) {
      const limit = group.maxConcurrency ?? group.batchSize;
      if (limit === undefined) continue;
      const mine = new Set(group.members.map((m) => memberName(m).toLowerCase()));
      const count = names.filter((m) => mine.has(m)).length;
      if (count > limit) throw new Error(`group ${groupId} has ${count} > ${limit} out at ${new Date(t).toISOString()}`);
    }
  }
  for (const pool of plan.pools) {
    if (pool.min < pool.floor) throw new Error(`pool ${pool.pool} reports a minimum ${pool.min} below its floor ${pool.floor}`);
  }
}

/** Every planned patch step patches each of its members once, in batches one after another within its batch size. */
export function checkBatches(window: WindowDef, plan: Plan): void {
  const seen = new Set<string>();
  for (const step of plan.steps) {
    if (!step.batches) continue;
    const members = step.batches.flatMap((b) => b.members.map((m) => m.toLowerCase()));
    for (const m of members) {
      if (seen.has(m)) throw new Error(`${m} is patched twice`);
      seen.add(m);
    }
    step.batches.slice(1).forEach((b, i) => {
      if (b.start.epochMs < step.batches![i]!.end.epochMs) throw new Error(`${b.id} starts before ${step.batches![i]!.id} ends`);
    });
    for (const b of step.batches) {
      if (b.start.epochMs < step.start.epochMs || b.end.epochMs > step.end.epochMs) throw new Error(`${b.id} lies outside its step`);
      if (b.members.length === 0) throw new Error(`${b.id} is empty`);
    }
  }
  void window;
}

/** Every step starts after everything it waits for has finished, and a finish-after step ends after its targets. */
export function checkDependencies(window: WindowDef, plan: Plan): void {
  const graph = buildGraph(window);
  const times = new Map(plan.steps.map((s) => [s.id, s]));
  for (const node of graph.steps) {
    const me = times.get(node.id)!;
    if (me.status === 'not-doing') continue;
    const before = new Set(node.deps.flatMap((d) => [d, ...ancestors(graph, d)]));
    for (const id of before) {
      const other = times.get(id);
      if (other && other.status === 'planned' && other.end.epochMs > me.start.epochMs) throw new Error(`${node.id} starts before ${id} ends`);
    }
    for (const id of node.finishAfter) {
      const other = times.get(id);
      if (other && other.status === 'planned' && me.end.epochMs < other.end.epochMs + PLANNER_DEFAULTS.rolloutBatch * MINUTE) throw new Error(`${node.id} ends before ${id} + a rollout batch`);
    }
  }
}

/** No planned step starts before its own not-before time or any enclosing phase/block start. */
export function checkGates(window: WindowDef, plan: Plan): void {
  const graph = buildGraph(window);
  const resolve = (text: string) => {
    const parsed = parseWallTime(text);
    if (typeof parsed === 'string') throw new Error(parsed);
    const r = resolveWallTime(parsed, window.date, window.timeZone);
    if (!r.ok) throw new Error(r.reason);
    return r.epochMs;
  };
  for (const node of graph.steps) {
    const me = plan.steps.find((s) => s.id === node.id)!;
    if (me.status === 'not-doing') continue;
    const waitsFor = node.deps.flatMap((d) => [d, ...ancestors(graph, d)]).map((id) => graph.nodes.get(id)!);
    const gates = [node, ...waitsFor.filter((n) => n.type !== 'step')].flatMap((n) => (n.notBefore ? [n.notBefore.text] : []));
    for (const gate of gates) if (me.start.epochMs < resolve(gate)) throw new Error(`${node.id} starts before its gate "${gate}"`);
  }
}

/** The plan lies at or above both of its lower bounds. */
export function checkBounds(plan: Plan): void {
  if (plan.lowerBound.minutes > plan.makespanMinutes + 1e-6) throw new Error(`makespan ${plan.makespanMinutes} below its bound ${plan.lowerBound.minutes}`);
  for (const i of plan.pageUp.intervals) {
    if (i.lowerBoundMinutes > i.minutes + 1e-6) throw new Error(`page ${i.page} up ${i.minutes}m, below its bound ${i.lowerBoundMinutes}m`);
  }
}

export function checkAll(window: WindowDef, plan: Plan): void {
  checkFloors(window, plan);
  checkBatches(window, plan);
  checkDependencies(window, plan);
  checkGates(window, plan);
  checkBounds(plan);
}
