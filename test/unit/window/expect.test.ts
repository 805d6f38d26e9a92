import { readFileSync } from 'fs';
import { join } from 'path';
import { loadWindowText } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { renderPlanText } from '../../../shared/window/render-text';

/**
 * Seed times kept or flagged: each example window carries the seeds' times as `expect:`, and
 * plans every such step to begin by then, or says why not (`expect: { at, why }`), which
 * `mw plan` prints beside the step.
 */

const FILES = ['2025-02-23-monthly.yaml', '2025-04-13-monthly.yaml', '2025-06-22-monthly.yaml', '2025-09-08-canary.yaml'];

function planOf(file: string, edit: (text: string) => string = (t) => t) {
  const text = edit(readFileSync(join(__dirname, '../../../windows', file), 'utf8'));
  const { window, problems } = loadWindowText(text, file);
  expect(problems).toEqual([]);
  return planWindow(window!, { recommend: false });
}

describe('the seeds\' times in the example windows', () => {
  it.each(FILES)('%s carries them', (file) => {
    expect(planOf(file).steps.filter((s) => s.expectBy).length).toBeGreaterThan(0);
  });

  it.each(FILES)('%s plans every step by its seed time, or says why not', (file) => {
    expect(planOf(file).steps.filter((s) => s.lateMinutes && !s.lateBecause).map((s) => s.id)).toEqual([]);
  });
});

describe('mw plan flags a step planned later than its seed time', () => {
  it('names it, how late, and that the window gives no reason', () => {
    // 06-22 without its reason for page-down: the seed says 8 AM, the plan 09:05.
    const plan = planOf('2025-06-22-monthly.yaml', (t) => t.replace(/expect: \{ at: Sunday 08:00, why: "IC-Web6-10[^"]*" \}/, 'expect: Sunday 08:00'));
    const page = plan.steps.find((s) => s.id === 'page-down')!;
    expect([page.expectBy?.epochMs, page.lateMinutes, page.lateBecause]).toEqual([Date.parse('2025-06-22T12:00:00Z'), 65, undefined]);
    const text = renderPlanText(plan);
    expect(text).toMatch(/^Seed times {3}2 of 7 later than the seed, 1 WITHOUT A REASON:$/m);
    expect(text).toMatch(/^ {2}- page-down starts Sun 09:05 EDT \| Sun 18:35 IST, 1h 05m after the seed's Sun 08:00 EDT \| Sun 17:30 IST \(the window does not say why\)$/m);
  });

  it('says so when every seed time is kept', () => {
    expect(renderPlanText(planOf('2025-09-08-canary.yaml'))).toMatch(/^Seed times {3}all 1 kept/m);
  });
});
