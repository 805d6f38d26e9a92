import { DateTime } from 'luxon';
import { poolMembership } from '../estate';
import { buildGraph, findCycle, type GraphNode, type WindowGraph } from '../graph';
import type { PatchStepT, WindowDef } from '../schema';
import { MINUTE, PATCH_BATCH_OVERHEAD_MINUTES, PLANNER_DEFAULTS } from './defaults';
import { patchMembers, stepEstimate, type PatchMember } from './estimates';
import { resolveText } from './times';
import type { Batching } from './types';

/**
 * The scheduling model: a window becomes a network of units (steps, patch batches, markers)
 * with finish-to-start dependencies, not-before releases and shared resources (pools and
 * group concurrency). Two views: `planned` (each patch step a chain of batches, run one
 * after another as the patch orchestrator does) and `relaxed` (each patch step one unit of
 * its shortest possible span, no resources), which the lower bounds stand on.
 */

export interface Resource {
  id: string;
  kind: 'pool' | 'group';
  name: string;
  /** Members that may be out at once. */
  capacity: number;
}

export interface Use {
  resource: number;
  amount: number;
}

/** A unit the scheduler places: a step, a patch batch, a patch step's end, or a zero-length marker. */
export interface Activity {
  id: string;
  /** `patch`: the end of a patch step's chain of batches (planned view). */
  type: 'step' | 'batch' | 'patch' | 'marker';
  nodeId: string;
  /** File order, for ties. */
  order: number;
  deps: string[];
  /** Units that must finish before this one can finish (a rollout batch waiting on patching), plus a lag. */
  finishAfter: string[];
  finishAfterLagMs: number;
  /** Not before this instant. */
  release?: number;
  /** Not finished before this instant (a canary's decision). */
  finishNotBefore?: number;
  durationMs: number;
  uses: Use[];
  members?: string[];
  notDoing?: boolean;
  /** Per member of a patch batch (or relaxed patch step): minutes out of the pools, counting the batch overhead. */
  work?: { member: string; minutes: number; pools: string[] }[];
  /** The batches of a patch step, on its `patch` unit. */
  batchIds?: string[];
  /** The most members one batch of this patch step can hold (relaxed view). */
  largestBatch?: number;
  page?: { page: string; action: 'up' | 'down' };
}

/** Activities with their links as indices, in one topological order. */
export interface Net {
  acts: Activity[];
  index: Map<string, number>;
  preds: number[][];
  succs: number[][];
  faPreds: number[][];
  faSuccs: number[][];
  topo: number[];
  topoPos: Int32Array;
  resources: Resource[];
}

export interface Context {
  window: WindowDef;
  graph: WindowGraph;
  gates: Map<string, number>;
  windowStart: number;
  resources: Resource[];
  resourceIndex: Map<string, number>;
  nodeOrder: Map<string, number>;
}

/** Batch-size caps per patch step chosen by the search (below what the window allows). */
export type Caps = ReadonlyMap<string, number>;

/** Patch step id → its batches in order, as member names (the search's choice; greedy when absent). */
export type Compositions = ReadonlyMap<string, readonly (readonly string[])[]>;

/** A what-if for recommendations: gates replaced (a time) or lifted (null), and steps detached from the starts around them. */
export interface WhatIf {
  gates: Map<string, number | null>;
  detach: Set<string>;
}

export const NO_WHAT_IF: WhatIf = { gates: new Map(), detach: new Set() };

export const poolResource = (id: string): string => `pool:${id}`;
export const groupResource = (id: string): string => `group:${id}`;

/** The graph, gates, window start and resources of a window, with a what-if applied. */
export function buildContext(window: WindowDef, options: { ignoreNotBefore?: string[]; windowStartMs?: number }, whatIf: WhatIf): Context {
  const graph = buildGraph(window);
  const lifted = new Set([...(options.ignoreNotBefore ?? []), ...[...whatIf.gates].filter(([, v]) => v === null).map(([k]) => k)]);
  followWithoutStart(window, graph, lifted);
  checkGraph(graph);
  detachFromStarts(graph, whatIf.detach);
  const gates = resolveGates(window, graph, lifted);
  for (const [id, at] of whatIf.gates) if (at !== null) gates.set(id, at);
  const resources = buildResources(window);
  return {
    window,
    graph,
    gates,
    windowStart: options.windowStartMs ?? earliestStart(window, gates),
    resources,
    resourceIndex: new Map(resources.map((r, i) => [r.id, i])),
    nodeOrder: new Map([...graph.nodes.keys()].map((id, i) => [id, i])),
  };
}

