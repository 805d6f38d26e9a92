import { batchRules, buildNet, compositionKeepsRules, greedyCompositions, type BatchRules, type Compositions, type Context, type Net } from './model';
import { justify, serialSchedule, type Timing } from './schedule';
import type { Batching } from './types';
import { seededRandom } from '../../random';

/**
 * The search for a short schedule when patch steps share pools. A candidate is a batch
 * composition (each patch step's batches, in order) and a priority order of the batches; the
 * serial scheme turns it into a schedule. It starts from greedy compositions (longest first
 * or file order, then smaller batch caps for steps that waited for a pool) under the classic
 * priority rules (latest finish time first, longest remaining chain first, earliest start,
 * file order), each justified. Then a seeded local search changes compositions (split or
 * merge batches, move or swap a member) and orders (swap or move a batch), keeping any change
 * that is no worse and, early on, now and then one that is a little worse (annealing): the
 * activity-list searches surveyed by Kolisch and Hartmann ("Experimental
 * investigation of heuristics for resource-constrained project scheduling: an update", EJOR
 * 174, 2006), with compositions as a second neighbourhood. It stops as soon as a schedule
 * meets the lower bound, since nothing ends earlier.
 */

export interface Candidate {
  batching: Batching;
  compositions: Compositions;
  net: Net;
  keys: number[];
  timing: Timing;
}

/**
 * Default number of schedules the search may build: more for small windows, where a schedule
 * costs little, fewer for large ones (a window of 40 units gets 2,500; one of 1,000 gets 400).
 */
export function defaultEvaluations(units: number): number {
  return Math.max(400, Math.min(3000, Math.round(100_000 / Math.max(1, units))));
}

export interface SearchResult {
  best: Candidate;
  evaluations: number;
}

interface Search {
  ctx: Context;
  boundEnd: number;
  budget: number;
  evaluations: number;
}

const finished = (s: Search, c: Candidate | undefined) => c !== undefined && (c.timing.last <= s.boundEnd || s.evaluations >= s.budget);
const better = (a: Candidate, b: Candidate | undefined) => !b || a.timing.last < b.timing.last;

export function searchSchedule(ctx: Context, boundEnd: number, budget?: number): SearchResult {
  // Nothing shares a resource: every unit starts as early as it can, and that is optimal.
  const compositions = greedyCompositions(ctx, 'longest-first', new Map());
  const net = buildNet(ctx, 'planned', compositions);
  const s: Search = { ctx, boundEnd, budget: budget ?? defaultEvaluations(net.acts.length), evaluations: 0 };
  if (!net.acts.some((a) => a.uses.length > 0)) {
    const timing = serialSchedule(net, ctx, net.acts.map((a) => a.order), { limited: true });
    return { best: { batching: 'longest-first', compositions, net, keys: timing.start, timing }, evaluations: 1 };
  }
  let best = evaluate(s, 'longest-first', compositions);
  if (!finished(s, best)) {
    const inFileOrder = evaluate(s, 'file-order', greedyCompositions(ctx, 'file-order', new Map()));
    if (better(inFileOrder, best)) best = inFileOrder;
  }
  if (!finished(s, best)) {
    const capped = enumerateCaps(s, best) ?? descendCaps(s, best.batching);
    if (better(capped, best)) best = capped;
  }
  best = localSearch(s, best);
  return { best, evaluations: s.evaluations };
}

/**
 * Every combination of batch caps for the patch steps that share a resource (up to each
 * step's largest batch), when there are few enough to try within a third of the budget: the
 * combinations that matter (one step in smaller batches so another fits beside it) change two
 * steps at once, which a one-step-at-a-time descent cannot see. Undefined when too many.
 */
function enumerateCaps(s: Search, start: Candidate): Candidate | undefined {
  const steps = [...sharingSteps(start.net)];
  if (steps.length === 0) return start;
  const largest = steps.map((id) => Math.max(...start.net.acts.filter((a) => a.type === 'batch' && a.nodeId === id).map((a) => a.members!.length)));
  const combinations = largest.reduce((n, k) => n * k, 1);
  if (combinations > s.budget / 3) return undefined;
  let best = start;
  const caps = largest.slice();
  for (let i = 0; i < combinations && !finished(s, best); i++) {
    // Mixed-radix count down from the largest caps.
    let rest = i;
    steps.forEach((_, j) => {
      caps[j] = largest[j]! - (rest % largest[j]!);
      rest = Math.floor(rest / largest[j]!);
    });
    if (i === 0) continue;
    const attempt = evaluate(s, start.batching, greedyCompositions(s.ctx, start.batching, new Map(steps.map((id, j) => [id, caps[j]!]))), 'first');
    if (better(attempt, best)) best = attempt;
  }
  // The other priority rules on the best composition.
  if (!finished(s, best)) {
    const again = evaluate(s, best.batching, best.compositions);
    if (better(again, best)) best = again;
  }
  return best;
}

