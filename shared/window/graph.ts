import { isBlock, type Item, type Step, type WindowDef } from './schema';

/**
 * The dependency graph of a window. Steps are nodes; phases and blocks get a
 * zero-length start node (`<id>@start`) and an end node named by their id, so an
 * `after:` naming a phase or block waits for all of it.
 */
export interface GraphNode {
  id: string;
  type: 'step' | 'phase-start' | 'phase-end' | 'block-start' | 'block-end';
  /** Field path in the window file, for error messages. */
  path: string;
  phaseId: string;
  step?: Step;
  /** Wall-clock "not before" text and its field path. */
  notBefore?: { text: string; path: string };
  /** Nodes that must finish before this one starts. */
  deps: string[];
  /** Nodes that must finish before this one can finish (a rollout batch waiting on patching). */
  finishAfter: string[];
  /** Explicit `after:` references as written, with their field paths (for validation). */
  refs: { target: string; path: string }[];
}

export interface WindowGraph {
  nodes: Map<string, GraphNode>;
  /** Step nodes in file order. */
  steps: GraphNode[];
  /** Ids defined more than once, with the paths of each definition. */
  duplicates: { id: string; paths: string[] }[];
}

export const startNodeId = (id: string): string => `${id}@start`;

/** Builds the graph; references are not checked here (see validate.ts). */
export function buildGraph(window: WindowDef): WindowGraph {
  const nodes = new Map<string, GraphNode>();
  const steps: GraphNode[] = [];
  const seen = new Map<string, string[]>();
  let anonymous = 0;

  const define = (node: GraphNode, userId?: string): void => {
    if (userId !== undefined) seen.set(userId, [...(seen.get(userId) ?? []), node.path]);
    if (!nodes.has(node.id)) nodes.set(node.id, node);
  };

  const refsOf = (after: string[] | undefined, path: string) => (after ?? []).map((target, i) => ({ target, path: `${path}.after[${i}]` }));
  // A condition on a step waits for it: its outcome must be known first.
  const whenRefs = (when: { done?: string; notDone?: string } | undefined, path: string) =>
    when ? (['done', 'notDone'] as const).flatMap((k) => (when[k] ? [{ target: when[k], path: `${path}.when.${k}` }] : [])) : [];

  /** Adds an item with the deps its position gives it; returns the id of its end node. */
  const addItem = (item: Item, path: string, phaseId: string, deps: string[]): string => {
    if (isBlock(item)) {
      const id = item.id ?? `~block-${++anonymous}`;
      const start: GraphNode = {
        id: startNodeId(id),
        type: 'block-start',
        path,
        phaseId,
        deps: [...deps],
        finishAfter: [],
        refs: refsOf(item.after, path),
        ...(item.at ? { notBefore: { text: item.at, path: `${path}.at` } } : {}),
      };
      define(start, item.id);
      const ends = addItems(item.steps, `${path}.steps`, phaseId, item.kind, start.id);
      define({ id, type: 'block-end', path, phaseId, deps: ends, finishAfter: [], refs: [] });
      return id;
    }
    const node: GraphNode = {
      id: item.id,
      type: 'step',
      path,
      phaseId,
      step: item,
      deps: [...deps],
      finishAfter: [],
      refs: [...refsOf(item.after, path), ...whenRefs(item.when, path)],
      ...(item.at ? { notBefore: { text: item.at, path: `${path}.at` } } : {}),
    };
    if (item.kind === 'rotate-secret') {
      item.rollout.batches.forEach((batch, b) => {
        node.refs.push(...refsOf(batch.after, `${path}.rollout.batches[${b}]`));
      });
      node.finishAfter = item.rollout.batches.flatMap((batch) => batch.after ?? []);
    }
    define(node, item.id);
    steps.push(node);
    return node.id;
  };

  const addItems = (items: Item[], path: string, phaseId: string, mode: 'sequence' | 'parallel', startId: string): string[] => {
    const ends: string[] = [];
    let previous = startId;
    items.forEach((item, i) => {
      const end = addItem(item, `${path}[${i}]`, phaseId, [mode === 'sequence' ? previous : startId]);
      ends.push(end);
      previous = end;
    });
    return mode === 'sequence' ? [previous] : ends;
  };

  let previousPhaseEnd: string | undefined;
  window.phases.forEach((phase, p) => {
    const path = `phases[${p}]`;
    // A phase with neither a start time nor `after` follows the previous phase.
    const implicit = phase.start === undefined && phase.after === undefined && previousPhaseEnd ? [previousPhaseEnd] : [];
    const start: GraphNode = {
      id: startNodeId(phase.id),
      type: 'phase-start',
      path,
      phaseId: phase.id,
      deps: implicit,
      finishAfter: [],
      refs: refsOf(phase.after, path),
      ...(phase.start ? { notBefore: { text: phase.start, path: `${path}.start` } } : {}),
    };
    define(start, phase.id);
    const ends = addItems(phase.steps, `${path}.steps`, phase.id, phase.mode, start.id);
    define({ id: phase.id, type: 'phase-end', path, phaseId: phase.id, deps: ends, finishAfter: [], refs: [] });
    previousPhaseEnd = phase.id;
  });

  // Explicit `after:` edges join the positional ones; unknown targets are reported by the validator.
  for (const node of nodes.values()) {
    for (const ref of node.refs) {
      if (node.step?.kind === 'rotate-secret' && node.finishAfter.includes(ref.target) && !(node.step.after ?? []).includes(ref.target)) continue;
      if (!node.deps.includes(ref.target)) node.deps.push(ref.target);
    }
  }

  const duplicates = [...seen.entries()].filter(([, paths]) => paths.length > 1).map(([id, paths]) => ({ id, paths }));
  return { nodes, steps, duplicates };
}