/** Resolved not-before instants per node; a skipped step's own gate is dropped (it never runs). */
function resolveGates(window: WindowDef, graph: WindowGraph, ignored: Set<string>): Map<string, number> {
  const gates = new Map<string, number>();
  for (const node of graph.nodes.values()) {
    if (!node.notBefore || ignored.has(node.id) || node.step?.skip !== undefined) continue;
    gates.set(node.id, resolveText(window, node.notBefore.text, node.notBefore.path));
  }
  return gates;
}

/** The earliest resolved start; a window without any starts at midnight of its date. */
function earliestStart(window: WindowDef, gates: Map<string, number>): number {
  let first = Infinity;
  for (const at of gates.values()) first = Math.min(first, at);
  if (first < Infinity) return first;
  return DateTime.fromISO(window.date, { zone: window.timeZone }).startOf('day').toMillis();
}

/** A phase whose start is ignored follows the previous phase, as a phase written without a start does. */
function followWithoutStart(window: WindowDef, graph: WindowGraph, ignored: Set<string>): void {
  window.phases.forEach((phase, i) => {
    const node = graph.nodes.get(`${phase.id}@start`);
    const previous = window.phases[i - 1];
    if (node && previous && ignored.has(node.id) && phase.after === undefined && node.deps.length === 0) node.deps.push(previous.id);
  });
}

/** Detached steps wait for what their phase or block start waits for, but not for its time. */
function detachFromStarts(graph: WindowGraph, detach: Set<string>): void {
  const isStart = (id: string) => {
    const type = graph.nodes.get(id)?.type;
    return type === 'phase-start' || type === 'block-start';
  };
  const through = (id: string): string[] => (isStart(id) ? graph.nodes.get(id)!.deps.flatMap(through) : [id]);
  for (const id of detach) {
    const node = graph.nodes.get(id);
    if (node) node.deps = [...new Set(node.deps.flatMap(through))];
  }
}

function checkGraph(graph: WindowGraph): void {
  const cycle = findCycle(graph);
  if (cycle) throw new Error(`dependency cycle: ${cycle.join(' → ')}`);
  for (const node of graph.nodes.values()) {
    for (const dep of [...node.deps, ...node.finishAfter]) {
      if (!graph.nodes.has(dep)) throw new Error(`${node.path}: "${node.id}" waits for unknown step "${dep}"`);
    }
  }
}

/** Pools (capacity = size − floor, size counting every member of every group in the pool) and group concurrency limits. */
function buildResources(window: WindowDef): Resource[] {
  const resources: Resource[] = [];
  const membership = poolMembership(window);
  for (const [id, pool] of Object.entries(window.pools)) {
    const size = membership.get(id)?.length ?? 0;
    resources.push({ id: poolResource(id), kind: 'pool', name: id, capacity: size - pool.minHealthy });
  }
  for (const [id, group] of Object.entries(window.serverGroups)) {
    const limit = group.maxConcurrency ?? group.batchSize;
    if (limit !== undefined) resources.push({ id: groupResource(id), kind: 'group', name: id, capacity: limit });
  }
  return resources;
}

/** Lower-cased member → the member it must follow. */
function chainPredecessors(chains: string[][]): Map<string, string> {
  const result = new Map<string, string>();
  for (const chain of chains) {
    for (let i = 1; i < chain.length; i++) result.set(chain[i]!.toLowerCase(), chain[i - 1]!.toLowerCase());
  }
  return result;
}

/** The most members one batch of this step may hold: its batch size, the group's concurrency, and (for the relaxation) what the pools allow. */
function batchLimit(ctx: Context, step: PatchStepT, members: PatchMember[]): number {
  const group = ctx.window.serverGroups[step.group]!;
  const groupCap = ctx.resources[ctx.resourceIndex.get(groupResource(step.group)) ?? -1]?.capacity ?? Infinity;
  return Math.min(step.batchSize ?? group.batchSize ?? group.maxConcurrency ?? members.length, groupCap);
}

