import { readFileSync } from 'fs';
import { join } from 'path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { loadWindowText } from '../../../shared/window/load';

/**
 * The validator must never crash on anything a person (or a bad merge) can write,
 * and every rejection must say where and why. Seeds are fixed so CI is repeatable.
 */

const BASE_TEXT = readFileSync(join(__dirname, '../../fixtures/windows/base.yaml'), 'utf8');
const BASE = parse(BASE_TEXT) as unknown;

type Path = (string | number)[];

function allPaths(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => allPaths(v, [...prefix, i]))];
  if (value && typeof value === 'object') return [prefix, ...Object.entries(value).flatMap(([k, v]) => allPaths(v, [...prefix, k]))];
  return [prefix];
}

type Op = 'delete' | 'replace' | 'rename';

function mutate(doc: unknown, path: Path, op: Op, replacement: unknown): unknown {
  if (path.length === 0) return op === 'replace' ? replacement : doc;
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1]!;
  let parent: unknown = doc;
  for (const segment of parentPath) parent = (parent as Record<string | number, unknown>)[segment];
  const container = parent as Record<string | number, unknown>;
  if (op === 'delete') {
    if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete container[key];
  } else if (op === 'replace') {
    container[key] = replacement;
  } else if (!Array.isArray(container)) {
    container[`${String(key)}x`] = container[key];
    delete container[key];
  }
  return doc;
}

function assertWellFormed(text: string): void {
  const result = loadWindowText(text, 'fuzz.yaml');
  if (result.window) {
    expect(result.problems).toEqual([]);
    return;
  }
  expect(result.problems.length).toBeGreaterThan(0);
  for (const problem of result.problems) {
    expect(problem.reason.trim().length).toBeGreaterThan(0);
    expect(problem.path.length).toBeGreaterThan(0);
    expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.column).toBeGreaterThanOrEqual(1);
    expect(problem.reason).not.toMatch(/^\s*at .+:\d+:\d+/m);
  }
}

const swapValue = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
  fc.constantFrom('Saturday 25:00', 'Sunday 02:30', '4h', '-5m', 'group:nope', '../../etc', 'up', 'down', '∞'),
);

describe('validator fuzzing', () => {
  const paths = allPaths(BASE);

  it('survives 1,200 structural mutations (deletions, type swaps, renames) with a message for each rejection', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(paths.length - 1), fc.constantFrom<Op>('delete', 'replace', 'rename'), swapValue), { minLength: 1, maxLength: 4 }),
        (mutations) => {
          let doc = structuredClone(BASE);
          for (const [index, op, value] of mutations) {
            const candidates = allPaths(doc);
            const path = candidates[index % candidates.length]!;
            doc = mutate(doc, path, op, value);
          }
          assertWellFormed(stringify(doc));
        },
      ),
      { numRuns: 1200, seed: 20250622 },
    );
  });

  it('survives 600 text-level corruptions of a valid file', () => {
    fc.assert(
      fc.property(fc.nat(BASE_TEXT.length), fc.nat(40), fc.string({ maxLength: 12 }), (at, cut, insert) => {
        assertWellFormed(BASE_TEXT.slice(0, at) + insert + BASE_TEXT.slice(at + cut));
      }),
      { numRuns: 600, seed: 20251102 },
    );
  });

  it('survives 300 garbage documents', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json(), fc.stringMatching(/^[:\-[\]{}&*!|>'"%@`# \n\ta-z0-9]{0,80}$/)), (text) => {
        assertWellFormed(text);
      }),
      { numRuns: 300, seed: 20250309 },
    );
  });
});
