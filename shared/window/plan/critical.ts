import type { Context, Net } from './model';
import type { Bound, Timing } from './schedule';
import type { CriticalBound, PlanTime } from './types';

/** The critical path: what decided the window's end, walked back bound by bound. */

export interface Link {
  index: number;
  bound: Bound;
}

/**
 * Walks back from the unit that ends last, following what bound each one: the dependency
 * that finished last, the gate, the unit whose release of a pool let it start, or (for its
 * end) a finish-after dependency or a decision time. Markers (phase and block starts and
 * ends), the end units of patch steps and not-doing steps are passed through to the unit
 * behind them.
 */
export function criticalPath(net: Net, timing: Timing): Link[] {
  const { acts } = net;
  const visible = (i: number) => (acts[i]!.type === 'step' && !acts[i]!.notDoing) || acts[i]!.type === 'batch';
  const through = (bound: Bound): Bound => {
    let b = bound;
    for (let guard = 0; guard <= acts.length && 'on' in b; guard++) {
      if (visible(b.on)) return b;
      const inner = timing.endBound[b.on] ?? timing.startBound[b.on]!;
      // A hidden unit that waited for another passes the wait on; one that waited for a gate is the gate.
      b = 'on' in inner ? { ...b, on: inner.on } : inner;
    }
    return b;
  };
  let last = -1;
  acts.forEach((a, i) => {
    if (a.type !== 'marker' && !a.notDoing && (last < 0 || timing.end[i]! > timing.end[last]!)) last = i;
  });
  if (last < 0) return [];
  const first = through({ kind: 'dependency', on: last });
  const links: Link[] = [];
  const seen = new Set<number>();
  let current = 'on' in first ? first.on : -1;
  while (current >= 0 && !seen.has(current)) {
    seen.add(current);
    const bound = through(timing.endBound[current] ?? timing.startBound[current]!);
    links.push({ index: current, bound });
    current = 'on' in bound ? bound.on : -1;
  }
  return links.reverse();
}

/** A bound as the plan shows it: ids for indices, times as PlanTime, the gate's text. */
export function publicBound(bound: Bound, index: number, net: Net, ctx: Context, timing: Timing, time: (ms: number) => PlanTime): CriticalBound {
  switch (bound.kind) {
    case 'window-start':
      return { kind: 'window-start' };
    case 'dependency':
      return { kind: 'dependency', on: net.acts[bound.on]!.id };
    case 'finish-after':
      return { kind: 'finish-after', on: net.acts[bound.on]!.id };
    case 'pool-wait':
      return { kind: 'pool-wait', resource: net.resources[bound.resource]!.name, on: net.acts[bound.on]!.id };
    case 'decision-at':
      return { kind: 'decision-at', at: time(bound.at) };
    case 'hold':
      return { kind: 'page-hold', at: time(timing.start[index]!) };
    case 'not-before': {
      // The gate is the unit's own, or (passed through markers) that of a phase or block start.
      const nodeId = gateOwner(index, net, timing);
      const node = ctx.graph.nodes.get(nodeId)!;
      return { kind: 'not-before', node: nodeId.replace(/@start$/, ''), text: node.notBefore!.text, at: time(ctx.gates.get(nodeId)!) };
    }
  }
}

/** The node whose gate a not-before bound comes from: the unit's own, else the gated start it waited for. */
export function gateOwner(index: number, net: Net, timing: Timing): string {
  let i = index;
  for (let guard = 0; guard <= net.acts.length; guard++) {
    const a = net.acts[i]!;
    const b = timing.startBound[i]!;
    if (b.kind === 'not-before' && a.release !== undefined) return a.nodeId;
    if (!('on' in b)) break;
    i = b.on;
  }
  return net.acts[index]!.nodeId;
}
