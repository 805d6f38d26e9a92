import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { schemaText } from '../../../scripts/window-schema';
import { windowJsonSchema } from '../../../shared/window/json-schema';

/**
 * schemas/window.schema.json is what editors read to complete, explain and check window files
 * (issue 12): it must be the schema generated from the zod schema, document every field, and
 * accept the example windows under a standard JSON Schema validator.
 */

const ROOT = join(__dirname, '../../..');
const COMMITTED = readFileSync(join(ROOT, 'schemas/window.schema.json'), 'utf8');
const WINDOWS = readdirSync(join(ROOT, 'windows')).filter((f) => f.endsWith('.yaml'));

let compiled: ReturnType<Ajv['compile']> | undefined;
function validator() {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(COMMITTED) as object);
  }
  return compiled;
}

/** Every named property in the schema, with its path, and whether it has a description and examples. */
function properties(node: unknown, path = ''): { path: string; described: boolean; exemplified: boolean }[] {
  if (!node || typeof node !== 'object') return [];
  const n = node as Record<string, unknown>;
  const out: { path: string; described: boolean; exemplified: boolean }[] = [];
  for (const [key, value] of Object.entries(n)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, child] of Object.entries(value as Record<string, Record<string, unknown>>)) {
        out.push({ path: `${path}.${name}`, described: typeof child.description === 'string' && child.description.length > 0, exemplified: Array.isArray(child.examples) && child.examples.length > 0 });
        out.push(...properties(child, `${path}.${name}`));
      }
    } else if (value && typeof value === 'object') out.push(...properties(value, `${path}/${key}`));
  }
  return out;
}

describe('schemas/window.schema.json', () => {
  it('is the schema generated from the zod schema (run npm run schema:window after changing it)', () => {
    expect(COMMITTED).toBe(schemaText());
  });

  it('describes every field, with examples', () => {
    expect(windowJsonSchema().undocumented).toEqual([]);
    const all = properties(JSON.parse(COMMITTED));
    expect(all.length).toBeGreaterThan(300);
    expect(all.filter((p) => !p.described || !p.exemplified).map((p) => p.path)).toEqual([]);
  });

  it.each(WINDOWS)('accepts %s under ajv, and the file names the schema for editors', (file) => {
    const text = readFileSync(join(ROOT, 'windows', file), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/window.schema.json');
    const validate = validator();
    const ok = validate(parse(text));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('refuses what an editor should underline: an unknown field, a wrong kind, a missing field', () => {
    const validate = validator();
    const base = parse(readFileSync(join(ROOT, 'windows/2025-06-22-monthly.yaml'), 'utf8')) as Record<string, unknown> & { pools: Record<string, Record<string, unknown>>; phases: { steps: Record<string, unknown>[] }[] };
    const typo = structuredClone(base);
    typo.pools['agw-web']!.minHealty = 5;
    expect(validate(typo)).toBe(false);
    const kind = structuredClone(base);
    kind.phases[0]!.steps[0]!.kind = 'pipelin';
    expect(validate(kind)).toBe(false);
    const missing = structuredClone(base);
    delete missing.timeZone;
    expect(validate(missing)).toBe(false);
  });
});
