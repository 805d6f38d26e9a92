import { MINUTE } from './defaults';
import { buildNet, groupResource, poolResource, type Context, type Net } from './model';
import { packingBound } from './packing';
import { serialSchedule, type Timing } from './schedule';
import type { CapacityBound, LowerBound, PlanTime } from './types';

/**
 * Lower bounds: no feasible schedule of the window ends earlier, or keeps a maintenance page
 * up for less. Both stand on the relaxed view (model.ts): each patch step one unit of its
 * shortest possible span, unlimited pool capacity, every gate kept. See docs/planner.md.
 */

export interface Relaxation {
  net: Net;
  timing: Timing;
  /** Per unit: the longest chain of work that must follow its end (gates and decisions ignored). */
  tails: number[];
}

export function relax(ctx: Context): Relaxation {
  const net = buildNet(ctx, 'relaxed');
  const timing = serialSchedule(net, ctx, net.acts.map((a) => a.order), { limited: false });
  const tails = new Array<number>(net.acts.length).fill(0);
  for (let k = net.topo.length - 1; k >= 0; k--) {
    const i = net.topo[k]!;
    let q = 0;
    for (const s of net.succs[i]!) q = Math.max(q, net.acts[s]!.durationMs + tails[s]!);
    // A rollout that must finish after this unit ends a lag later at the earliest.
    for (const s of net.faSuccs[i]!) q = Math.max(q, net.acts[s]!.finishAfterLagMs + tails[s]!);
    tails[i] = q;
  }
  return { net, timing, tails };
}

interface Job {
  member: string;
  step: number;
  head: number;
  minutes: number;
  tail: number;
  /** The most members of its step out of this resource at once. */
  width: number;
}

interface Capacity {
  end: number;
  head: number;
  tail: number;
  members: string[];
  pack: number;
  exact: boolean;
  basis: 'packing' | 'energy';
  step: number;
}

/**
 * The best, over release times h and tail lengths q of the resource's jobs, of
 *   h + the best packing of the jobs released at or after h with tails ≥ q + q, and
 *   h + the work of the jobs with tails ≥ q that cannot be done before h, over the slots, + q.
 * The second (energetic reasoning) counts jobs released before h: a job can have done at
 * most h − its release before h, and a step at most its widest batch times that.
 */
function capacityBound(jobs: Job[], slots: number): Capacity | undefined {
  if (jobs.length === 0) return undefined;
  const heads = [...new Set(jobs.map((j) => j.head))].sort((a, b) => a - b);
  const tails = [...new Set(jobs.map((j) => j.tail))].sort((a, b) => a - b);
  let best: Capacity | undefined;
  const consider = (c: Capacity) => {
    if (!best || c.end > best.end + 1e-6) best = c;
  };
  for (const h of heads) {
    for (const q of tails) {
      const chosen = jobs.filter((j) => j.head >= h && j.tail >= q);
      const lastStep = (list: Job[]) => list.reduce((a, b) => (b.tail < a.tail ? b : a)).step;
      if (chosen.length > 0) {
        const pack = packingBound(
          chosen.map((j) => j.minutes),
          slots,
        );
        consider({ end: h + pack.minutes * MINUTE + q, head: h, tail: q, members: chosen.map((j) => j.member), pack: pack.minutes, exact: pack.exact, basis: 'packing', step: lastStep(chosen) });
      }
      const all = jobs.filter((j) => j.tail >= q);
      const bySteps = new Map<number, Job[]>();
      for (const j of all) bySteps.set(j.step, [...(bySteps.get(j.step) ?? []), j]);
      let energy = 0;
      const left: Job[] = [];
      for (const list of bySteps.values()) {
        const before = Math.max(0, h - list[0]!.head) / MINUTE;
        const pieces = list.reduce((sum, j) => sum + Math.max(0, j.minutes - before), 0);
        const whole = list.reduce((sum, j) => sum + j.minutes, 0) - list[0]!.width * before;
        const rest = Math.max(pieces, whole);
        if (rest > 0) left.push(...list.filter((j) => j.minutes > before || whole > 0));
        energy += Math.max(0, rest);
      }
      if (energy > 0 && left.length > 0) consider({ end: h + (energy / slots) * MINUTE + q, head: h, tail: q, members: left.map((j) => j.member), pack: energy / slots, exact: false, basis: 'energy', step: lastStep(left) });
    }
  }
  return best;
}

