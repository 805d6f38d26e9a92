import { DateTime } from 'luxon';
import { formatMinutes } from './duration';
import { memberName, memberPools, poolMembership } from './estate';
import { buildGraph, findCycle, type GraphNode, type WindowGraph } from './graph';
import type { PatchStepT, Step, StepKind, WindowDef } from './schema';
import { parseWallTime, resolveWallTime } from './walltime';
import { zoneProblem } from './zones';

/**
 * The planner: turns a validated window into a schedule before the weekend.
 * Pure and deterministic: no clock, no I/O; the same window always gives the same plan.
 */

/** Built-in estimates and overheads, in minutes; a window's `estimates` and steps override them. */
export const PLANNER_DEFAULTS = {
  /** Per step kind, when neither the window nor the step gives an estimate. */
  kinds: {
    pipeline: 20,
    script: 10,
    approval: 15,
    'maintenance-page': 5,
    alerts: 2,
    notify: 1,
    'rotate-secret': 30,
    test: 20,
    // A canary lasts until its go/no-go decision; this is only its floor.
    canary: 0,
    takedown: 10,
    manual: 15,
    // One server's updates (per member); cumulative updates are slow.
    patch: 90,
  } satisfies Record<StepKind, number>,
  /** Test steps by suite; `estimates.kinds.test` in a window overrides every suite. */
  testSuites: { smoke: 20, regression: 60, connection: 10, custom: 20 },
  /** Added to every patch batch: drain from the pools, sanity checks, put back. Members are out of their pools for all of it. */
  patchBatchOverhead: { drain: 5, sanityChecks: 10, restore: 5 },
  /** A rotate-secret rollout batch that waits for other steps (`rollout.batches[].after`) takes this long once they finish. */
  rolloutBatch: 10,
  /** Recommended start times are rounded up to a multiple of this many minutes. */
  recommendationRounding: 5,
} as const;

/** Per-batch overhead of patching, in minutes (sum of PLANNER_DEFAULTS.patchBatchOverhead). */
export const PATCH_BATCH_OVERHEAD_MINUTES = Object.values(PLANNER_DEFAULTS.patchBatchOverhead).reduce((a, b) => a + b, 0);

export interface PlanOptions {
  /** Extra display zones (beside the window's own `displayZones`). */
  zones?: string[];
  /** Node ids whose not-before time is ignored (used for what-if re-plans). */
  ignoreNotBefore?: string[];
  /** Fixes the window start instead of taking the earliest resolved start. */
  windowStartMs?: number;
  /** Re-plan without each binding not-before gate and recommend earlier starts (default true). */
  recommend?: boolean;
}

/** An instant, in epoch milliseconds and as ISO text in the window zone and each display zone. */
export interface PlanTime {
  epochMs: number;
  /** ISO 8601 in the window's zone. */
  iso: string;
  /** Display zone → ISO 8601 in that zone. */
  zones: Record<string, string>;
}

/** Where a step's estimate came from (most specific first). */
export type EstimateSource = 'window-step' | 'step' | 'window-kind' | 'default' | 'members' | 'not-doing';

/** A patch batch: members drained together, patched, checked and put back. */
export interface PlannedBatch {
  /** `<step id>#<n>`, n from 1. */
  id: string;
  members: string[];
  /** Pools these members are drained from. */
  pools: string[];
  start: PlanTime;
  end: PlanTime;
  minutes: number;
  critical: boolean;
}

export interface PlannedStep {
  id: string;
  title?: string;
  kind: StepKind;
  phaseId: string;
  /** Field path in the window file. */
  path: string;
  /** `not-doing` steps are kept in the plan, take no time and are never run. */
  status: 'planned' | 'not-doing';
  notDoingReason?: string;
  /** Runs only if this step ends done (or not done): planned as if it runs, decided on the day. */
  condition?: string;
  start: PlanTime;
  end: PlanTime;
  minutes: number;
  /** The step's own estimate (per server for patch steps); the planned span may be longer (waits, decisions). */
  estimateMinutes: number;
  estimateFrom: EstimateSource;
  /** Resolved `at` / phase or block start that gates this step, when it has its own. */
  notBefore?: PlanTime;
  critical: boolean;
  tickets?: string[];
  batches?: PlannedBatch[];
}

export interface PlannedPhase {
  id: string;
  title?: string;
  start: PlanTime;
  end: PlanTime;
  /** Step ids in file order. */
  steps: string[];
}

/** What decided when a critical element started (or, for finish-after and decisions, ended). */
export type CriticalBound =
  | { kind: 'window-start' }
  | { kind: 'dependency'; on: string }
  | { kind: 'not-before'; node: string; text: string; at: PlanTime }
  | { kind: 'pool-wait'; resource: string; on: string }
  | { kind: 'finish-after'; on: string }
  | { kind: 'decision-at'; at: PlanTime };

/** One step or patch batch on the critical path. */
export interface CriticalLink {
  id: string;
  type: 'step' | 'batch';
  stepId: string;
  start: PlanTime;
  end: PlanTime;
  boundBy: CriticalBound;
}

/** A capacity bound: a pool (or group concurrency) cannot do its patch work faster than its spare members allow. */
export interface CapacityBound {
  resource: string;
  kind: 'pool' | 'group';
  /** Members that may be out at once (pool size − floor, or the group's maxConcurrency). */
  capacity: number;
  /** Member-minutes of patch work (each member's patch time + batch overhead). */
  workMinutes: number;
  /** Earliest this resource's remaining work can start, with the release that binds. */
  releasedAt: PlanTime;
  /** Bound on the window's length, from the window start. */
  minutes: number;
}

export interface LowerBound {
  minutes: number;
  /** The longest chain of dependencies and gates with unlimited pool capacity. */
  criticalPathMinutes: number;
  /** The largest capacity bound, 0 when nothing is capacity-limited. */
  capacityMinutes: number;
  capacity: CapacityBound[];
  binds: 'critical-path' | 'capacity';
  /** The resource whose bound binds, when capacity binds. */
  bindingResource?: string;
}

/** The customer-visible interval of one maintenance page: up step end → matching down step start. */
export interface PageUpInterval {
  page: string;
  upStep: string;
  downStep?: string;
  from: PlanTime;
  to: PlanTime;
  minutes: number;
  /** The same interval on the schedule with unlimited pool capacity. */
  lowerBoundMinutes: number;
}

export interface PoolCapacityPoint {
  at: PlanTime;
  /** Members in the pool from this instant on. */
  inPool: number;
}

export interface PoolCapacity {
  pool: string;
  title?: string;
  size: number;
  floor: number;
  members: string[];
  /** Step function, starting at the window start. */
  timeline: PoolCapacityPoint[];
  min: number;
  minAt: PlanTime;
}

