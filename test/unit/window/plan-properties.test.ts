import fc from 'fast-check';
import { DateTime } from 'luxon';
import { stringify } from 'yaml';
import { loadWindowText } from '../../../shared/window/load';
import { planWindow, type Plan } from '../../../shared/window/plan';
import type { WindowDef } from '../../../shared/window/schema';
import { randomWindow, type Doc } from '../../support/random-window';
import { checkAll } from './plan-checks';

/**
 * Properties of the planner over generated windows (issue 12): every window `mw validate`
 * accepts plans without an exception; the plan keeps every floor (replayed from its batches),
 * every `after:` and `at:`, and lies at or above both of its lower bounds; and the bounds are
 * honest: pinning steps later with `at:` (any schedule so pinned is a schedule of the original
 * window) never ends earlier than the makespan bound, nor keeps the page up for less than the
 * page-up bound.
 */

const SEARCH = { recommend: false, searchEvaluations: 40 } as const;

function accepted(doc: Doc): WindowDef | undefined {
  return loadWindowText(stringify(doc), 'random.yaml').window;
}

/** The same window with steps pinned (`at:`) at or after where the plan put them. */
function pinned(doc: Doc, plan: Plan, picks: { step: number; later: number }[]): Doc {
  const copy = structuredClone(doc);
  const byId = new Map<string, Doc>();
  const walk = (items: Doc[]) => items.forEach((i: Doc) => (i.kind === 'parallel' || i.kind === 'sequence' ? walk(i.steps) : byId.set(i.id, i)));
  copy.phases.forEach((p: Doc) => walk(p.steps));
  const planned = plan.steps.filter((s) => s.status === 'planned');
  for (const pick of picks) {
    const step = planned[pick.step % Math.max(1, planned.length)];
    if (!step) continue;
    const at = DateTime.fromMillis(step.start.epochMs + pick.later * 5 * 60_000, { zone: plan.timeZone });
    byId.get(step.id)!.at = at.toFormat('yyyy-MM-dd HH:mm ZZ');
  }
  return copy;
}

describe('generated windows', () => {
  let seen = 0;
  let planned = 0;
  afterAll(() => {
    // The generator is worth its runs only if most of what it writes is a valid window.
    expect(planned).toBeGreaterThan(seen * 0.6);
  });

  it('plan without an exception, keep floors, after:, at:, and lie at or above both bounds (500 windows)', () => {
    fc.assert(
      fc.property(randomWindow(), (doc) => {
        seen++;
        const window = accepted(doc);
        if (!window) return;
        planned++;
        const plan = planWindow(window, SEARCH);
        checkAll(window, plan);
      }),
      { numRuns: 500, seed: 20250622 },
    );
  });

  it('have honest bounds: no pinned variant ends earlier or keeps the page up for less (150 windows)', () => {
    fc.assert(
      fc.property(randomWindow(), fc.array(fc.record({ step: fc.nat(), later: fc.integer({ min: 0, max: 24 }) }), { minLength: 1, maxLength: 4 }), (doc, picks) => {
        const window = accepted(doc);
        if (!window) return;
        const plan = planWindow(window, SEARCH);
        const variant = accepted(pinned(doc, plan, picks));
        if (!variant) return;
        const other = planWindow(variant, SEARCH);
        checkAll(variant, other);
        // The pinned plan is a schedule of the original window (its pins only add constraints).
        expect(other.makespanMinutes + (other.start.epochMs - plan.start.epochMs) / 60_000).toBeGreaterThanOrEqual(plan.lowerBound.minutes - 1e-6);
        expect(other.pageUp.minutes).toBeGreaterThanOrEqual(plan.pageUp.lowerBoundMinutes - 1e-6);
      }),
      { numRuns: 150, seed: 20251102 },
    );
  });
});