/** The best of the priority rules, each justified, for one composition. */
function evaluate(s: Search, batching: Batching, compositions: Compositions, rules: 'all' | 'first' = 'all'): Candidate {
  const net = buildNet(s.ctx, 'planned', compositions);
  let best: Candidate | undefined;
  for (const keys of priorityRules(net, s.ctx, rules)) {
    const timing = justify(net, s.ctx, serialSchedule(net, s.ctx, keys, { limited: true }));
    s.evaluations += 2;
    const candidate = { batching, compositions, net, keys: timing.start, timing };
    if (better(candidate, best)) best = candidate;
    if (finished(s, best)) break;
  }
  return best!;
}

/**
 * Smaller batches leave room for another step sharing the pool. For each patch step whose
 * batches waited for a pool (or made another wait), try smaller caps and keep the first that
 * shortens the window.
 */
function descendCaps(s: Search, batching: Batching): Candidate {
  const caps = new Map<string, number>();
  let best = evaluate(s, batching, greedyCompositions(s.ctx, batching, caps), 'first');
  for (let round = 0; round < 8 && !finished(s, best); round++) {
    const { net, timing } = best;
    const involved = new Set<string>();
    net.acts.forEach((a, i) => {
      const b = timing.startBound[i]!;
      if (b.kind === 'pool-wait') involved.add(a.nodeId).add(net.acts[b.on]!.nodeId);
    });
    let improved = false;
    for (const stepId of involved) {
      const largest = Math.max(...net.acts.filter((a) => a.type === 'batch' && a.nodeId === stepId).map((a) => a.members!.length));
      for (let cap = largest - 1; cap >= 1 && !improved && !finished(s, best); cap--) {
        const next = new Map(caps).set(stepId, cap);
        const attempt = evaluate(s, batching, greedyCompositions(s.ctx, batching, next));
        if (attempt.timing.last < best.timing.last) {
          best = attempt;
          caps.set(stepId, cap);
          improved = true;
        }
      }
      if (improved) break;
    }
    if (!improved) break;
  }
  return best;
}

/** Priority keys (smaller first) for the units that use resources. */
function priorityRules(net: Net, ctx: Context, which: 'all' | 'first'): number[][] {
  const free = serialSchedule(net, ctx, net.acts.map((a) => a.order), { limited: false });
  const tails = tailLengths(net);
  // Latest finish with unlimited capacity: the end minus the longest chain after the unit.
  const lft = net.acts.map((_, i) => free.last - (tails[i]! - net.acts[i]!.durationMs));
  if (which === 'first') return [lft];
  return [lft, tails.map((t) => -t), free.start, net.acts.map((a) => a.order)];
}

/** The longest chain of durations from each unit's start to the end (its own included). */
export function tailLengths(net: Net): number[] {
  const tails = new Array<number>(net.acts.length).fill(0);
  for (let k = net.topo.length - 1; k >= 0; k--) {
    const i = net.topo[k]!;
    let longest = 0;
    for (const x of net.succs[i]!) longest = Math.max(longest, tails[x]!);
    for (const x of net.faSuccs[i]!) longest = Math.max(longest, net.acts[x]!.finishAfterLagMs + tails[x]! - net.acts[x]!.durationMs);
    tails[i] = net.acts[i]!.durationMs + longest;
  }
  return tails;
}

/** The planner's search is seeded: the same window plans the same on every run. */
export const seeded = seededRandom;

/**
 * Alternates two neighbourhoods and keeps any change that is no worse (plateaus are how such
 * searches get past ties): the order (swap the priorities of two batches that share a
 * resource, or move one next to another) and, for patch steps that share a resource with
 * another step, the composition (split a batch, merge two neighbours, move or swap members).
 */
function localSearch(s: Search, start: Candidate): Candidate {
  const random = seeded(0x6d77);
  const shared = sharingSteps(start.net);
  const rules = new Map([...shared].map((id) => [id, batchRules(s.ctx, id)]));
  let best = start;
  let current = start;
  const first = s.evaluations;
  // Annealing: early on, accept a change that is worse by about 1% of the makespan now and then; never at the end.
  const scale = 0.01 * (start.timing.last - s.ctx.windowStart);
  for (let tries = 0; !finished(s, best) && tries < 20 * s.budget; tries++) {
    const left = 1 - (s.evaluations - first) / Math.max(1, s.budget - first);
    const temperature = scale * Math.max(0, left);
    const next = random() < 0.5 && rules.size > 0 ? recompose(s, current, rules, random) : reorder(s, current, random, temperature);
    if (!next) continue;
    const worse = next.timing.last - current.timing.last;
    if (worse <= 0 || (temperature > 0 && random() < Math.exp(-worse / temperature))) {
      current = next;
      if (better(current, best)) best = current;
    }
  }
  return best;
}