export interface BudgetFit {
  maxDurationMinutes?: number;
  endsBy?: PlanTime;
  /** The earlier of window start + maxDuration and endsBy. */
  deadline: PlanTime;
  /** Which limit gives the deadline. */
  binding: 'maxDuration' | 'endsBy';
  fits: boolean;
  overrunMinutes: number;
  spareMinutes: number;
}

/** An earlier start for a not-before gate that binds on the critical path. */
export interface Recommendation {
  /** The gated node: a step id, or a phase/block id for its start. */
  target: string;
  targetType: 'step' | 'phase' | 'block';
  gate: { text: string; at: PlanTime };
  /** Earliest start that keeps every floor, with every other gate in place. */
  earliest: PlanTime;
  /** The earliest start rounded up, as the window file would write it. */
  suggested: PlanTime;
  suggestedText: string;
  minutesSaved: number;
  makespanMinutes: number;
  pageUpMinutes: number;
  message: string;
}

export interface Plan {
  windowId: string;
  title: string;
  date: string;
  timeZone: string;
  displayZones: string[];
  start: PlanTime;
  end: PlanTime;
  makespanMinutes: number;
  lowerBound: LowerBound;
  /** How patch batches were composed (the one with the shorter makespan wins). */
  batching: Batching;
  phases: PlannedPhase[];
  steps: PlannedStep[];
  /** From the window start to the end, each element bound by the one before. */
  criticalPath: CriticalLink[];
  pageUp: { minutes: number; lowerBoundMinutes: number; intervals: PageUpInterval[] };
  pools: PoolCapacity[];
  budget?: BudgetFit;
  recommendations: Recommendation[];
}

export type Batching = 'longest-first' | 'file-order';

const MINUTE = 60_000;

// ---------------------------------------------------------------- internal model

interface Use {
  resource: string;
  amount: number;
}

interface Resource {
  id: string;
  kind: 'pool' | 'group';
  name: string;
  capacity: number;
}

/** A unit the scheduler places: a step, a patch batch, a patch step's aggregate, or a zero-length marker. */
interface Activity {
  id: string;
  type: 'step' | 'batch' | 'patch' | 'marker';
  nodeId: string;
  order: number;
  deps: string[];
  finishAfter: string[];
  finishAfterLagMs: number;
  release?: number;
  finishNotBefore?: number;
  durationMs: number;
  uses: Use[];
  members?: string[];
  /** A "not doing" step: zero length, passed through on the critical path. */
  notDoing?: boolean;
  /** Per member: patch minutes + batch overhead, and pools drained (for capacity bounds). */
  work?: { member: string; minutes: number; pools: string[] }[];
}

type Bound =
  | { kind: 'window-start' }
  | { kind: 'dependency'; on: string }
  | { kind: 'not-before'; node: string }
  | { kind: 'pool-wait'; resource: string; on: string }
  | { kind: 'finish-after'; on: string }
  | { kind: 'decision-at'; at: number };

interface Placed {
  start: number;
  end: number;
  startBound: Bound;
  endBound?: Bound;
}

type Schedule = Map<string, Placed>;

interface Context {
  window: WindowDef;
  graph: WindowGraph;
  gates: Map<string, number>;
  windowStart: number;
  resources: Map<string, Resource>;
  nodeOrder: Map<string, number>;
}

/** Batch-size caps per patch step chosen by the search (below what the window allows). */
type Limits = ReadonlyMap<string, number>;

// ---------------------------------------------------------------- entry points

/** Plans a validated window. Throws an Error naming the problem if the window cannot be planned. */
export function planWindow(window: WindowDef, options: PlanOptions = {}): Plan {
  return planCore(window, options);
}

/**
 * A what-if for recommendations: gates replaced (a time) or lifted (null), and steps
 * detached from the start times of the phases and blocks around them.
 */
interface WhatIf {
  gates: Map<string, number | null>;
  detach: Set<string>;
}

const NO_WHAT_IF: WhatIf = { gates: new Map(), detach: new Set() };

/** The schedule alone (no output formatting): what the what-if re-plans need. */
function scheduleCore(window: WindowDef, options: PlanOptions, whatIf: WhatIf): { ctx: Context; best: Candidate } {
  const graph = buildGraph(window);
  const lifted = new Set([...(options.ignoreNotBefore ?? []), ...[...whatIf.gates].filter(([, v]) => v === null).map(([k]) => k)]);
  followWithoutStart(window, graph, lifted);
  checkGraph(graph);
  detachFromStarts(graph, whatIf.detach);
  const gates = resolveGates(window, graph, lifted);
  for (const [id, at] of whatIf.gates) if (at !== null) gates.set(id, at);
  const windowStart = options.windowStartMs ?? earliestStart(window, gates);
  const ctx: Context = {
    window,
    graph,
    gates,
    windowStart,
    resources: buildResources(window),
    nodeOrder: new Map([...graph.nodes.keys()].map((id, i) => [id, i])),
  };

  const candidates = (['longest-first', 'file-order'] as const).map((batching) => searchBatches(ctx, batching));
  return { ctx, best: candidates.reduce((a, b) => (b.end < a.end ? b : a)) };
}

function planCore(window: WindowDef, options: PlanOptions): Plan {
  const zones = displayZonesOf(window, options.zones ?? []);
  const { ctx, best } = scheduleCore(window, options, NO_WHAT_IF);
  const { graph, windowStart } = ctx;
  const freeActivities = buildActivities(ctx, best.batching, 'free');
  const free = runSchedule(freeActivities, ctx, false);

  const time = (ms: number): PlanTime => planTime(ms, window.timeZone, zones);
  const byId = new Map(best.activities.map((a) => [a.id, a]));
  const end = best.end;

  const links = criticalPath(best.activities, best.schedule, byId);
  const criticalIds = new Set(links.map((l) => l.id));
  const criticalSteps = new Set(links.map((l) => byId.get(l.id)!.nodeId));

  const steps = graph.steps.map((node) => plannedStep(node, ctx, byId, best.schedule, criticalIds, criticalSteps, time));
  const phases: PlannedPhase[] = window.phases.map((phase) => {
    const own = graph.steps.filter((n) => n.phaseId === phase.id);
    return {
      id: phase.id,
      ...(phase.title !== undefined ? { title: phase.title } : {}),
      start: time(best.schedule.get(`${phase.id}@start`)!.start),
      end: time(best.schedule.get(phase.id)!.end),
      steps: own.map((n) => n.id),
    };
  });

  const criticalPathOut: CriticalLink[] = links.map((link) => {
    const activity = byId.get(link.id)!;
    return {
      id: link.id,
      type: activity.type === 'batch' ? 'batch' : 'step',
      stepId: activity.nodeId,
      start: time(best.schedule.get(link.id)!.start),
      end: time(best.schedule.get(link.id)!.end),
      boundBy: publicBound(link.bound, ctx, time),
    };
  });

  const lowerBound = computeLowerBound(ctx, freeActivities, free, time);
  const pageUp = pageUpIntervals(ctx, best.schedule, free, end, time);
  const plan: Plan = {
    windowId: window.id,
    title: window.title,
    date: window.date,
    timeZone: window.timeZone,
    displayZones: zones,
    start: time(windowStart),
    end: time(end),
    makespanMinutes: (end - windowStart) / MINUTE,
    lowerBound,
    batching: best.batching,
    phases,
    steps,
    criticalPath: criticalPathOut,
    pageUp,
    pools: poolCapacities(ctx, best.activities, best.schedule, time),
    ...budgetOf(ctx, end, time),
    recommendations: [],
  };
  if (options.recommend !== false) plan.recommendations = recommend(window, options, plan, links, ctx, byId, time);
  return plan;
}