/** The most of a step's members out of a resource at once: its widest batch, the resource's slots, how many it has there. */
function widen(jobs: Job[], step: number, largest: number, slots: number): void {
  const mine = jobs.filter((j) => j.step === step);
  for (const j of mine) j.width = Math.min(largest, slots, mine.length);
}

/** The chain of steps behind a unit's tail: at each step, the successor that carries the longest rest. */
function tailPath(net: Net, tails: number[], from: number): string[] {
  const path: string[] = [];
  let i = from;
  for (let guard = 0; guard < net.acts.length; guard++) {
    let next: number | undefined;
    for (const s of net.succs[i]!) if (tails[i]! === net.acts[s]!.durationMs + tails[s]! && (next === undefined || net.acts[s]!.durationMs > 0)) next = s;
    if (next === undefined) for (const s of net.faSuccs[i]!) if (tails[i]! === net.acts[s]!.finishAfterLagMs + tails[s]!) next = s;
    if (next === undefined || tails[i] === 0) break;
    if (net.acts[next]!.type === 'step') path.push(net.acts[next]!.id);
    i = next;
  }
  return path;
}

/** The binding chain of the relaxed schedule, walked back from the unit that ends last. */
function relaxedPath(r: Relaxation): string[] {
  const { net, timing } = r;
  let i = timing.end.indexOf(timing.last);
  const path: string[] = [];
  for (let guard = 0; i >= 0 && guard <= net.acts.length; guard++) {
    const a = net.acts[i]!;
    if (a.type === 'step' && !a.notDoing) path.push(a.id);
    else if (a.type === 'marker' && a.release !== undefined && timing.startBound[i]!.kind === 'not-before') path.push(`${a.id.replace(/@start$/, '')} (start)`);
    const b = timing.endBound[i] ?? timing.startBound[i]!;
    i = 'on' in b ? b.on : -1;
  }
  return path.reverse();
}

/**
 * max(the relaxed critical path, each resource's capacity bound). A resource's bound, over
 * release times r and tail lengths q of its members' patch work: r + the best packing of the
 * members released at or after r whose tails are at least q into its free slots, + q.
 */
export function makespanBound(ctx: Context, r: Relaxation, time: (ms: number) => PlanTime): LowerBound {
  const criticalPathMinutes = (r.timing.last - ctx.windowStart) / MINUTE;
  const capacity: CapacityBound[] = [];
  const ends: number[] = [];
  ctx.resources.forEach((resource) => {
    const jobs: Job[] = [];
    r.net.acts.forEach((a, i) => {
      if (!a.work) return;
      const step = ctx.graph.nodes.get(a.nodeId)!.step;
      for (const w of a.work) {
        const uses = resource.kind === 'pool' ? w.pools.some((p) => poolResource(p) === resource.id) : step?.kind === 'patch' && groupResource(step.group) === resource.id;
        if (uses) jobs.push({ member: w.member, step: i, head: r.timing.start[i]!, minutes: w.minutes, tail: r.tails[i]!, width: 0 });
      }
      widen(jobs, i, a.largestBatch ?? 1, resource.capacity);
    });
    const bound = capacityBound(jobs, resource.capacity);
    if (!bound) return;
    ends.push(bound.end);
    capacity.push({
      resource: resource.name,
      kind: resource.kind,
      capacity: resource.capacity,
      workMinutes: jobs.reduce((sum, j) => sum + j.minutes, 0),
      releasedAt: time(bound.head),
      members: bound.members,
      packMinutes: bound.pack,
      packExact: bound.exact,
      basis: bound.basis,
      tailMinutes: bound.tail / MINUTE,
      tail: tailPath(r.net, r.tails, bound.step),
      minutes: (bound.end - ctx.windowStart) / MINUTE,
    });
  });
  // Pools first, so a pool names the bound when a group's limit ties with it.
  const top = capacity.reduce<CapacityBound | undefined>((a, b) => (!a || b.minutes > a.minutes + 1e-9 || (Math.abs(b.minutes - a.minutes) < 1e-9 && a.kind === 'group' && b.kind === 'pool') ? b : a), undefined);
  const capacityMinutes = top?.minutes ?? 0;
  const binds = top && capacityMinutes > criticalPathMinutes + 1e-9 ? 'capacity' : 'critical-path';
  return {
    minutes: Math.max(criticalPathMinutes, capacityMinutes),
    criticalPathMinutes,
    criticalPathSteps: relaxedPath(r),
    capacityMinutes,
    capacity,
    binds,
    ...(binds === 'capacity' ? { bindingResource: top!.resource } : {}),
  };
}