/** Patch steps whose batches draw on a resource another patch step also draws on. */
function sharingSteps(net: Net): Set<string> {
  const stepsOf = new Map<number, Set<string>>();
  for (const a of net.acts) for (const u of a.uses) stepsOf.set(u.resource, (stepsOf.get(u.resource) ?? new Set()).add(a.nodeId));
  const result = new Set<string>();
  for (const steps of stepsOf.values()) if (steps.size > 1) steps.forEach((id) => result.add(id));
  return result;
}

function reorder(s: Search, current: Candidate, random: () => number, temperature: number): Candidate | undefined {
  const { net } = current;
  const users = net.acts.map((a, i) => (a.uses.length > 0 ? i : -1)).filter((i) => i >= 0);
  if (users.length < 2) return undefined;
  const x = users[Math.floor(random() * users.length)]!;
  const y = users[Math.floor(random() * users.length)]!;
  if (x === y || !net.acts[x]!.uses.some((u) => net.acts[y]!.uses.some((v) => v.resource === u.resource))) return undefined;
  const keys = [...current.keys];
  if (random() < 0.5) [keys[x], keys[y]] = [keys[y]!, keys[x]!];
  else keys[x] = keys[y]! - (random() < 0.5 ? 1 : -1);
  let timing = serialSchedule(net, s.ctx, keys, { limited: true });
  s.evaluations += 1;
  if (timing.last > current.timing.last + 3 * temperature) return undefined;
  timing = justify(net, s.ctx, timing);
  s.evaluations += 1;
  return { ...current, keys: timing.start, timing };
}

function recompose(s: Search, current: Candidate, rules: Map<string, BatchRules>, random: () => number): Candidate | undefined {
  const ids = [...rules.keys()];
  const stepId = ids[Math.floor(random() * ids.length)]!;
  const rule = rules.get(stepId)!;
  const batches = current.compositions.get(stepId)!.map((b) => [...b]);
  const pick = () => Math.floor(random() * batches.length);
  const move = random();
  if (move < 0.3) {
    // Rechunk: every batch at most k members, longest first, in as few and as even batches as that allows.
    const k = 1 + Math.floor(random() * rule.limit);
    const sorted = batches.flat().sort((a, b) => rule.minutes.get(b)! - rule.minutes.get(a)!);
    const count = Math.ceil(sorted.length / k);
    const even = random() < 0.5;
    batches.splice(0, batches.length);
    for (let i = 0, from = 0; i < count; i++) {
      const size = even ? Math.ceil((sorted.length - from) / (count - i)) : Math.min(k, sorted.length - from);
      batches.push(sorted.slice(from, from + size));
      from += size;
    }
    if (random() < 0.5) batches.reverse();
  } else if (move < 0.45) {
    // Split: the batch's longest members stay, the rest follow in a new batch.
    const i = pick();
    const batch = batches[i]!;
    if (batch.length < 2) return undefined;
    const sorted = [...batch].sort((a, b) => rule.minutes.get(b)! - rule.minutes.get(a)!);
    const cut = 1 + Math.floor(random() * (batch.length - 1));
    batches.splice(i, 1, sorted.slice(0, cut), sorted.slice(cut));
  } else if (move < 0.6) {
    // Merge a batch into the next.
    if (batches.length < 2) return undefined;
    const i = Math.floor(random() * (batches.length - 1));
    batches.splice(i, 2, [...batches[i]!, ...batches[i + 1]!]);
  } else if (move < 0.8) {
    // Move one member to another batch.
    if (batches.length < 2) return undefined;
    const from = pick();
    const to = pick();
    if (from === to) return undefined;
    const [member] = batches[from]!.splice(Math.floor(random() * batches[from]!.length), 1);
    batches[to]!.push(member!);
    if (batches[from]!.length === 0) batches.splice(from, 1);
  } else {
    // Swap two members of different batches.
    if (batches.length < 2) return undefined;
    const a = pick();
    const b = pick();
    if (a === b) return undefined;
    const i = Math.floor(random() * batches[a]!.length);
    const j = Math.floor(random() * batches[b]!.length);
    [batches[a]![i], batches[b]![j]] = [batches[b]![j]!, batches[a]![i]!];
  }
  if (!compositionKeepsRules(rule, batches)) return undefined;
  const compositions = new Map(current.compositions).set(stepId, batches);
  return evaluate(s, current.batching, compositions, 'first');
}