/**
 * Budget problems for the validator (`validateWindow(w, { checkBudget })`): the plan
 * overruns `budget.maxDuration` or `budget.endsBy`. Empty when it fits or cannot be planned.
 */
export function budgetProblems(window: WindowDef): { path: string; reason: string }[] {
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

// ---------------------------------------------------------------- times and zones

/** `Sat 19:00 EDT`: weekday, 24-hour time and the zone's abbreviation at that instant. */
export function formatZoneTime(epochMs: number, zone: string): string {
  const t = DateTime.fromMillis(epochMs, { zone });
  return `${t.setLocale('en-US').toFormat('ccc HH:mm')} ${zoneAbbreviation(epochMs, zone)}`;
}

/**
 * `Sat 19:00–19:20 EDT`; the end keeps its weekday when the day changes and its
 * abbreviation when the offset changes (a range across a DST transition).
 */
export function formatZoneRange(startMs: number, endMs: number, zone: string): string {
  const a = DateTime.fromMillis(startMs, { zone }).setLocale('en-US');
  const b = DateTime.fromMillis(endMs, { zone }).setLocale('en-US');
  const abbrA = zoneAbbreviation(startMs, zone);
  const abbrB = zoneAbbreviation(endMs, zone);
  const sameDay = a.toISODate() === b.toISODate();
  const endText = sameDay ? b.toFormat('HH:mm') : b.toFormat('ccc HH:mm');
  return abbrA === abbrB ? `${a.toFormat('ccc HH:mm')}–${endText} ${abbrB}` : `${a.toFormat('ccc HH:mm')} ${abbrA}–${endText} ${abbrB}`;
}

/**
 * The short name people use for a zone at an instant (EDT, IST, BST). ICU names a
 * zone by the locale that uses it, so a few locales are tried before "GMT+5:30".
 */
export function zoneAbbreviation(epochMs: number, zone: string): string {
  const t = DateTime.fromMillis(epochMs, { zone });
  let fallback: string | undefined;
  for (const locale of ['en-US', 'en-IN', 'en-GB', 'en-AU']) {
    const name = t.setLocale(locale).toFormat('ZZZZ');
    fallback ??= name;
    if (!/^(GMT|UTC)[+-−]/.test(name)) return name;
  }
  return fallback!;
}

function planTime(ms: number, zone: string, displayZones: string[]): PlanTime {
  const iso = (z: string) => DateTime.fromMillis(ms, { zone: z }).toISO({ suppressMilliseconds: true })!;
  return { epochMs: ms, iso: iso(zone), zones: Object.fromEntries(displayZones.map((z) => [z, iso(z)])) };
}

function displayZonesOf(window: WindowDef, extra: string[]): string[] {
  const zones: string[] = [];
  for (const zone of [...window.displayZones, ...extra]) {
    const problem = zoneProblem(zone);
    if (problem) throw new RangeError(problem);
    if (zone !== window.timeZone && !zones.includes(zone)) zones.push(zone);
  }
  return zones;
}

function resolveText(window: WindowDef, text: string, where: string): number {
  const parsed = parseWallTime(text);
  if (typeof parsed === 'string') throw new Error(`${where}: ${parsed}`);
  const resolved = resolveWallTime(parsed, window.date, window.timeZone);
  if (!resolved.ok) throw new Error(`${where}: ${resolved.reason}`);
  return resolved.epochMs;
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
  if (gates.size > 0) return Math.min(...gates.values());
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

// ---------------------------------------------------------------- estimates

interface Estimate {
  minutes: number;
  from: EstimateSource;
}

/** Window `estimates.steps[id]` > the step's `estimate` > window `estimates.kinds[kind]` > PLANNER_DEFAULTS. */
function stepEstimate(window: WindowDef, step: Step): Estimate {
  if (step.skip !== undefined) return { minutes: 0, from: 'not-doing' };
  const windowStep = window.estimates?.steps[step.id];
  if (windowStep !== undefined) return { minutes: windowStep, from: 'window-step' };
  if (step.estimate !== undefined) return { minutes: step.estimate, from: 'step' };
  const windowKind = window.estimates?.kinds[step.kind];
  if (windowKind !== undefined) return { minutes: windowKind, from: 'window-kind' };
  if (step.kind === 'test') return { minutes: PLANNER_DEFAULTS.testSuites[step.suite], from: 'default' };
  return { minutes: PLANNER_DEFAULTS.kinds[step.kind], from: 'default' };
}

interface PatchMember {
  name: string;
  pools: string[];
  /** Patch minutes for this server, before the batch overhead. */
  minutes: number;
  index: number;
}

/**
 * Members of a patch step with their pools and patch minutes. Per server: the member's
 * `patchEstimate` > window `estimates.steps[id]` > the step's `estimate` > group
 * `patch.estimate` > window `estimates.kinds.patch` > PLANNER_DEFAULTS.kinds.patch; never
 * above the group's `patch.maxDuration` (the validator refuses that: Update Manager stops there).
 */
function patchMembers(window: WindowDef, step: PatchStepT, path: string): PatchMember[] {
  const group = window.serverGroups[step.group];
  if (!group) throw new Error(`${path}.group: unknown server group "${step.group}"`);
  const stepLevel = window.estimates?.steps[step.id] ?? step.estimate;
  const fallback = stepLevel ?? group.patch.estimate ?? window.estimates?.kinds.patch ?? PLANNER_DEFAULTS.kinds.patch;
  const all = group.members.map((member, index) => {
    const minutes = typeof member === 'string' ? fallback : (member.patchEstimate ?? fallback);
    // The validator refuses this; planning on would hide that Update Manager stops mid-install.
    if (minutes > group.patch.maxDuration) {
      throw new RangeError(`${path}: the patch estimate of ${formatMinutes(minutes)} for ${memberName(member)} is above serverGroups.${step.group}.patch.maxDuration (${formatMinutes(group.patch.maxDuration)})`);
    }
    return { name: memberName(member), pools: memberPools(member, group.pools), minutes, index };
  });
  if (!step.members) return all;
  return step.members.map((name, i) => {
    const found = all.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new Error(`${path}.members[${i}]: "${name}" is not a member of server group "${step.group}"`);
    return found;
  });
}

// ---------------------------------------------------------------- resources and batches

const poolResource = (id: string) => `pool:${id}`;
const groupResource = (id: string) => `group:${id}`;

/** Pools (capacity = size − floor, size counting every member of every group in the pool) and group concurrency limits. */
function buildResources(window: WindowDef): Map<string, Resource> {
  const resources = new Map<string, Resource>();
  const membership = poolMembership(window);
  for (const [id, pool] of Object.entries(window.pools)) {
    const size = membership.get(id)?.length ?? 0;
    resources.set(poolResource(id), { id: poolResource(id), kind: 'pool', name: id, capacity: size - pool.minHealthy });
  }
  for (const [id, group] of Object.entries(window.serverGroups)) {
    const limit = group.maxConcurrency ?? group.batchSize;
    if (limit !== undefined) resources.set(groupResource(id), { id: groupResource(id), kind: 'group', name: id, capacity: limit });
  }
  return resources;
}

/**
 * Splits a patch step's members into batches. Members are taken longest first (or in
 * file order) and each batch is filled while it stays within the batch size and every
 * pool's spare capacity; a member of a one-after-another chain waits for a later batch
 * than its predecessor. Longest-first keeps long servers together so short ones do not
 * wait for them (the classic rule for batches that last as long as their longest job).
 */
function composeBatches(ctx: Context, step: PatchStepT, members: PatchMember[], batching: Batching, path: string, limits: Limits): PatchMember[][] {
  const group = ctx.window.serverGroups[step.group]!;
  const groupLimit = ctx.resources.get(groupResource(step.group))?.capacity ?? Infinity;
  const limit = Math.min(step.batchSize ?? group.batchSize ?? group.maxConcurrency ?? members.length, groupLimit, limits.get(step.id) ?? Infinity);
  const predecessor = chainPredecessors(group.oneAfterAnother);
  const poolCapacity = (pool: string): number => {
    const resource = ctx.resources.get(poolResource(pool));
    if (!resource) throw new Error(`${path}: unknown pool "${pool}"`);
    return resource.capacity;
  };
  for (const member of members) {
    for (const pool of member.pools) {
      if (poolCapacity(pool) <= 0) {
        throw new Error(`${path}: ${member.name} cannot be drained from pool "${pool}" without going below its floor`);
      }
    }
  }
  const remaining = [...members].sort((a, b) => (batching === 'longest-first' ? b.minutes - a.minutes : 0) || a.index - b.index);
  const placed = new Set<string>();
  const batches: PatchMember[][] = [];
  while (remaining.length > 0) {
    const batch: PatchMember[] = [];
    const counts = new Map<string, number>();
    for (const member of remaining) {
      if (batch.length >= limit) break;
      const before = predecessor.get(member.name.toLowerCase());
      const waits = before !== undefined && members.some((m) => m.name.toLowerCase() === before) && !placed.has(before);
      if (waits) continue;
      if (member.pools.some((pool) => (counts.get(pool) ?? 0) + 1 > poolCapacity(pool))) continue;
      batch.push(member);
      for (const pool of member.pools) counts.set(pool, (counts.get(pool) ?? 0) + 1);
    }
    if (batch.length === 0) throw new Error(`${path}: no batch can be formed from ${remaining.map((m) => m.name).join(', ')}`);
    for (const member of batch) remaining.splice(remaining.indexOf(member), 1);
    batch.forEach((m) => placed.add(m.name.toLowerCase()));
    batches.push(batch.sort((a, b) => a.index - b.index));
  }
  return batches;
}

/** Lower-cased member → the member it must follow. */
function chainPredecessors(chains: string[][]): Map<string, string> {
  const result = new Map<string, string>();
  for (const chain of chains) {
    for (let i = 1; i < chain.length; i++) result.set(chain[i]!.toLowerCase(), chain[i - 1]!.toLowerCase());
  }
  return result;
}

/**
 * The scheduler's units. `planned` batches members and draws on pools; `free` gives every
 * member its own unconstrained unit (chains still in order): the resource-free schedule
 * behind the lower bounds.
 */
function buildActivities(ctx: Context, batching: Batching, mode: 'planned' | 'free', limits: Limits = new Map()): Activity[] {
  const activities: Activity[] = [];
  for (const node of ctx.graph.nodes.values()) {
    const order = ctx.nodeOrder.get(node.id)!;
    const base = {
      nodeId: node.id,
      order,
      deps: [...node.deps],
      finishAfter: [] as string[],
      finishAfterLagMs: 0,
      uses: [] as Use[],
      ...(ctx.gates.has(node.id) ? { release: ctx.gates.get(node.id)! } : {}),
    };
    const step = node.step;
    if (!step) {
      activities.push({ ...base, id: node.id, type: 'marker', durationMs: 0 });
      continue;
    }
    if (step.kind === 'patch' && step.skip === undefined) {
      activities.push(...patchActivities(ctx, node, step, base, batching, mode, limits));
      continue;
    }
    const estimate = stepEstimate(ctx.window, step);
    const activity: Activity = {
      ...base,
      id: node.id,
      type: 'step',
      durationMs: estimate.minutes * MINUTE,
      ...(step.skip !== undefined ? { notDoing: true } : {}),
    };
    if (step.skip === undefined && step.kind === 'canary') {
      activity.finishNotBefore = resolveText(ctx.window, step.decisionAt, `${node.path}.decisionAt`);
    }
    if (step.skip === undefined && step.kind === 'rotate-secret') {
      activity.finishAfter = [...node.finishAfter];
      activity.finishAfterLagMs = PLANNER_DEFAULTS.rolloutBatch * MINUTE;
    }
    activities.push(activity);
  }
  return activities;
}

function patchActivities(
  ctx: Context,
  node: GraphNode,
  step: PatchStepT,
  base: Omit<Activity, 'id' | 'type' | 'durationMs'>,
  batching: Batching,
  mode: 'planned' | 'free',
  limits: Limits,
): Activity[] {
  const members = patchMembers(ctx.window, step, node.path);
  const overhead = PATCH_BATCH_OVERHEAD_MINUTES;
  const groups = mode === 'planned' ? composeBatches(ctx, step, members, batching, node.path, limits) : members.map((m) => [m]);
  const predecessor = chainPredecessors(ctx.window.serverGroups[step.group]!.oneAfterAnother);
  const ids = groups.map((_, i) => (mode === 'planned' ? `${step.id}#${i + 1}` : `${step.id}~${groups[i]![0]!.name}`));
  const batchOf = new Map<string, string>();
  groups.forEach((g, i) => g.forEach((m) => batchOf.set(m.name.toLowerCase(), ids[i]!)));
  const groupLimited = ctx.resources.has(groupResource(step.group));

  const batches: Activity[] = groups.map((batch, i) => {
    const chainDeps = new Set<string>();
    for (const member of batch) {
      const before = predecessor.get(member.name.toLowerCase());
      const beforeBatch = before !== undefined ? batchOf.get(before) : undefined;
      if (beforeBatch !== undefined && beforeBatch !== ids[i]) chainDeps.add(beforeBatch);
    }
    const pools = new Map<string, number>();
    for (const member of batch) for (const pool of member.pools) pools.set(pool, (pools.get(pool) ?? 0) + 1);
    const uses: Use[] =
      mode === 'planned'
        ? [
            ...[...pools.entries()].map(([pool, amount]) => ({ resource: poolResource(pool), amount })),
            ...(groupLimited ? [{ resource: groupResource(step.group), amount: batch.length }] : []),
          ]
        : [];
    return {
      ...base,
      id: ids[i]!,
      type: 'batch',
      order: base.order + (i + 1) / 1000,
      deps: [...base.deps, ...chainDeps],
      durationMs: (Math.max(...batch.map((m) => m.minutes)) + overhead) * MINUTE,
      uses,
      members: batch.map((m) => m.name),
      work: batch.map((m) => ({ member: m.name, minutes: m.minutes + overhead, pools: m.pools })),
    };
  });
  // The step itself spans its batches; its gate and dependencies already sit on each batch.
  const { release: _release, ...rest } = base;
  const aggregate: Activity = { ...rest, id: node.id, type: 'patch', deps: batches.map((b) => b.id), durationMs: 0 };
  return [...batches, aggregate];
}

// ---------------------------------------------------------------- scheduling

interface Candidate {
  batching: Batching;
  activities: Activity[];
  schedule: Schedule;
  end: number;
}

/** Rounds of the batch-size search; each round tries smaller batches for the steps that waited for a pool. */
const SEARCH_ROUNDS = 8;

/**
 * Batches as large as the window allows are best when nothing competes for a pool, but
 * when patch steps share a pool a big batch can leave spare members idle while another
 * step's batch waits. Coordinate descent: for each step whose batches waited for a
 * pool, try smaller batch caps and keep the first that shortens the window.
 */
function searchBatches(ctx: Context, batching: Batching): Candidate {
  const evaluate = (limits: Limits): Candidate => {
    const activities = buildActivities(ctx, batching, 'planned', limits);
    const schedule = runSchedule(activities, ctx, true);
    return { batching, activities, schedule, end: scheduleEnd(schedule, ctx.windowStart) };
  };
  let limits: Limits = new Map();
  let best = evaluate(limits);
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    const waited = [
      ...new Set(best.activities.filter((a) => a.type === 'batch' && best.schedule.get(a.id)!.startBound.kind === 'pool-wait').map((a) => a.nodeId)),
    ];
    let improved = false;
    for (const stepId of waited) {
      const largest = Math.max(...best.activities.filter((a) => a.type === 'batch' && a.nodeId === stepId).map((a) => a.members!.length));
      for (let cap = largest - 1; cap >= 1 && !improved; cap--) {
        const next = new Map(limits).set(stepId, cap);
        const attempt = evaluate(next);
        if (attempt.end < best.end) {
          best = attempt;
          limits = next;
          improved = true;
        }
      }
      if (improved) break;
    }
    if (!improved) break;
  }
  return best;
}

interface Interval {
  start: number;
  end: number;
  amount: number;
  activity: string;
}

/**
 * Serial schedule generation: repeatedly take the ready unit with the earliest possible
 * start (ties: the longest chain still behind it, then file order) and put it at the first
 * instant its dependencies, its not-before time and every resource it draws on allow for
 * its whole length. Resource timelines are shared, so two patch steps draining the same
 * pool share its spare capacity.
 */
function runSchedule(activities: Activity[], ctx: Context, limited: boolean): Schedule {
  const byId = new Map(activities.map((a) => [a.id, a]));
  const tails = tailLengths(activities);
  const timelines = new Map<string, Interval[]>();
  const placed: Schedule = new Map();
  const pending = new Set(activities.map((a) => a.id));
  const readyAt = new Map<string, { at: number; bound: Bound }>();

  const earliest = (a: Activity): { at: number; bound: Bound } => {
    let at = ctx.windowStart;
    let bound: Bound = { kind: 'window-start' };
    if (a.release !== undefined && a.release >= at) {
      at = a.release;
      bound = { kind: 'not-before', node: a.nodeId };
    }
    for (const dep of a.deps) {
      const end = placed.get(dep)!.end;
      // At a tie a dependency binds rather than a gate: moving the gate would not help.
      if (end > at || (end === at && bound.kind !== 'dependency')) {
        at = end;
        bound = { kind: 'dependency', on: dep };
      }
    }
    return { at, bound };
  };

  while (pending.size > 0) {
    let chosen: { activity: Activity; at: number; bound: Bound } | undefined;
    for (const id of pending) {
      const activity = byId.get(id)!;
      let ready = readyAt.get(id);
      if (!ready) {
        if (![...activity.deps, ...activity.finishAfter].every((d) => placed.has(d))) continue;
        // Fixed once every dependency is placed.
        ready = earliest(activity);
        readyAt.set(id, ready);
      }
      const { at, bound } = ready;
      if (
        !chosen ||
        at < chosen.at ||
        (at === chosen.at && (tails.get(id)! > tails.get(chosen.activity.id)! || (tails.get(id) === tails.get(chosen.activity.id) && activity.order < chosen.activity.order)))
      ) {
        chosen = { activity, at, bound };
      }
    }
    if (!chosen) throw new Error(`cannot order steps ${[...pending].join(', ')} (a dependency is missing or circular)`);
    const { activity } = chosen;
    pending.delete(activity.id);

    if (activity.type === 'patch') {
      const batches = activity.deps.map((d) => placed.get(d)!);
      const start = Math.min(...batches.map((b) => b.start));
      const last = activity.deps.reduce((a, b) => (placed.get(b)!.end > placed.get(a)!.end ? b : a));
      placed.set(activity.id, { start, end: placed.get(last)!.end, startBound: { kind: 'dependency', on: last } });
      continue;
    }

    const uses = limited ? activity.uses : [];
    let start = chosen.at;
    let startBound = chosen.bound;
    if (uses.length > 0) {
      const fit = firstFit(uses, start, activity.durationMs, timelines, ctx.resources, activity.id);
      if (fit.start > start) startBound = { kind: 'pool-wait', resource: fit.resource!, on: fit.blocker! };
      start = fit.start;
      for (const use of uses) {
        const list = timelines.get(use.resource) ?? [];
        list.push({ start, end: start + activity.durationMs, amount: use.amount, activity: activity.id });
        timelines.set(use.resource, list);
      }
    }
    let end = start + activity.durationMs;
    let endBound: Bound | undefined;
    if (activity.finishNotBefore !== undefined && activity.finishNotBefore > end) {
      end = activity.finishNotBefore;
      endBound = { kind: 'decision-at', at: end };
    }
    for (const dep of activity.finishAfter) {
      const after = placed.get(dep)!.end + activity.finishAfterLagMs;
      if (after > end) {
        end = after;
        endBound = { kind: 'finish-after', on: dep };
      }
    }
    placed.set(activity.id, { start, end, startBound, ...(endBound ? { endBound } : {}) });
  }
  return placed;
}

/** The earliest start ≥ `from` where every resource has room for the whole duration. */
function firstFit(
  uses: Use[],
  from: number,
  duration: number,
  timelines: Map<string, Interval[]>,
  resources: Map<string, Resource>,
  id: string,
): { start: number; resource?: string; blocker?: string } {
  for (const use of uses) {
    const capacity = resources.get(use.resource)?.capacity ?? 0;
    if (use.amount > capacity) throw new Error(`${id} needs ${use.amount} of ${use.resource} but only ${capacity} may be out at once`);
  }
  const candidates = [from];
  for (const use of uses) for (const iv of timelines.get(use.resource) ?? []) if (iv.end > from) candidates.push(iv.end);
  candidates.sort((a, b) => a - b);
  for (const t of candidates) {
    const clash = uses.find((use) => peakUse(timelines.get(use.resource) ?? [], t, t + duration) + use.amount > resources.get(use.resource)!.capacity);
    if (clash) continue;
    if (t === from) return { start: t };
    // The unit whose release of a shared resource let this one start.
    for (const use of uses) {
      const blocker = (timelines.get(use.resource) ?? []).find((iv) => iv.end === t);
      if (blocker) return { start: t, resource: use.resource, blocker: blocker.activity };
    }
    return { start: t };
  }
  throw new Error(`${id}: no time satisfies its resources`);
}

/** The most of a resource in use at any instant of [from, to) (a zero-length span counts its instant). */
function peakUse(intervals: Interval[], from: number, to: number): number {
  const points = [from, ...intervals.map((iv) => iv.start).filter((s) => s > from && s < to)];
  let peak = 0;
  for (const p of points) {
    let sum = 0;
    for (const iv of intervals) if (iv.start <= p && p < iv.end) sum += iv.amount;
    peak = Math.max(peak, sum);
  }
  return peak;
}

/** Length of the longest chain from each unit to the end, ignoring gates and resources (Kahn's order, no recursion). */
function tailLengths(activities: Activity[]): Map<string, number> {
  const successors = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const a of activities) {
    const deps = [...a.deps, ...a.finishAfter];
    waiting.set(a.id, deps.length);
    for (const d of deps) {
      const list = successors.get(d);
      if (list) list.push(a.id);
      else successors.set(d, [a.id]);
    }
  }
  const order: string[] = activities.filter((a) => waiting.get(a.id) === 0).map((a) => a.id);
  for (let i = 0; i < order.length; i++) {
    for (const next of successors.get(order[i]!) ?? []) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) order.push(next);
    }
  }
  const byId = new Map(activities.map((a) => [a.id, a]));
  const memo = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i]!;
    let longest = 0;
    for (const next of successors.get(id) ?? []) longest = Math.max(longest, memo.get(next) ?? 0);
    memo.set(id, byId.get(id)!.durationMs + longest);
  }
  return memo;
}