function poolCapacity(ctx: Context, pool: string, path: string): number {
  const index = ctx.resourceIndex.get(poolResource(pool));
  if (index === undefined) throw new Error(`${path}: unknown pool "${pool}"`);
  return ctx.resources[index]!.capacity;
}

/**
 * Splits a patch step's members into batches, run one after another. Members are taken
 * longest first (or in file order) and each batch is filled while it stays within the batch
 * size (and the search's cap) and every pool's spare capacity; a member of a one-after-another
 * chain goes in a later batch than its predecessor. Longest-first keeps long servers together
 * so short ones do not wait for them: for batches that last as long as their longest member,
 * sorted chunks give the least total time.
 */
export function composeBatches(ctx: Context, step: PatchStepT, members: PatchMember[], batching: Batching, path: string, caps: Caps): PatchMember[][] {
  const group = ctx.window.serverGroups[step.group]!;
  const limit = Math.min(batchLimit(ctx, step, members), caps.get(step.id) ?? Infinity);
  const predecessor = chainPredecessors(group.oneAfterAnother);
  for (const member of members) {
    for (const pool of member.pools) {
      if (poolCapacity(ctx, pool, path) <= 0) {
        throw new Error(`${path}: ${member.name} cannot be drained from pool "${pool}" without going below its floor`);
      }
    }
  }
  const inStep = new Set(members.map((m) => m.name.toLowerCase()));
  const remaining = [...members].sort((a, b) => (batching === 'longest-first' ? b.minutes - a.minutes : 0) || a.index - b.index);
  const placed = new Set<string>();
  const batches: PatchMember[][] = [];
  while (remaining.length > 0) {
    const batch: PatchMember[] = [];
    const counts = new Map<string, number>();
    for (const member of remaining) {
      if (batch.length >= limit) break;
      const before = predecessor.get(member.name.toLowerCase());
      if (before !== undefined && inStep.has(before) && !placed.has(before)) continue;
      if (member.pools.some((pool) => (counts.get(pool) ?? 0) + 1 > poolCapacity(ctx, pool, path))) continue;
      batch.push(member);
      for (const pool of member.pools) counts.set(pool, (counts.get(pool) ?? 0) + 1);
    }
    if (batch.length === 0) throw new Error(`${path}: no batch can be formed from ${remaining.map((m) => m.name).join(', ')}`);
    const taken = new Set(batch);
    remaining.splice(0, remaining.length, ...remaining.filter((m) => !taken.has(m)));
    batch.forEach((m) => placed.add(m.name.toLowerCase()));
    batches.push(batch.sort((a, b) => a.index - b.index));
  }
  return batches;
}

/**
 * The shortest span a patch step can have under any batching: batches run one after another
 * and each lasts as long as its longest member plus the overhead, so with at most `k` members
 * a batch it is at least the sum of every k-th member sorted longest first plus one overhead per
 * batch; and at least each one-after-another chain patched end to end.
 */
export function minimumPatchSpan(ctx: Context, step: PatchStepT, members: PatchMember[]): number {
  const k = largestBatch(ctx, step, members);
  const sorted = members.map((m) => m.minutes).sort((a, b) => b - a);
  let chunks = 0;
  for (let i = 0; i < sorted.length; i += k) chunks += sorted[i]! + PATCH_BATCH_OVERHEAD_MINUTES;
  let chains = 0;
  const inStep = new Map(members.map((m) => [m.name.toLowerCase(), m]));
  for (const chain of ctx.window.serverGroups[step.group]!.oneAfterAnother) {
    let sum = 0;
    for (const name of chain) {
      const m = inStep.get(name.toLowerCase());
      if (m) sum += m.minutes + PATCH_BATCH_OVERHEAD_MINUTES;
    }
    chains = Math.max(chains, sum);
  }
  return Math.max(chunks, chains);
}

