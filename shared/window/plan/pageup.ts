import type { Context, Net } from './model';
import { rightShift, serialSchedule, type Timing } from './schedule';

/**
 * Customer-visible minutes: from the end of a step that puts a maintenance page up to the
 * start of the step that takes it down. Second only to the makespan, the planner keeps them
 * short: each page goes up as late as the window's end allows (the run holds the step until
 * then), and comes down as soon as the work under it is done.
 */

export interface RawInterval {
  page: string;
  upStep: string;
  downStep?: string;
  from: number;
  to: number;
}

/** Up/down pairs: each up step with the first unused down step of its page that starts after it; without one, the page stays up to the end. */
export function pageUpRaw(net: Net, timing: Timing): RawInterval[] {
  const intervals: RawInterval[] = [];
  const pages = net.acts.map((a, i) => ({ a, i })).filter(({ a }) => a.page !== undefined);
  for (const page of [...new Set(pages.map(({ a }) => a.page!.page))]) {
    const ups = pages.filter(({ a }) => a.page!.page === page && a.page!.action === 'up').sort((x, y) => timing.end[x.i]! - timing.end[y.i]!);
    const downs = pages.filter(({ a }) => a.page!.page === page && a.page!.action === 'down').sort((x, y) => timing.start[x.i]! - timing.start[y.i]!);
    const used = new Set<number>();
    for (const up of ups) {
      const from = timing.end[up.i]!;
      const down = downs.find((d) => !used.has(d.i) && timing.start[d.i]! >= from);
      if (down) used.add(down.i);
      intervals.push({ page, upStep: up.a.id, ...(down ? { downStep: down.a.id } : {}), from, to: down ? timing.start[down.i]! : timing.last });
    }
  }
  return intervals;
}

export const pageUpMinutes = (net: Net, timing: Timing): number => pageUpRaw(net, timing).reduce((sum, i) => sum + (i.to - i.from), 0) / 60_000;

/**
 * Holds each page-up step as late as it can go: its descendants that are not behind a
 * page-down step shift right up to the window's end (justification restricted to them), the
 * up step's new start becomes a hold, and the schedule is built again. Kept only when the
 * window ends no later and the pages are up for less.
 */
export function holdPages(net: Net, ctx: Context, timing: Timing): { timing: Timing; holds: Map<number, number> } {
  const ups = net.acts.map((a, i) => (a.page?.action === 'up' ? i : -1)).filter((i) => i >= 0);
  if (ups.length === 0) return { timing, holds: new Map() };
  const behindDowns = descendants(
    net,
    net.acts.map((a, i) => (a.page?.action === 'down' ? i : -1)).filter((i) => i >= 0),
    true,
  );
  let best = timing;
  let bestMinutes = pageUpMinutes(net, timing);
  const holds = new Map<number, number>();
  for (const up of ups.sort((x, y) => timing.end[y]! - timing.end[x]!)) {
    const moving = descendants(net, [up], true);
    for (const i of behindDowns) moving.delete(i);
    const shifted = rightShift(net, best, best.last, moving);
    if (shifted[up]! <= best.start[up]!) continue;
    const trial = new Map(holds).set(up, shifted[up]!);
    const again = serialSchedule(net, ctx, shifted, { limited: true, holds: trial });
    const minutes = pageUpMinutes(net, again);
    if (again.last <= best.last && minutes < bestMinutes - 1e-9) {
      best = again;
      bestMinutes = minutes;
      holds.set(up, shifted[up]!);
    }
  }
  return { timing: best, holds };
}

/** The latest a unit could start with everything not behind it in place and the same end. */
export function latestStart(net: Net, timing: Timing, unit: number): number {
  return rightShift(net, timing, timing.last, descendants(net, [unit], true))[unit]!;
}

/** The units that wait (transitively) for any of `roots`, with the roots when `inclusive`. */
function descendants(net: Net, roots: number[], inclusive: boolean): Set<number> {
  const found = new Set<number>(inclusive ? roots : []);
  const stack = [...roots];
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (const s of [...net.succs[i]!, ...net.faSuccs[i]!]) {
      if (!found.has(s)) {
        found.add(s);
        stack.push(s);
      }
    }
  }
  return found;
}