function scheduleEnd(schedule: Schedule, windowStart: number): number {
  return Math.max(windowStart, ...[...schedule.values()].map((p) => p.end));
}

// ---------------------------------------------------------------- critical path

interface Link {
  id: string;
  bound: Bound;
}

/**
 * Walks back from the unit that ends last, following what bound each one: the
 * dependency that finished last, the gate, the unit whose release of a pool let it
 * start, or (for its end) a finish-after dependency or a decision time. Markers (phase
 * and block starts and ends) and patch steps are passed through to the unit behind them.
 */
function criticalPath(activities: Activity[], schedule: Schedule, byId: Map<string, Activity>): Link[] {
  const visible = (a: Activity) => (a.type === 'step' && !a.notDoing) || a.type === 'batch';
  const through = (bound: Bound): Bound => {
    let b = bound;
    for (let guard = 0; guard <= activities.length && 'on' in b; guard++) {
      const hidden = byId.get(b.on)!;
      if (visible(hidden)) return b;
      const p = schedule.get(hidden.id)!;
      const inner = p.endBound ?? p.startBound;
      // A hidden unit that waited for another passes the wait on; one that waited for a gate is the gate.
      b = 'on' in inner ? { ...b, on: inner.on } : inner;
    }
    return b;
  };
  const last = activities
    .filter((a) => a.type !== 'marker' && !a.notDoing)
    .reduce<Activity | undefined>((best, a) => (!best || schedule.get(a.id)!.end > schedule.get(best.id)!.end ? a : best), undefined);
  if (!last) return [];
  const first = through({ kind: 'dependency', on: last.id });
  const links: Link[] = [];
  const seen = new Set<string>();
  let current = 'on' in first ? byId.get(first.on) : undefined;
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    const p = schedule.get(current.id)!;
    const bound = through(p.endBound ?? p.startBound);
    links.unshift({ id: current.id, bound });
    current = 'on' in bound ? byId.get(bound.on) : undefined;
  }
  return links;
}

