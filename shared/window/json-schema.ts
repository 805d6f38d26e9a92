import { z } from 'zod';
import { FIELD_DOCS } from './schema-docs';
import { STEP_KINDS, Window } from './schema';

/**
 * schemas/window.schema.json: the window format as JSON Schema (draft-07, which editors'
 * YAML support reads), generated from the zod schema (zod 4's toJSONSchema, the input side:
 * what a person writes) and annotated with FIELD_DOCS. A window file that starts with
 *   # yaml-language-server: $schema=../schemas/window.schema.json
 * gets completion, hover text and inline errors in VS Code's YAML extension. Checks the zod
 * schema cannot say in JSON Schema (time zones, calendar dates, wall-clock times, references
 * between fields) stay with `mw validate`.
 */

type Json = Record<string, unknown>;

/** Paths of named fields with no entry in FIELD_DOCS (what a new field still needs). */
export interface Annotated {
  schema: Json;
  undocumented: string[];
}

export function windowJsonSchema(): Annotated {
  const schema = z.toJSONSchema(Window, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Json;
  const undocumented = new Set<string>();
  const definitions = (schema.definitions ?? {}) as Record<string, Json>;
  annotate(schema, '', undocumented);
  // Definitions are the recursive items (steps and blocks): the same wherever they are used.
  for (const def of Object.values(definitions)) annotate(def, 'phases[].steps[]', undocumented);
  return {
    schema: {
      $schema: schema.$schema,
      title: 'Maintenance window (mw/v1)',
      description: 'A maintenance window as data: docs/window-format.md. `mw validate` checks what JSON Schema cannot (zones, dates, times, references, floors).',
      ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
    },
    undocumented: [...undocumented].sort(),
  };
}

/** The docs of a field: its own path, then (for a step) the path common to every step. */
function docsFor(path: string): readonly [string, ...unknown[]] | undefined {
  return FIELD_DOCS[path] ?? FIELD_DOCS[path.replace(/^step\([^)]*\)/, 'step')];
}

/** What kind of object a schema is, when it is one of the shapes documented once for every place it appears. */
function shapeOf(node: Json): string | undefined {
  const props = (node.properties ?? {}) as Record<string, Json>;
  const kind = props.kind;
  if (kind && typeof kind.const === 'string' && (STEP_KINDS as readonly string[]).includes(kind.const)) return `step(${kind.const})`;
  if (kind && Array.isArray(kind.enum) && kind.enum.includes('sequence')) return 'block';
  if ('url' in props && 'expectStatus' in props) return 'check';
  if ('name' in props && 'stages' in props && 'parameters' in props) return 'pipeline';
  if ('key' in props && 'value' in props && 'restoreValue' in props) return 'consulKey';
  if (Object.keys(props).length === 1 && 'checks' in props) return 'pingdom';
  return undefined;
}

function annotate(node: unknown, path: string, undocumented: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  const n = node as Json;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(n[key])) for (const x of n[key] as unknown[]) annotate(x, path, undocumented);
  if (n.properties && typeof n.properties === 'object') {
    const prefix = shapeOf(n) ?? path;
    const props = n.properties as Record<string, Json>;
    for (const [name, child] of Object.entries(props)) {
      const childPath = prefix ? `${prefix}.${name}` : name;
      const docs = docsFor(childPath);
      if (!docs) undocumented.add(childPath);
      else {
        const [description, ...examples] = docs;
        // Draft-07 ignores a $ref's siblings: wrap it.
        const target = child.$ref ? { allOf: [{ $ref: child.$ref }] } : child;
        props[name] = Object.assign(target, { description, examples });
      }
      annotate(props[name], childPath, undocumented);
    }
  }
  if (n.additionalProperties && typeof n.additionalProperties === 'object') annotate(n.additionalProperties, `${path}.*`, undocumented);
  if (n.items && typeof n.items === 'object') annotate(n.items, `${path}[]`, undocumented);
}