/** The most members any batch of this step can hold: its batch size, its group's limit, and what its pools can spare. */
export function largestBatch(ctx: Context, step: PatchStepT, members: PatchMember[]): number {
  const k = batchLimit(ctx, step, members);
  // A batch holds at most a pool's spare members of that pool's members.
  const byPool = new Map<string, number>();
  let noPool = 0;
  for (const m of members) {
    if (m.pools.length === 0) noPool++;
    // A member in several pools counts once, in its first; an upper bound on the batch size either way.
    else byPool.set(m.pools[0]!, (byPool.get(m.pools[0]!) ?? 0) + 1);
  }
  let poolRoom = noPool;
  for (const [pool, count] of byPool) poolRoom += Math.min(count, Math.max(0, poolCapacity(ctx, pool, step.id)));
  return Math.max(1, Math.min(k, poolRoom));
}

/** The scheduler's units for one view of the window (see the file comment). */
export function buildNet(ctx: Context, view: 'planned' | 'relaxed', compositions: Compositions = new Map()): Net {
  const acts: Activity[] = [];
  for (const node of ctx.graph.nodes.values()) {
    const order = ctx.nodeOrder.get(node.id)!;
    const release = ctx.gates.get(node.id);
    const step = node.step;
    const unit = (type: Activity['type'], durationMs: number): Activity => {
      const a: Activity = { id: node.id, type, nodeId: node.id, order, deps: node.deps, finishAfter: [], finishAfterLagMs: 0, durationMs, uses: [] };
      if (release !== undefined) a.release = release;
      return a;
    };
    if (!step) {
      acts.push(unit('marker', 0));
      continue;
    }
    if (step.kind === 'patch' && step.skip === undefined) {
      if (view === 'planned') acts.push(...patchBatches(ctx, node, step, unit('step', 0), compositions.get(step.id)));
      else {
        const members = patchMembers(ctx.window, step, node.path);
        const a = unit('step', minimumPatchSpan(ctx, step, members) * MINUTE);
        a.work = work(members);
        a.largestBatch = largestBatch(ctx, step, members);
        acts.push(a);
      }
      continue;
    }
    const activity = unit('step', stepEstimate(ctx.window, step).minutes * MINUTE);
    if (step.skip !== undefined) activity.notDoing = true;
    else if (step.kind === 'canary') activity.finishNotBefore = resolveText(ctx.window, step.decisionAt, `${node.path}.decisionAt`);
    else if (step.kind === 'rotate-secret') {
      activity.finishAfter = node.finishAfter;
      activity.finishAfterLagMs = PLANNER_DEFAULTS.rolloutBatch * MINUTE;
    } else if (step.kind === 'maintenance-page') activity.page = { page: step.page, action: step.action };
    acts.push(activity);
  }
  return indexNet(acts, ctx.resources);
}

const work = (members: PatchMember[]) => members.map((m) => ({ member: m.name, minutes: m.minutes + PATCH_BATCH_OVERHEAD_MINUTES, pools: m.pools }));

/** A patch step's batches, one after another, and the unit that marks the end of the last. */
function patchBatches(ctx: Context, node: GraphNode, step: PatchStepT, base: Activity, composition: readonly (readonly string[])[] | undefined): Activity[] {
  const members = patchMembers(ctx.window, step, node.path);
  const byName = new Map(members.map((m) => [m.name, m]));
  const groups = composition ? composition.map((batch) => batch.map((name) => byName.get(name)!)) : composeBatches(ctx, step, members, 'longest-first', node.path, new Map());
  const groupIndex = ctx.resourceIndex.get(groupResource(step.group));
  const ids = groups.map((_, i) => `${step.id}#${i + 1}`);
  const batches: Activity[] = groups.map((batch, i) => {
    const pools = new Map<string, number>();
    for (const member of batch) for (const pool of member.pools) pools.set(pool, (pools.get(pool) ?? 0) + 1);
    return {
      ...base,
      id: ids[i]!,
      type: 'batch',
      order: base.order + (i + 1) / 1000,
      deps: i === 0 ? [...base.deps] : [ids[i - 1]!],
      durationMs: (Math.max(...batch.map((m) => m.minutes)) + PATCH_BATCH_OVERHEAD_MINUTES) * MINUTE,
      uses: [
        ...[...pools.entries()].map(([pool, amount]) => ({ resource: ctx.resourceIndex.get(poolResource(pool))!, amount })),
        ...(groupIndex !== undefined ? [{ resource: groupIndex, amount: batch.length }] : []),
      ],
      members: batch.map((m) => m.name),
      work: work(batch),
    };
  });
  const { release: _release, ...rest } = base;
  const end: Activity = { ...rest, id: node.id, type: 'patch', deps: [ids[ids.length - 1]!], durationMs: 0, batchIds: ids };
  return [...batches, end];
}