function publicBound(bound: Bound, ctx: Context, time: (ms: number) => PlanTime): CriticalBound {
  switch (bound.kind) {
    case 'not-before': {
      const node = ctx.graph.nodes.get(bound.node)!;
      return { kind: 'not-before', node: bound.node.replace(/@start$/, ''), text: node.notBefore!.text, at: time(ctx.gates.get(bound.node)!) };
    }
    case 'pool-wait':
      return { kind: 'pool-wait', resource: ctx.resources.get(bound.resource)?.name ?? bound.resource, on: bound.on };
    case 'decision-at':
      return { kind: 'decision-at', at: time(bound.at) };
    default:
      return bound;
  }
}

// ---------------------------------------------------------------- outputs

function plannedStep(
  node: GraphNode,
  ctx: Context,
  byId: Map<string, Activity>,
  schedule: Schedule,
  criticalIds: Set<string>,
  criticalSteps: Set<string>,
  time: (ms: number) => PlanTime,
): PlannedStep {
  const step = node.step!;
  const placed = schedule.get(node.id)!;
  const notDoing = step.skip !== undefined;
  let estimate: Estimate;
  if (step.kind === 'patch' && !notDoing) {
    const members = patchMembers(ctx.window, step, node.path);
    estimate = { minutes: Math.max(...members.map((m) => m.minutes)), from: 'members' };
  } else {
    estimate = stepEstimate(ctx.window, step);
  }
  const batches =
    step.kind === 'patch' && !notDoing
      ? byId
          .get(node.id)!
          .deps.filter((d) => byId.get(d)?.type === 'batch')
          .map((id): PlannedBatch => {
            const b = byId.get(id)!;
            const p = schedule.get(id)!;
            return {
              id,
              members: b.members!,
              pools: b.uses.filter((u) => u.resource.startsWith('pool:')).map((u) => u.resource.slice('pool:'.length)),
              start: time(p.start),
              end: time(p.end),
              minutes: (p.end - p.start) / MINUTE,
              critical: criticalIds.has(id),
            };
          })
      : undefined;
  const gate = ctx.gates.get(node.id);
  return {
    id: step.id,
    ...(step.title !== undefined ? { title: step.title } : {}),
    kind: step.kind,
    phaseId: node.phaseId,
    path: node.path,
    status: notDoing ? 'not-doing' : 'planned',
    ...(notDoing && typeof step.skip === 'string' ? { notDoingReason: step.skip } : {}),
    ...(step.when?.done ? { condition: `if ${step.when.done} is done` } : step.when?.notDone ? { condition: `if ${step.when.notDone} is not done` } : {}),
    start: time(placed.start),
    end: time(placed.end),
    minutes: (placed.end - placed.start) / MINUTE,
    estimateMinutes: estimate.minutes,
    estimateFrom: estimate.from,
    ...(gate !== undefined ? { notBefore: time(gate) } : {}),
    critical: criticalSteps.has(node.id),
    ...(step.tickets ? { tickets: step.tickets } : {}),
    ...(batches ? { batches } : {}),
  };
}

