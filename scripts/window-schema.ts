/**
 * Writes schemas/window.schema.json from the zod schema (shared/window/json-schema.ts).
 *   npm run schema:window
 * test/unit/window/json-schema.test.ts fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { windowJsonSchema } from '../shared/window/json-schema';

// dist/scripts when built, scripts/ from source.
const ROOT = path.resolve(__dirname, __dirname.split(path.sep).includes('dist') ? '../..' : '..');

export function schemaText(): string {
  const { schema, undocumented } = windowJsonSchema();
  if (undocumented.length > 0) throw new Error(`fields without a description in shared/window/schema-docs.ts: ${undocumented.join(', ')}`);
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
  const file = path.join(ROOT, 'schemas', 'window.schema.json');
  writeFileSync(file, schemaText(), 'utf8');
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