/** The greedy compositions of every patch step for a batching rule and caps. */
export function greedyCompositions(ctx: Context, batching: Batching, caps: Caps): Map<string, string[][]> {
  const result = new Map<string, string[][]>();
  for (const node of ctx.graph.steps) {
    const step = node.step!;
    if (step.kind !== 'patch' || step.skip !== undefined) continue;
    result.set(step.id, composeBatches(ctx, step, patchMembers(ctx.window, step, node.path), batching, node.path, caps).map((b) => b.map((m) => m.name)));
  }
  return result;
}

/** What a batch of a patch step may hold, for the search's moves: the size limit, pools per member, chain predecessors. */
export interface BatchRules {
  limit: number;
  minutes: Map<string, number>;
  pools: Map<string, string[]>;
  capacity: (pool: string) => number;
  /** Member → the member of this step it must follow. */
  follows: Map<string, string>;
}

export function batchRules(ctx: Context, stepId: string): BatchRules {
  const node = ctx.graph.nodes.get(stepId)!;
  const step = node.step as PatchStepT;
  const members = patchMembers(ctx.window, step, node.path);
  const predecessor = chainPredecessors(ctx.window.serverGroups[step.group]!.oneAfterAnother);
  const byLower = new Map(members.map((m) => [m.name.toLowerCase(), m.name]));
  const follows = new Map<string, string>();
  for (const m of members) {
    const before = predecessor.get(m.name.toLowerCase());
    if (before !== undefined && byLower.has(before)) follows.set(m.name, byLower.get(before)!);
  }
  return {
    limit: batchLimit(ctx, step, members),
    minutes: new Map(members.map((m) => [m.name, m.minutes])),
    pools: new Map(members.map((m) => [m.name, m.pools])),
    capacity: (pool) => poolCapacity(ctx, pool, node.path),
    follows,
  };
}

/** True when every batch keeps the rules and each chain member comes in a later batch than the one it follows. */
export function compositionKeepsRules(rules: BatchRules, batches: readonly (readonly string[])[]): boolean {
  const batchOf = new Map<string, number>();
  batches.forEach((b, i) => b.forEach((m) => batchOf.set(m, i)));
  for (const batch of batches) {
    if (batch.length === 0 || batch.length > rules.limit) return false;
    const counts = new Map<string, number>();
    for (const m of batch) for (const p of rules.pools.get(m)!) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [p, c] of counts) if (c > rules.capacity(p)) return false;
  }
  for (const [m, before] of rules.follows) if (batchOf.get(before)! >= batchOf.get(m)!) return false;
  return true;
}

/** Links by index and a topological order (Kahn's, ties in file order; no recursion). */
export function indexNet(acts: Activity[], resources: Resource[]): Net {
  const index = new Map(acts.map((a, i) => [a.id, i]));
  const preds = acts.map((a) => a.deps.map((d) => index.get(d)!));
  const faPreds = acts.map((a) => a.finishAfter.map((d) => index.get(d)!));
  const succs: number[][] = acts.map(() => []);
  const faSuccs: number[][] = acts.map(() => []);
  preds.forEach((ps, i) => ps.forEach((p) => succs[p]!.push(i)));
  faPreds.forEach((ps, i) => ps.forEach((p) => faSuccs[p]!.push(i)));
  const waiting = acts.map((_, i) => preds[i]!.length + faPreds[i]!.length);
  const topo: number[] = [];
  acts.forEach((_, i) => {
    if (waiting[i] === 0) topo.push(i);
  });
  for (let k = 0; k < topo.length; k++) {
    const i = topo[k]!;
    for (const s of [...succs[i]!, ...faSuccs[i]!]) if (--waiting[s]! === 0) topo.push(s);
  }
  if (topo.length !== acts.length) throw new Error('cannot order the steps: a dependency is circular');
  const topoPos = new Int32Array(acts.length);
  topo.forEach((i, k) => (topoPos[i] = k));
  return { acts, index, preds, succs, faPreds, faSuccs, topo, topoPos, resources };
}
