import { promises as fs, existsSync } from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { z } from 'zod';
import { EstateSchema } from './schema';

/** The estate as services see it: the parsed YAML, validated for the sections the core knows. */
export type EstateDocument = Readonly<Record<string, unknown>>;

/**
 * Finds sandbox/estate/default.yaml from either the sources (jest, ts) or dist/ (node):
 * tsc does not copy YAML, so walk up to the folder that has it.
 */
export function defaultEstateFile(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'sandbox', 'estate', 'default.yaml');
    if (existsSync(candidate)) return candidate;
    const sibling = path.join(dir, 'default.yaml');
    if (path.basename(dir) === 'estate' && existsSync(sibling)) return sibling;
    dir = path.dirname(dir);
  }
  throw new Error('sandbox/estate/default.yaml not found above ' + __dirname);
}

/** Error for an estate file that does not parse or validate; names the file and the field. */
export class EstateError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    reason: string,
  ) {
    super(`${file}: ${field ? field + ': ' : ''}${reason}`);
    this.name = 'EstateError';
  }
}

/** Validates a parsed estate object (Azure sections strictly, other sections passed through). */
export function parseEstate(raw: unknown, file = '<estate>'): EstateDocument {
  const result = EstateSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new EstateError(file, issue ? issue.path.join('.') : '', issue ? issue.message : z.prettifyError(result.error));
  }
  return result.data as EstateDocument;
}

/** Loads and validates an estate YAML file by path. */
export async function loadEstateFile(file: string): Promise<EstateDocument> {
  const text = await fs.readFile(file, 'utf8');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new EstateError(file, '', e instanceof Error ? e.message : String(e));
  }
  return parseEstate(raw, file);
}
