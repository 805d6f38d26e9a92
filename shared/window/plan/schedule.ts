import type { Context, Net } from './model';

/**
 * Schedule generation. The serial schedule-generation scheme: take the ready unit with the
 * best priority and put it at the first instant its dependencies, its not-before time and
 * every resource it draws on allow for its whole length (Kolisch, "Serial and parallel
 * resource-constrained project scheduling methods revisited", EJOR 90, 1996). Every priority
 * order gives an active schedule, and some order gives an optimal one, so the search only
 * has to find a good order. Justification shifts units right, then left, and never makes a
 * schedule longer (Valls, Ballestín and Quintanilla, "Justification and RCPSP: a technique
 * that pays", EJOR 165, 2005).
 */

/** What decided a unit's start (or, for finish-after and decisions, its end); `on` is a unit index. */
export type Bound =
  | { kind: 'window-start' }
  | { kind: 'dependency'; on: number }
  | { kind: 'not-before' }
  | { kind: 'hold' }
  | { kind: 'pool-wait'; resource: number; on: number }
  | { kind: 'finish-after'; on: number }
  | { kind: 'decision-at'; at: number };

export interface Timing {
  start: number[];
  end: number[];
  startBound: Bound[];
  endBound: (Bound | undefined)[];
  /** The last end (at least the window start). */
  last: number;
}

/** Resource use over time: a step function of segments [times[k], times[k+1]). */
class Profile {
  times: number[] = [-Infinity];
  usage: number[] = [0];
  placed: { start: number; end: number; act: number }[] = [];

  constructor(readonly capacity: number) {}

  private locate(x: number): number {
    let lo = 0;
    let hi = this.times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.times[mid]! <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** End of the first segment in [a, b) without room for `amount`; undefined when all have room. */
  firstBlockEnd(a: number, b: number, amount: number): number | undefined {
    for (let k = this.locate(a); k < this.times.length && this.times[k]! < b; k++) {
      if (this.usage[k]! + amount > this.capacity) return this.times[k + 1] ?? Infinity;
    }
    return undefined;
  }

  /** Start of the last segment in [a, b) without room for `amount`; undefined when all have room. */
  lastBlockStart(a: number, b: number, amount: number): number | undefined {
    let found: number | undefined;
    for (let k = this.locate(a); k < this.times.length && this.times[k]! < b; k++) {
      if (this.usage[k]! + amount > this.capacity) found = this.times[k]!;
    }
    return found;
  }

  private split(x: number): number {
    const k = this.locate(x);
    if (this.times[k] === x) return k;
    this.times.splice(k + 1, 0, x);
    this.usage.splice(k + 1, 0, this.usage[k]!);
    return k + 1;
  }

  add(a: number, b: number, amount: number, act: number): void {
    if (b <= a) return;
    const from = this.split(a);
    const to = this.split(b);
    for (let k = from; k < to; k++) this.usage[k]! += amount;
    if (amount > 0) this.placed.push({ start: a, end: b, act });
    else this.placed = this.placed.filter((p) => !(p.act === act && p.start === a && p.end === b));
  }

  /** A unit whose interval ends at `t` (what a wait until `t` waited for). */
  endingAt(t: number): number | undefined {
    return this.placed.find((p) => p.end === t)?.act;
  }
}

/** A binary min-heap of unit indices by (key, topological position). */
class Ready {
  private heap: number[] = [];
  constructor(
    private readonly keys: ArrayLike<number>,
    private readonly pos: Int32Array,
  ) {}
  get size(): number {
    return this.heap.length;
  }
  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.pos[a]! < this.pos[b]!);
  }
  push(i: number): void {
    const h = this.heap;
    h.push(i);
    let c = h.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.less(h[c]!, h[p]!)) break;
      [h[c], h[p]] = [h[p]!, h[c]!];
      c = p;
    }
  }
  pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === c) break;
        [h[c], h[m]] = [h[m]!, h[c]!];
        c = m;
      }
    }
    return top;
  }
}

