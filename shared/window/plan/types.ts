import type { StepKind } from '../schema';

/** The plan's public shape: what `mw plan` prints, `--json` emits and the runbook reads. */

export interface PlanOptions {
  /** Extra display zones (beside the window's own `displayZones`). */
  zones?: string[];
  /** Node ids whose not-before time is ignored (used for what-if re-plans). */
  ignoreNotBefore?: string[];
  /** Fixes the window start instead of taking the earliest resolved start. */
  windowStartMs?: number;
  /** Re-plan without each binding not-before gate and recommend earlier starts (default true). */
  recommend?: boolean;
  /**
   * How many schedules the search may build before it settles (each costs one pass over the
   * window's units; default 400 to 3,000, more for smaller windows). The search is
   * deterministic; this only trades time for quality.
   */
  searchEvaluations?: number;
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

/** A patch batch: members drained together, patched, checked and put back. A step's batches run one after another. */
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
  /**
   * A maintenance page put up later than its dependencies allow, so customers see it for
   * less time while the window still ends as early: the run holds the step until then.
   */
  holdUntil?: PlanTime;
  /** The seed's time for the step (`expect:`), and how many minutes later than it the plan starts it (absent when on time). */
  expectBy?: PlanTime;
  lateMinutes?: number;
  /** Why the window plans the step later than the seed's time (`expect: { at, why }`). */
  lateBecause?: string;
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
  | { kind: 'decision-at'; at: PlanTime }
  | { kind: 'page-hold'; at: PlanTime };

/** One step or patch batch on the critical path. */
export interface CriticalLink {
  id: string;
  type: 'step' | 'batch';
  stepId: string;
  start: PlanTime;
  end: PlanTime;
  boundBy: CriticalBound;
}

/**
 * A capacity bound for one pool (or group concurrency): no schedule ends before the members
 * released at or after `releasedAt` are packed into the members that may be out at once,
 * plus the work that must follow the last of them.
 */
export interface CapacityBound {
  resource: string;
  kind: 'pool' | 'group';
  /** Members that may be out at once (pool size − floor, or the group's maxConcurrency). */
  capacity: number;
  /** Member-minutes of patch work (each member's patch time + batch overhead), all members. */
  workMinutes: number;
  /** Earliest the binding members can start (their release in the relaxed schedule). */
  releasedAt: PlanTime;
  /** The binding members (those released at or after releasedAt whose tails are at least tailMinutes). */
  members: string[];
  /** The shortest time the binding members can be packed into `capacity` slots. */
  packMinutes: number;
  /** True when packMinutes is the optimal packing (proven by search), false when it is a lower bound on it. */
  packExact: boolean;
  /**
   * `packing`: the best packing of the members released from releasedAt on; `energy`: the work
   * of every member (those released earlier too) that cannot be done before releasedAt, over
   * the slots (docs/planner.md).
   */
  basis: 'packing' | 'energy';
  /** Work that must follow the last of them: minutes and the steps of that chain. */
  tailMinutes: number;
  tail: string[];
  /** Bound on the window's length, from the window start. */
  minutes: number;
}

export interface LowerBound {
  minutes: number;
  /** The longest chain of dependencies and gates with unlimited pool capacity. */
  criticalPathMinutes: number;
  /** That chain, as step (and phase/block start) ids. */
  criticalPathSteps: string[];
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
  /** No schedule, however its steps are arranged, keeps this page up for less (see docs/planner.md). */
  lowerBoundMinutes: number;
  /** The work between the up and the down steps that gives the bound. */
  lowerBoundPath: string[];
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

/** How patch batches were composed (the search keeps the composition with the better plan). */
export type Batching = 'longest-first' | 'file-order';

/** What the search did, for people comparing the plan with its bound. */
export interface SearchSummary {
  /** Schedules built. */
  evaluations: number;
  /** True when the makespan equals its lower bound, so no schedule can end earlier. */
  provenOptimal: boolean;
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
  batching: Batching;
  search: SearchSummary;
  phases: PlannedPhase[];
  steps: PlannedStep[];
  /** From the window start to the end, each element bound by the one before. */
  criticalPath: CriticalLink[];
  pageUp: { minutes: number; lowerBoundMinutes: number; intervals: PageUpInterval[] };
  pools: PoolCapacity[];
  budget?: BudgetFit;
  recommendations: Recommendation[];
}