/** Every node that must finish before `id` can start or finish, transitively. */
export function ancestors(graph: WindowGraph, id: string): Set<string> {
  const result = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const node = graph.nodes.get(stack.pop()!);
    if (!node) continue;
    for (const dep of [...node.deps, ...node.finishAfter]) {
      if (!result.has(dep)) {
        result.add(dep);
        stack.push(dep);
      }
    }
  }
  return result;
}

/** Maintenance pages whose `down` step (not skipped) is among what step `id` waits for, in file order. */
export function pagesDownBefore(graph: WindowGraph, id: string): string[] {
  const before = ancestors(graph, id);
  const pages = graph.steps.flatMap((n) => (before.has(n.id) && n.step?.kind === 'maintenance-page' && n.step.action === 'down' && !n.step.skip ? [n.step.page] : []));
  return [...new Set(pages)];
}

/** The first dependency cycle found, as node ids in wait order (a waits for b …), or undefined. Iterative: a sequence can be thousands of steps long. */
export function findCycle(graph: WindowGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  for (const root of graph.nodes.keys()) {
    if (state.has(root)) continue;
    const path: string[] = [];
    const frames: { id: string; deps: string[]; next: number }[] = [];
    const enter = (id: string) => {
      const node = graph.nodes.get(id)!;
      state.set(id, 'open');
      path.push(id);
      frames.push({ id, deps: [...node.deps, ...node.finishAfter], next: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      if (frame.next >= frame.deps.length) {
        frames.pop();
        path.pop();
        state.set(frame.id, 'done');
        continue;
      }
      const dep = frame.deps[frame.next++]!;
      if (!graph.nodes.has(dep)) continue;
      const s = state.get(dep);
      if (s === 'open') return [...path.slice(path.indexOf(dep)), dep];
      if (s === undefined) enter(dep);
    }
  }
  return undefined;
}

/** Node ids in an order where every dependency comes first (graph must be acyclic). Iterative, as findCycle. */
export function topologicalOrder(graph: WindowGraph): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  for (const root of graph.nodes.keys()) {
    if (done.has(root)) continue;
    done.add(root);
    const frames: { id: string; deps: string[]; next: number }[] = [];
    const node = graph.nodes.get(root)!;
    frames.push({ id: root, deps: [...node.deps, ...node.finishAfter], next: 0 });
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      if (frame.next >= frame.deps.length) {
        frames.pop();
        order.push(frame.id);
        continue;
      }
      const dep = frame.deps[frame.next++]!;
      if (done.has(dep)) continue;
      done.add(dep);
      const next = graph.nodes.get(dep);
      if (!next) continue;
      frames.push({ id: dep, deps: [...next.deps, ...next.finishAfter], next: 0 });
    }
  }
  return order;
}

/** A readable name for a node in messages: pseudo nodes name their phase or block. */
export function describeNode(graph: WindowGraph, id: string): string {
  const node = graph.nodes.get(id);
  if (!node) return id;
  switch (node.type) {
    case 'phase-start':
      return `${node.phaseId} (phase start)`;
    case 'block-start':
      return `${id.replace(/@start$/, '')} (block start)`;
    default:
      return id;
  }
}