/**
 * max(critical path with unlimited capacity, capacity bounds). A capacity bound for a
 * resource is, over each release time r of its work, r + (work released at or after r) /
 * capacity: no schedule can drain members faster than the floor allows.
 */
function computeLowerBound(ctx: Context, free: Activity[], schedule: Schedule, time: (ms: number) => PlanTime): LowerBound {
  const criticalPathMinutes = (scheduleEnd(schedule, ctx.windowStart) - ctx.windowStart) / MINUTE;
  const jobs = new Map<string, { release: number; minutes: number }[]>();
  const add = (resource: string, release: number, minutes: number) => jobs.set(resource, [...(jobs.get(resource) ?? []), { release, minutes }]);
  for (const a of free) {
    if (a.type !== 'batch') continue;
    const release = schedule.get(a.id)!.start;
    const step = ctx.graph.nodes.get(a.nodeId)!.step as PatchStepT;
    for (const work of a.work ?? []) {
      for (const pool of work.pools) add(poolResource(pool), release, work.minutes);
      if (ctx.resources.has(groupResource(step.group))) add(groupResource(step.group), release, work.minutes);
    }
  }
  const capacity: CapacityBound[] = [];
  // Pools first, so a pool names the bound when a group's limit ties with it.
  for (const [id, list] of [...jobs.entries()].sort(([a], [b]) => Number(b.startsWith('pool:')) - Number(a.startsWith('pool:')) || a.localeCompare(b))) {
    const resource = ctx.resources.get(id)!;
    let best = { end: -Infinity, release: 0 };
    for (const r of new Set(list.map((j) => j.release))) {
      const work = list.filter((j) => j.release >= r).reduce((sum, j) => sum + j.minutes, 0);
      const end = r + (work / resource.capacity) * MINUTE;
      if (end > best.end) best = { end, release: r };
    }
    capacity.push({
      resource: resource.name,
      kind: resource.kind,
      capacity: resource.capacity,
      workMinutes: list.reduce((sum, j) => sum + j.minutes, 0),
      releasedAt: time(best.release),
      minutes: (best.end - ctx.windowStart) / MINUTE,
    });
  }
  const top = capacity.reduce<CapacityBound | undefined>((a, b) => (!a || b.minutes > a.minutes ? b : a), undefined);
  const capacityMinutes = top?.minutes ?? 0;
  const binds = top && capacityMinutes > criticalPathMinutes ? 'capacity' : 'critical-path';
  return {
    minutes: Math.max(criticalPathMinutes, capacityMinutes),
    criticalPathMinutes,
    capacityMinutes,
    capacity,
    binds,
    ...(binds === 'capacity' ? { bindingResource: top!.resource } : {}),
  };
}