export interface ScheduleOptions {
  /** Draw on resources (false: unlimited capacity, the relaxation). */
  limited: boolean;
  /** Extra not-before instants by unit index (a maintenance page held later). */
  holds?: ReadonlyMap<number, number>;
}

/**
 * At a tie the bound that explains most wins: a dependency rather than a gate (moving the
 * gate would not help), but a gate rather than a chain that only waits for a held page.
 */
function rank(b: Bound, held: boolean[]): number {
  if (b.kind === 'dependency') return held[b.on]! ? 1.5 : 3;
  return b.kind === 'not-before' ? 2 : b.kind === 'hold' ? 1 : 0;
}

/** Units that use no resource go first once ready: their times do not depend on the order. */
export function serialSchedule(net: Net, ctx: Context, keys: ArrayLike<number>, options: ScheduleOptions): Timing {
  const { acts, preds, faPreds, succs, faSuccs } = net;
  const n = acts.length;
  const start = new Array<number>(n).fill(0);
  const end = new Array<number>(n).fill(0);
  const startBound = new Array<Bound>(n);
  const endBound = new Array<Bound | undefined>(n);
  const held = new Array<boolean>(n).fill(false);
  const profiles = options.limited ? net.resources.map((r) => new Profile(r.capacity)) : [];
  const effective = Float64Array.from({ length: n }, (_, i) => (options.limited && acts[i]!.uses.length > 0 ? keys[i]! : -Infinity));
  const ready = new Ready(effective, net.topoPos);
  const waiting = acts.map((_, i) => preds[i]!.length + faPreds[i]!.length);
  acts.forEach((_, i) => {
    if (waiting[i] === 0) ready.push(i);
  });
  let last = ctx.windowStart;

  while (ready.size > 0) {
    const i = ready.pop();
    const a = acts[i]!;
    let at = ctx.windowStart;
    let bound: Bound = { kind: 'window-start' };
    if (a.release !== undefined && a.release >= at) {
      at = a.release;
      bound = { kind: 'not-before' };
    }
    const hold = options.holds?.get(i);
    if (hold !== undefined && (hold > at || (hold === at && rank(bound, held) < 1))) {
      at = hold;
      bound = { kind: 'hold' };
    }
    for (const p of preds[i]!) {
      const e = end[p]!;
      if (e > at || (e === at && (held[p]! ? 1.5 : 3) > rank(bound, held))) {
        at = e;
        bound = { kind: 'dependency', on: p };
      }
    }
    let s = at;
    if (a.type === 'patch') {
      // The end of a chain of batches: it spans them.
      s = Math.min(...a.batchIds!.map((id) => start[net.index.get(id)!]!));
    } else if (options.limited && a.uses.length > 0) {
      const fit = firstFit(profiles, a.uses, at, a.durationMs, a.id, net);
      if (fit.start > at && fit.blocker !== undefined) bound = { kind: 'pool-wait', resource: fit.resource!, on: fit.blocker };
      s = fit.start;
      for (const use of a.uses) profiles[use.resource]!.add(s, s + a.durationMs, use.amount, i);
    }
    let e = a.type === 'patch' ? at : s + a.durationMs;
    let eb: Bound | undefined;
    if (a.finishNotBefore !== undefined && a.finishNotBefore > e) {
      e = a.finishNotBefore;
      eb = { kind: 'decision-at', at: e };
    }
    for (const p of faPreds[i]!) {
      const after = end[p]! + a.finishAfterLagMs;
      if (after > e) {
        e = after;
        eb = { kind: 'finish-after', on: p };
      }
    }
    start[i] = s;
    end[i] = e;
    startBound[i] = bound;
    endBound[i] = eb;
    held[i] = bound.kind === 'hold' || ((bound.kind === 'dependency' || bound.kind === 'pool-wait') && held[bound.on]!);
    if (e > last) last = e;
    for (const x of succs[i]!) if (--waiting[x]! === 0) ready.push(x);
    for (const x of faSuccs[i]!) if (--waiting[x]! === 0) ready.push(x);
  }
  return { start, end, startBound, endBound, last };
}

