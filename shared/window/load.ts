import { readFileSync } from 'fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { formatPath, type PathProblem, type PathSegment, type Problem } from './problems';
import { UNKNOWN_KEY_SEPARATOR, Window, type WindowDef } from './schema';
import { budgetProblems } from './plan';
import { validateWindow } from './validate';

export interface LoadResult {
  /** Present only when there are no problems. */
  window?: WindowDef;
  problems: Problem[];
}

/** Reads, parses, schema-checks and validates a window file. Never throws for bad content. */
export function loadWindowFile(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read file: ${(error as Error).message}`;
    return { problems: [{ file, line: 1, column: 1, path: '(file)', reason }] };
  }
  return loadWindowText(text, file);
}

/** As loadWindowFile, from text already in memory. */
export function loadWindowText(text: string, file = '<input>'): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((error) => ({
        file,
        ...(error.linePos ? { line: error.linePos[0].line, column: error.linePos[0].col } : at(error.pos[0])),
        path: '(yaml)',
        reason: firstLine(error.message),
      })),
    };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { problems: [{ file, line: 1, column: 1, path: '(yaml)', reason: firstLine((error as Error).message) }] };
  }

  const locate = (problem: PathProblem): Problem => {
    const offset = findOffset(doc, problem.path, problem.atKey ?? false);
    return { file, ...at(offset), path: formatPath(problem.path), reason: problem.reason };
  };

  const parsed = Window.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return { problems: sortProblems(zodProblems(parsed.error.issues).map(locate)) };
  }
  // The budget check plans the window, so it runs only when everything else holds.
  const semantic = validateWindow(parsed.data, { checkBudget: budgetProblems });
  if (semantic.length > 0) return { problems: sortProblems(semantic.map(locate)) };
  return { window: parsed.data, problems: [] };
}

/** Turns zod issues into path problems; unknown keys become one problem per key. */
export function zodProblems(issues: readonly z.core.$ZodIssue[]): PathProblem[] {
  const out: PathProblem[] = [];
  const seen = new Set<string>();
  const push = (problem: PathProblem): void => {
    const key = `${formatPath(problem.path)}\n${problem.reason}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(problem);
  };
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      if (issue.message.includes(UNKNOWN_KEY_SEPARATOR)) {
        for (const entry of issue.message.split(UNKNOWN_KEY_SEPARATOR + UNKNOWN_KEY_SEPARATOR)) {
          const [key, reason] = entry.split(UNKNOWN_KEY_SEPARATOR) as [string, string];
          push({ path: [...path, key], reason, atKey: true });
        }
      } else {
        for (const key of issue.keys) push({ path: [...path, key], reason: `unknown field "${key}"`, atKey: true });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0 && !('discriminator' in issue)) {
      // A plain union: report the branch that got furthest (most specific path).
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      for (const nested of zodProblems(best)) push({ ...nested, path: [...path, ...nested.path.slice(0)] });
      continue;
    }
    push({ path, reason: humanise(issue) });
  }
  return out;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

function humanise(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = describeReceived(issue.input);
    if (received === 'nothing') return `required field is missing (expected ${issue.expected})`;
    if (issue.message.startsWith('Invalid input')) return `expected ${issue.expected}, got ${received}`;
    return `${issue.message}, got ${received}`;
  }
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid option')) {
    if (issue.input === undefined) return `required field is missing (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`;
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeReceived(issue.input)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'array') return issue.message.startsWith('Too small') ? `needs at least ${String(issue.minimum)} item(s)` : issue.message;
  return issue.message;
}

function describeReceived(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `text "${input.length > 40 ? `${input.slice(0, 40)}…` : input}"`;
  return `${typeof input} ${String(input)}`;
}

/** Source offset of the node at `path`, or of the deepest existing ancestor. */
function findOffset(doc: Document, path: readonly PathSegment[], atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      if (last && atKey) return rangeStart(pair.key) ?? offset;
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return offset;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | undefined)?.range;
  return range ? range[0] : undefined;
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
