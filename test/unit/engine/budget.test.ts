import { readFileSync } from 'fs';
import { join } from 'path';
import { estimateOf, heldToBudget, minutesNeeded } from '../../../shared/orchestrations/budget';
import { loadWindowText } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { compileRunbook, type Runbook } from '../../../shared/window/runbook';

/** The runtime budget: what a step needs of the time left, from the compiled example windows. */

function runbookOf(file: string): Runbook {
  const text = readFileSync(join(__dirname, '../../..', file), 'utf8');
  const { window, problems } = loadWindowText(text, file);
  expect(problems).toEqual([]);
  return compileRunbook(window!, planWindow(window!, { recommend: false }), 'test');
}

const nothingSettled = () => false;

describe('seed 004: the 30-minute rule on Mock', () => {
  const runbook = runbookOf('windows/consul-takedown.yaml');
  const maintenanceStart = Date.parse('2025-10-15T21:15:00-04:00');
  const endsAt = Date.parse(runbook.budgetEndsAt!);
  const fits = (mockMinutes: number) => maintenanceStart + minutesNeeded(runbook.steps, 'perform-maintenance', maintenanceStart, new Map([['mock-maintenance', mockMinutes]]), nothingSettled) * 60_000 <= endsAt;

  it('fits the maintenance when Mock took 30 minutes or less, and not when it took more', () => {
    expect(fits(20)).toBe(true);
    expect(fits(30)).toBe(true);
    expect(fits(31)).toBe(false);
    expect(fits(45)).toBe(false);
  });

  it('estimates production at twice what Mock took, and at the planned 40 minutes before Mock has run', () => {
    const maintenance = runbook.steps.find((s) => s.id === 'perform-maintenance')!;
    expect(estimateOf(maintenance, new Map([['mock-maintenance', 45]]))).toBe(90);
    expect(estimateOf(maintenance, new Map())).toBe(40);
  });

  it('lets the take-down start when only the deferrable maintenance would not fit: what must follow it is the restore', () => {
    const takeDownStart = Date.parse('2025-10-15T21:05:00-04:00');
    const slowMock = new Map([['mock-maintenance', 45]]);
    expect(minutesNeeded(runbook.steps, 'take-down', takeDownStart, slowMock, nothingSettled)).toBe(10 + 10);
  });

  it('never holds back what puts things back', () => {
    const held = runbook.steps.filter(heldToBudget).map((s) => s.id);
    expect(held).toEqual(['final-maintenance', 'mock-maintenance', 'coordinate-partners', 'take-down', 'perform-maintenance']);
  });
});

describe('a window running late', () => {
  const runbook = runbookOf('test/fixtures/windows/e2e-budget.yaml');

  it('counts a step, the steps that must follow it and their estimates, but not deferrable followers', () => {
    const at = Date.parse('2025-06-22T06:17:00-04:00');
    // global-infra 20 + (hub-infra deferrable: 0) + smoke 20 + done 1
    expect(minutesNeeded(runbook.steps, 'global-infra', at, new Map(), nothingSettled)).toBe(41);
    // smoke 20 + done 1
    expect(minutesNeeded(runbook.steps, 'smoke', at, new Map(), nothingSettled)).toBe(21);
  });

  it('counts the gap until a follower\'s not-before time', () => {
    const takedown = runbookOf('windows/consul-takedown.yaml');
    const mockStart = Date.parse('2025-10-15T13:30:00-04:00');
    // Mock 20m, then nothing until the production phase at 21:00: partners 5, take-down 10, (maintenance deferrable), restore 10.
    expect(minutesNeeded(takedown.steps, 'mock-maintenance', mockStart, new Map(), nothingSettled)).toBe(7 * 60 + 30 + 25);
  });

});