/**
 * The least time the page put up by `up` must stay up: 0 when some down step of its page is
 * not ordered after it (the pairing could take that one at once); otherwise, for the down step
 * that gives the least, the longest chain of work between them, or the packing of the pools'
 * work between them with its heads and tails, whichever is more. Gates between them do not
 * count: the page could go up later.
 */
export function pageUpBound(ctx: Context, r: Relaxation, upId: string): { minutes: number; path: string[] } {
  const { net } = r;
  const up = net.index.get(upId)!;
  const page = net.acts[up]!.page!.page;
  const downs = net.acts.map((a, i) => (a.page?.page === page && a.page.action === 'down' ? i : -1)).filter((i) => i >= 0);
  let best: { minutes: number; path: string[] } | undefined;
  for (const down of downs) {
    const gap = gapBetween(ctx, r, up, down);
    if (!best || gap.minutes < best.minutes) best = gap;
    if (best.minutes === 0) break;
  }
  return best ?? { minutes: 0, path: [] };
}

function gapBetween(ctx: Context, r: Relaxation, up: number, down: number): { minutes: number; path: string[] } {
  const { net } = r;
  const n = net.acts.length;
  // Earliest start of each unit after the up step ends, counting durations only (time 0 = the up's end).
  const from = new Array<number>(n).fill(-Infinity);
  const after = new Array<number>(n).fill(-Infinity);
  const via = new Array<number>(n).fill(-1);
  after[up] = 0;
  for (let k = net.topoPos[up]! + 1; k < net.topo.length; k++) {
    const i = net.topo[k]!;
    for (const p of net.preds[i]!) {
      if (after[p]! > from[i]!) {
        from[i] = after[p]!;
        via[i] = p;
      }
    }
    if (from[i] === -Infinity) continue;
    let e = from[i]! + net.acts[i]!.durationMs;
    for (const p of net.faPreds[i]!) if (after[p]! > -Infinity) e = Math.max(e, after[p]! + net.acts[i]!.finishAfterLagMs);
    after[i] = e;
  }
  if (from[down] === -Infinity) return { minutes: 0, path: [] };
  // The longest rest from each unit's end to the down step's start, among units the down waits for.
  const rest = new Array<number>(n).fill(-Infinity);
  rest[down] = 0;
  for (let k = net.topoPos[down]! - 1; k > net.topoPos[up]!; k--) {
    const i = net.topo[k]!;
    for (const s of net.succs[i]!) if (rest[s]! > -Infinity) rest[i] = Math.max(rest[i]!, s === down ? 0 : net.acts[s]!.durationMs + rest[s]!);
    for (const s of net.faSuccs[i]!) if (rest[s]! > -Infinity && s !== down) rest[i] = Math.max(rest[i]!, net.acts[s]!.finishAfterLagMs + rest[s]!);
  }
  let minutes = from[down]! / MINUTE;
  const path: string[] = [];
  for (let i = via[down]!; i >= 0 && i !== up; i = via[i]!) if (net.acts[i]!.type === 'step') path.push(net.acts[i]!.id);
  path.reverse();
  ctx.resources.forEach((resource) => {
    const jobs: Job[] = [];
    net.acts.forEach((a, i) => {
      if (!a.work || from[i] === -Infinity || rest[i] === -Infinity) return;
      const step = ctx.graph.nodes.get(a.nodeId)!.step;
      for (const w of a.work) {
        const uses = resource.kind === 'pool' ? w.pools.some((p) => poolResource(p) === resource.id) : step?.kind === 'patch' && groupResource(step.group) === resource.id;
        if (uses) jobs.push({ member: w.member, step: i, head: from[i]!, minutes: w.minutes, tail: rest[i]!, width: 0 });
      }
      widen(jobs, i, a.largestBatch ?? 1, resource.capacity);
    });
    const bound = capacityBound(jobs, resource.capacity);
    if (bound && bound.end / MINUTE > minutes + 1e-9) {
      minutes = bound.end / MINUTE;
      path.splice(0, path.length, `${resource.kind} ${resource.name}: ${bound.members.join(', ')}`);
    }
  });
  return { minutes, path };
}