/** Each maintenance page's up interval: from the end of an up step to the start of the next down step. */
function pageUpIntervals(ctx: Context, schedule: Schedule, free: Schedule, end: number, time: (ms: number) => PlanTime): Plan['pageUp'] {
  const intervals: PageUpInterval[] = pageUpRaw(ctx, schedule, end).map((i) => {
    const freeFrom = free.get(i.upStep)!.end;
    const freeTo = i.downStep ? free.get(i.downStep)!.start : scheduleEnd(free, ctx.windowStart);
    return {
      page: i.page,
      upStep: i.upStep,
      ...(i.downStep ? { downStep: i.downStep } : {}),
      from: time(i.from),
      to: time(i.to),
      minutes: (i.to - i.from) / MINUTE,
      lowerBoundMinutes: Math.max(0, freeTo - freeFrom) / MINUTE,
    };
  });
  return {
    minutes: intervals.reduce((sum, i) => sum + i.minutes, 0),
    lowerBoundMinutes: intervals.reduce((sum, i) => sum + i.lowerBoundMinutes, 0),
    intervals,
  };
}

/** Up/down pairs in epoch ms: each up step with the first unused down step of its page that starts after it. */
function pageUpRaw(ctx: Context, schedule: Schedule, end: number): { page: string; upStep: string; downStep?: string; from: number; to: number }[] {
  const intervals: { page: string; upStep: string; downStep?: string; from: number; to: number }[] = [];
  const pages = ctx.graph.steps.filter((n) => n.step?.kind === 'maintenance-page' && n.step.skip === undefined);
  const pageOf = (n: GraphNode) => (n.step as { page: string }).page;
  const actionOf = (n: GraphNode) => (n.step as { action: 'up' | 'down' }).action;
  for (const pageId of [...new Set(pages.map(pageOf))]) {
    const ups = pages.filter((n) => pageOf(n) === pageId && actionOf(n) === 'up').sort((a, b) => schedule.get(a.id)!.end - schedule.get(b.id)!.end);
    const downs = pages.filter((n) => pageOf(n) === pageId && actionOf(n) === 'down');
    const used = new Set<string>();
    for (const up of ups) {
      const from = schedule.get(up.id)!.end;
      const down = downs
        .filter((d) => !used.has(d.id) && schedule.get(d.id)!.start >= from)
        .sort((a, b) => schedule.get(a.id)!.start - schedule.get(b.id)!.start)[0];
      if (down) used.add(down.id);
      const to = down ? schedule.get(down.id)!.start : end;
      intervals.push({ page: pageId, upStep: up.id, ...(down ? { downStep: down.id } : {}), from, to });
    }
  }
  return intervals;
}

