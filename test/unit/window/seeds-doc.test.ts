import { readFileSync } from 'fs';
import { join } from 'path';
import { buildGraph } from '../../../shared/window/graph';
import { loadWindowFile } from '../../../shared/window/load';

/**
 * docs/seeds.md says, for every line of every seed, where its window file expresses it. A row
 * that says automated, manual step or not doing names ids of the window file: the file must
 * still have them, as what the row says (a manual step is a `manual` step, an automated one is
 * not skipped and not manual, a not-doing one is skipped).
 */

const root = join(__dirname, '../../..');
const doc = readFileSync(join(root, 'docs/seeds.md'), 'utf8');

interface Row {
  seed: string;
  file: string;
  line: string;
  ids: string[];
  status: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  let seed = '';
  let file = '';
  for (const text of doc.split('\n')) {
    const heading = /^## (Seed \d{3}).* — `([^`]+)`$/.exec(text);
    if (heading) {
      seed = heading[1]!;
      file = heading[2]!;
      continue;
    }
    if (!seed || !text.startsWith('| ') || text.startsWith('| Seed line') || text.startsWith('|---')) continue;
    const cells = text.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 3) throw new Error(`docs/seeds.md: a row of ${seed} does not have three cells: ${text}`);
    out.push({ seed, file, line: cells[0]!, ids: [...cells[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), status: cells[2]! });
  }
  return out;
}

const all = rows();

describe('docs/seeds.md', () => {
  it('has a table for each of the five seeds, and only the known statuses', () => {
    expect([...new Set(all.map((r) => r.seed))]).toEqual(['Seed 000', 'Seed 001', 'Seed 002', 'Seed 003', 'Seed 004']);
    expect([...new Set(all.map((r) => r.status))].sort()).toEqual(['automated', 'manual step', 'not doing', 'not modelled', 'note']);
  });

  it.each([...new Set(all.map((r) => r.file))])('%s still has every step the table says it runs, as the table says', (file) => {
    const { window, problems } = loadWindowFile(join(root, file));
    expect(problems).toEqual([]);
    const graph = buildGraph(window!);
    const wrong: string[] = [];
    for (const row of all.filter((r) => r.file === file && ['automated', 'manual step', 'not doing'].includes(r.status))) {
      for (const id of row.ids) {
        const node = graph.nodes.get(id);
        const step = node?.step;
        if (!node) wrong.push(`${id}: missing (${row.line})`);
        else if (!step) continue; // a phase or block
        else if (row.status === 'manual step' && step.kind !== 'manual') wrong.push(`${id}: a ${step.kind} step, the table says manual`);
        else if (row.status === 'automated' && (step.kind === 'manual' || step.skip)) wrong.push(`${id}: ${step.skip ? 'skipped' : 'manual'}, the table says automated`);
        else if (row.status === 'not doing' && !step.skip) wrong.push(`${id}: runs, the table says not doing`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