/** The earliest start ≥ `from` where every resource has room for the whole duration, and what it waited for. */
function firstFit(profiles: Profile[], uses: { resource: number; amount: number }[], from: number, duration: number, id: string, net: Net): { start: number; resource?: number; blocker?: number } {
  for (const use of uses) {
    const capacity = profiles[use.resource]!.capacity;
    if (use.amount > capacity) throw new Error(`${id} needs ${use.amount} of ${net.resources[use.resource]!.id} but only ${capacity} may be out at once`);
  }
  let t = from;
  for (let moved = true; moved; ) {
    moved = false;
    for (const use of uses) {
      const next = profiles[use.resource]!.firstBlockEnd(t, t + duration, use.amount);
      if (next !== undefined) {
        if (!Number.isFinite(next)) throw new Error(`${id}: no time satisfies its resources`);
        t = next;
        moved = true;
      }
    }
  }
  if (t === from) return { start: t };
  for (const use of uses) {
    const blocker = profiles[use.resource]!.endingAt(t);
    if (blocker !== undefined) return { start: t, resource: use.resource, blocker };
  }
  return { start: t };
}

/**
 * Shifts the units of `only` (all when undefined) as late as they can go without moving any
 * other unit and without ending after `deadline`, latest-ending first. Returns new start
 * times; ends and bounds are for the forward pass that follows to recompute.
 */
export function rightShift(net: Net, timing: Timing, deadline: number, only?: ReadonlySet<number>): number[] {
  const { acts, succs, faSuccs, faPreds } = net;
  const start = [...timing.start];
  const end = [...timing.end];
  const profiles = net.resources.map((r) => new Profile(r.capacity));
  acts.forEach((a, i) => {
    if (a.type !== 'patch') for (const use of a.uses) profiles[use.resource]!.add(start[i]!, end[i]!, use.amount, i);
  });
  const order = (only ? [...only] : acts.map((_, i) => i)).sort((x, y) => end[y]! - end[x]! || net.topoPos[y]! - net.topoPos[x]!);
  for (const i of order) {
    const a = acts[i]!;
    let lf = deadline;
    for (const s of succs[i]!) lf = Math.min(lf, acts[s]!.type === 'patch' ? end[s]! : start[s]!);
    for (const s of faSuccs[i]!) lf = Math.min(lf, end[s]! - acts[s]!.finishAfterLagMs);
    if (a.type === 'patch') {
      end[i] = Math.max(end[i]!, lf);
      continue;
    }
    let t = Math.max(start[i]!, lf - a.durationMs);
    if (a.uses.length > 0) {
      for (const use of a.uses) profiles[use.resource]!.add(start[i]!, end[i]!, -use.amount, i);
      t = latestFit(profiles, a.uses, start[i]!, t, a.durationMs);
    }
    let e = t + a.durationMs;
    if (a.finishNotBefore !== undefined) e = Math.max(e, a.finishNotBefore);
    for (const p of faPreds[i]!) e = Math.max(e, end[p]! + a.finishAfterLagMs);
    start[i] = t;
    end[i] = e;
    if (a.uses.length > 0) for (const use of a.uses) profiles[use.resource]!.add(t, e, use.amount, i);
  }
  return start;
}

/** The latest start in [lo, hi] with room on every resource; `lo` always has room (the unit's current place). */
function latestFit(profiles: Profile[], uses: { resource: number; amount: number }[], lo: number, hi: number, duration: number): number {
  let t = hi;
  for (let moved = true; moved && t > lo; ) {
    moved = false;
    for (const use of uses) {
      const block = profiles[use.resource]!.lastBlockStart(t, t + duration, use.amount);
      if (block !== undefined) {
        t = Math.max(lo, Math.min(t - 1, block - duration));
        moved = true;
      }
    }
  }
  return Math.max(lo, t);
}

/** Forward, then right, then forward again by the shifted starts; the better of the two forward schedules. */
export function justify(net: Net, ctx: Context, timing: Timing): Timing {
  const shifted = rightShift(net, timing, timing.last);
  const again = serialSchedule(net, ctx, shifted, { limited: true });
  return again.last < timing.last ? again : timing;
}
