import { readFileSync } from 'fs';
import { Composer, isMap, isPair, isScalar, isSeq, LineCounter, Parser, YAMLParseError, type Document, type Node as YamlNode, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { formatPath, type PathProblem, type PathSegment, type Problem } from './problems';
import { UNKNOWN_KEY_SEPARATOR, Window, type WindowDef } from './schema';
import { budgetProblems } from './plan';
import { validateWindow } from './validate';

export interface LoadResult {
  /** Present only when there are no problems. */
  window?: WindowDef;
  /** The window, when its only problems are budget overruns: its plan shows where the time goes. */
  overBudget?: WindowDef;
  problems: Problem[];
}

/** The largest window file read: a window of 10,000 steps is under 1 MiB. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** The deepest nesting of YAML collections: real windows nest about 12 deep. */
export const MAX_NESTING = 64;

/** Reads, parses, schema-checks and validates a window file. Never throws for bad content. */
export function loadWindowFile(file: string): LoadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read file: ${(error as Error).message}`;
    return { problems: [{ file, line: 1, column: 1, path: '(file)', reason }] };
  }
  if (bytes.length > MAX_FILE_BYTES) return { problems: [tooLarge(file, bytes.length, 'bytes')] };
  const decoded = decodeUtf8(bytes);
  if (typeof decoded !== 'string') {
    const before = bytes.subarray(0, decoded.offset).toString('utf8').split('\n');
    const shown = [...bytes.subarray(decoded.offset, decoded.offset + 4)].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
    return {
      problems: [
        {
          file,
          line: before.length,
          column: before.at(-1)!.length + 1,
          path: '(file)',
          reason: `not UTF-8: invalid byte sequence at byte offset ${decoded.offset} (${shown}); save the file as UTF-8`,
        },
      ],
    };
  }
  return loadWindowText(decoded, file);
}

/** The text of UTF-8 bytes (a leading byte-order mark dropped), or the offset of the first byte that is not well-formed UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | { offset: number } {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { offset: firstInvalidUtf8(bytes) };
  }
}

/** Unicode's well-formed UTF-8 byte sequences (The Unicode Standard, table 3-7). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0x80) need = 0;
    else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const next = b[i + k];
      if (next === undefined || next < (k === 1 ? lo : 0x80) || next > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return b.length;
}

function tooLarge(file: string, size: number, unit: 'bytes' | 'characters'): Problem {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return { file, line: 1, column: 1, path: '(file)', reason: `the file is ${unit === 'bytes' ? mib(size) : `${size} characters`}; a window file may be at most ${mib(MAX_FILE_BYTES)}` };
}

/** As loadWindowFile, from text already in memory. */
export function loadWindowText(text: string, file = '<input>'): LoadResult {
  if (text.length > MAX_FILE_BYTES) return { problems: [tooLarge(file, text.length, 'characters')] };
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  // The YAML library composes documents recursively; refuse absurd nesting before it does.
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deep = nestingBeyond(tokens, MAX_NESTING);
  if (deep !== undefined) {
    const lines = text.slice(0, deep).split('\n');
    return {
      problems: [
        { file, line: lines.length, column: lines.at(-1)!.length + 1, path: '(yaml)', reason: `nested more than ${MAX_NESTING} levels deep; a window file nests about 12 (blocks inside blocks can be flattened)` },
      ],
    };
  }
  // parseDocument, from the tokens already parsed.
  const docs = [...new Composer({ uniqueKeys: true }).compose(tokens, true, text.length)];
  const doc = docs[0]!;
  if (docs.length > 1) doc.errors.push(new YAMLParseError(docs[1]!.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'a window file holds one YAML document (remove the "---" line)'));

  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((error) => ({ file, ...at(error.pos[0]), path: '(yaml)', reason: yamlReason(error, text) })),
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
  if (semantic.length > 0) {
    const onlyBudget = semantic.every((p) => p.path[0] === 'budget');
    return { ...(onlyBudget ? { overBudget: parsed.data } : {}), problems: sortProblems(semantic.map(locate)) };
  }
  return { window: parsed.data, problems: [] };
}

/** The offset where collections first nest deeper than `limit`, from the YAML syntax tree (walked without recursion). */
function nestingBeyond(tokens: readonly unknown[], limit: number): number | undefined {
  const stack: { token: unknown; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token || typeof token !== 'object') continue;
    const t = token as { type?: string; offset?: number; value?: unknown; items?: { key?: unknown; value?: unknown }[] };
    if (t.type === 'document') {
      stack.push({ token: t.value, depth });
      continue;
    }
    if (t.type !== 'block-map' && t.type !== 'block-seq' && t.type !== 'flow-collection') continue;
    if (depth + 1 > limit) return t.offset ?? 0;
    for (const item of t.items ?? []) {
      stack.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/** The YAML library's message without the position it repeats; a duplicate key named. */
function yamlReason(error: YAMLError, text: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:#\n]*?))\s*:/.exec(text.slice(error.pos[0]));
    const name = key ? (key[1] ?? key[2] ?? key[3] ?? '').trim() : '';
    return `duplicate key${name ? ` "${name}"` : ''}: a mapping may give each key only once`;
  }
  return firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
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