/** Members in each pool over time: a step function from the window start. */
function poolCapacities(ctx: Context, activities: Activity[], schedule: Schedule, time: (ms: number) => PlanTime): PoolCapacity[] {
  const membership = poolMembership(ctx.window);
  return Object.entries(ctx.window.pools).map(([poolId, pool]) => {
    const members = membership.get(poolId) ?? [];
    const changes = new Map<number, number>();
    for (const a of activities) {
      const use = a.uses.find((u) => u.resource === poolResource(poolId));
      if (!use) continue;
      const p = schedule.get(a.id)!;
      if (p.end === p.start) continue;
      changes.set(p.start, (changes.get(p.start) ?? 0) - use.amount);
      changes.set(p.end, (changes.get(p.end) ?? 0) + use.amount);
    }
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

function budgetOf(ctx: Context, end: number, time: (ms: number) => PlanTime): { budget?: BudgetFit } {
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

/**
 * For each not-before gate that binds on the critical path: plan again without it to
 * find the earliest start that keeps every floor and how much earlier the window could
 * end, then recommend the latest start (on a rounded grid) that still gets all of that
 * saving: the smallest change to the window that buys the time. A step whose own `at`
 * binds is moved on its own (detached from its phase's start time); a phase or block
 * whose start binds is moved as a whole.
 */
function recommend(
  window: WindowDef,
  options: PlanOptions,
  plan: Plan,
  links: Link[],
  ctx: Context,
  byId: Map<string, Activity>,
  time: (ms: number) => PlanTime,
): Recommendation[] {
  const base: PlanOptions = { ...options, windowStartMs: ctx.windowStart, recommend: false };
  const targets = new Map<string, { gateAt: number; isStep: boolean }>();
  for (const link of links) {
    if (link.bound.kind !== 'not-before') continue;
    const gateAt = ctx.gates.get(link.bound.node)!;
    const stepId = byId.get(link.id)!.nodeId;
    const isStep = ctx.gates.get(stepId) === gateAt;
    const target = isStep ? stepId : link.bound.node;
    if (!targets.has(target)) targets.set(target, { gateAt, isStep });
  }
  const result: Recommendation[] = [];
  for (const [target, { gateAt, isStep }] of targets) {
    const whatIf = (at: number | null): WhatIf => ({ gates: new Map([[target, at]]), detach: new Set(isStep ? [target] : []) });
    const lifted = scheduleCore(window, base, whatIf(null));
    const earliest = lifted.best.schedule.get(target)?.start;
    const bestEnd = lifted.best.end;
    if (earliest === undefined || earliest >= gateAt || bestEnd >= plan.end.epochMs) continue;

    // Latest grid time in [earliest, gate) that still ends as early; ends grow with the gate.
    const grid = PLANNER_DEFAULTS.recommendationRounding * MINUTE;
    const candidates: number[] = [];
    for (let t = Math.ceil(gateAt / grid) * grid - grid; t >= earliest; t -= grid) candidates.push(t);
    candidates.push(earliest);
    const replan = (at: number) => {
      const { ctx: c, best } = scheduleCore(window, base, whatIf(at));
      const pageUpMinutes = pageUpRaw(c, best.schedule, best.end).reduce((sum, i) => sum + (i.to - i.from) / MINUTE, 0);
      return { end: best.end, makespanMinutes: (best.end - c.windowStart) / MINUTE, pageUpMinutes };
    };
    let lo = 0;
    let hi = candidates.length - 1;
    let chosen = replan(candidates[hi]!);
    let chosenAt = candidates[hi]!;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const attempt = replan(candidates[mid]!);
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
      makespanMinutes: chosen.makespanMinutes,
      pageUpMinutes: chosen.pageUpMinutes,
      message:
        `start ${targetType === 'step' ? '' : `${targetType} `}${name} at ${zoneText(chosenAt)} ("${text}") instead of "${node.notBefore!.text}": ` +
        `the window ends ${formatMinutes(saved)} earlier (${formatMinutes(chosen.makespanMinutes)} instead of ${formatMinutes(plan.makespanMinutes)}) ` +
        `and every pool stays at or above its floor (earliest possible ${formatZoneTime(earliest, window.timeZone)})${note}`,
    });
  }
  return result.sort((a, b) => b.minutesSaved - a.minutesSaved || a.target.localeCompare(b.target));
}

/** Gated phase and block starts a step waits for through its position. */
function enclosingStartGates(ctx: Context, stepId: string): { label: string; text: string; at: number }[] {
  const out: { label: string; text: string; at: number }[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    const node = ctx.graph.nodes.get(id);
    if (!node || seen.has(id) || (node.type !== 'phase-start' && node.type !== 'block-start')) return;
    seen.add(id);
    const at = ctx.gates.get(id);
    if (at !== undefined) out.push({ label: `${node.type === 'phase-start' ? 'phase' : 'block'} ${id.replace(/@start$/, '')}`, text: node.notBefore!.text, at });
    node.deps.forEach(visit);
  };
  ctx.graph.nodes.get(stepId)?.deps.forEach(visit);
  return out;
}

/** "Sunday 03:55", or the dated form, with the offset inside a fall-back hour; always resolves back to `at`. */
function wallText(window: WindowDef, at: number): string {
  const local = DateTime.fromMillis(at, { zone: window.timeZone }).setLocale('en-US');
  for (const form of [local.toFormat('cccc HH:mm'), local.toFormat('yyyy-MM-dd HH:mm')]) {
    for (const text of [form, `${form} ${local.toFormat('ZZ')}`]) {
      const parsed = parseWallTime(text);
      if (typeof parsed === 'string') continue;
      const resolved = resolveWallTime(parsed, window.date, window.timeZone);
      if (resolved.ok && resolved.epochMs === at) return text;
    }
  }
  throw new Error(`cannot write ${local.toISO()} as a wall-clock time in ${window.timeZone}`);
}
