import type { StepKind } from '../schema';

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

export const MINUTE = 60_000;
