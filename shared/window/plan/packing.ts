/**
 * The shortest time `m` slots can take to process jobs of the given lengths, each on one slot
 * without interruption: identical parallel machines, makespan (P||Cmax). Members out of a pool
 * are such jobs: at most capacity of them overlap, so their intervals can be laid on that many
 * slots (interval graphs are perfect), and any schedule of the window needs at least this long.
 *
 * Lower bounds (Dell'Amico and Martello, "Optimal scheduling of tasks on identical parallel
 * processors", ORSA Journal on Computing 7, 1995): the average load, the longest job, and for
 * each k the sum of the k+1 shortest of the k·m+1 longest jobs (some slot gets k+1 of them).
 * An upper bound from longest-processing-time-first; when they differ, a depth-first branch
 * and bound proves the optimum within a node budget, else the lower bound stands.
 */

export interface Packing {
  /** The optimum when exact, else a lower bound on it. */
  minutes: number;
  exact: boolean;
}

const NODE_BUDGET = 20_000;
const cache = new Map<string, Packing>();

export function packingBound(lengths: readonly number[], slots: number): Packing {
  const jobs = [...lengths].sort((a, b) => b - a);
  if (jobs.length === 0) return { minutes: 0, exact: true };
  if (slots <= 0) return { minutes: Infinity, exact: true };
  if (jobs.length <= slots) return { minutes: jobs[0]!, exact: true };
  const key = `${slots}|${jobs.join(',')}`;
  const known = cache.get(key);
  if (known) return known;
  const lower = lowerBound(jobs, slots);
  const upper = lpt(jobs, slots);
  let result: Packing;
  if (upper - lower < 1e-9) result = { minutes: lower, exact: true };
  else {
    const proven = branchAndBound(jobs, slots, lower, upper);
    result = proven === undefined ? { minutes: lower, exact: false } : { minutes: proven, exact: true };
  }
  if (cache.size > 5000) cache.clear();
  cache.set(key, result);
  return result;
}

/** Dell'Amico–Martello L0, L1 and the L_k family, for jobs sorted longest first. */
function lowerBound(jobs: number[], m: number): number {
  const total = jobs.reduce((a, b) => a + b, 0);
  let bound = Math.max(total / m, jobs[0]!);
  for (let k = 1; k * m < jobs.length; k++) {
    let sum = 0;
    // The k+1 shortest among the k·m+1 longest: positions k·m−k … k·m (0-based).
    for (let i = k * m - k; i <= k * m; i++) sum += jobs[i]!;
    bound = Math.max(bound, sum);
  }
  return bound;
}

function lpt(jobs: number[], m: number): number {
  const loads = new Array<number>(m).fill(0);
  for (const p of jobs) {
    let k = 0;
    for (let j = 1; j < m; j++) if (loads[j]! < loads[k]!) k = j;
    loads[k]! += p;
  }
  return Math.max(...loads);
}

/** The optimum, or undefined when the node budget runs out first. */
function branchAndBound(jobs: number[], m: number, lower: number, upper: number): number | undefined {
  let best = upper;
  let nodes = 0;
  const loads = new Array<number>(m).fill(0);
  const suffix = new Array<number>(jobs.length + 1).fill(0);
  for (let j = jobs.length - 1; j >= 0; j--) suffix[j] = suffix[j + 1]! + jobs[j]!;
  let aborted = false;
  const visit = (j: number, maxLoad: number, placed: number): void => {
    if (aborted || best - lower < 1e-9) return;
    if (++nodes > NODE_BUDGET) {
      aborted = true;
      return;
    }
    if (j === jobs.length) {
      best = maxLoad;
      return;
    }
    // Even spreading of what is left cannot beat the best found.
    if (Math.max(maxLoad, (placed + suffix[j]!) / m) >= best - 1e-9) return;
    const tried = new Set<number>();
    for (let k = 0; k < m; k++) {
      const load = loads[k]!;
      if (tried.has(load) || load + jobs[j]! >= best - 1e-9) continue;
      tried.add(load);
      loads[k] = load + jobs[j]!;
      visit(j + 1, Math.max(maxLoad, loads[k]!), placed + jobs[j]!);
      loads[k] = load;
    }
  };
  visit(0, 0, 0);
  return aborted ? undefined : best;
}
