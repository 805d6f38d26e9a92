import { readFileSync } from 'fs';
import { join } from 'path';
import { loadWindowText } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { compileRunbook } from '../../../shared/window/runbook';

/**
 * Seed times kept or flagged: each example window carries the seeds' times as `expect:`, and
 * plans every such step to begin by then, or says why not in a comment on that `expect:` line.
 */

const FILES = ['2025-02-23-monthly.yaml', '2025-04-13-monthly.yaml', '2025-06-22-monthly.yaml', '2025-09-08-canary.yaml'];

function late(file: string): { id: string; planned: string; expected: string; explained: boolean }[] {
  const text = readFileSync(join(__dirname, '../../../windows', file), 'utf8');
  const { window, problems } = loadWindowText(text, file);
  expect(problems).toEqual([]);
  const runbook = compileRunbook(window!, planWindow(window!, { recommend: false }), 'test');
  const lines = text.split('\n');
  return runbook.steps
    .filter((s) => s.expectBy && Date.parse(s.plannedStart) > Date.parse(s.expectBy))
    .map((s) => {
      // The `expect:` line of this step: the first after the line that names its id.
      const at = lines.findIndex((l) => new RegExp(`id: ${s.id}\\b`).test(l));
      const line = lines.slice(at).find((l) => /\bexpect: /.test(l)) ?? '';
      return { id: s.id, planned: s.plannedStart, expected: s.expectBy!, explained: /#\s*\S/.test(line.slice(line.indexOf('expect:'))) };
    });
}

describe('the seeds\' times in the example windows', () => {
  it.each(FILES)('%s carries them', (file) => {
    const { window } = loadWindowText(readFileSync(join(__dirname, '../../../windows', file), 'utf8'), file);
    const steps = JSON.stringify(window!.phases);
    expect(steps).toMatch(/"expect":/);
  });

  it.each(FILES)('%s plans every step by its seed time, or says why not beside it', (file) => {
    expect(late(file).filter((x) => !x.explained)).toEqual([]);
  });
});
