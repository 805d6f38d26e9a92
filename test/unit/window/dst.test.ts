import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { planWindow, type Plan, type PlanTime } from '../../../shared/window/plan';
import { renderPlanText } from '../../../shared/window/render-text';
import { Window, type WindowDef } from '../../../shared/window/schema';
import { parseWallTime, resolveWallTime } from '../../../shared/window/walltime';

/**
 * The US transitions of 2025 in America/New_York, with India beside them. IST is
 * UTC+5:30 all year, so the IST column is the UTC instant plus 5h30 on both dates.
 */

const FIXTURES = join(__dirname, '../../fixtures/windows');
const IST = 'Asia/Kolkata';
const MINUTE = 60_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const raw = (name: string): Doc => parse(readFileSync(join(FIXTURES, name), 'utf8')) as Doc;
const step = (plan: Plan, id: string) => plan.steps.find((s) => s.id === id)!;
const utc = (iso: string) => Date.parse(iso);

/** Every time in the plan: its ISO texts name the same instant, and IST is always +05:30. */
function expectConsistentTimes(plan: Plan): void {
  const times: PlanTime[] = [plan.start, plan.end, ...plan.steps.flatMap((s) => [s.start, s.end])];
  for (const t of times) {
    expect(Date.parse(t.iso)).toBe(t.epochMs);
    expect(Date.parse(t.zones[IST]!)).toBe(t.epochMs);
    expect(t.zones[IST]).toMatch(/\+05:30$/);
  }
}

describe('2025-03-09: clocks spring forward at 02:00 EST', () => {
  const window: WindowDef = Window.parse(raw('plan-dst-spring.yaml'));
  const plan = planWindow(window);

  it('resolves times on both sides of the gap to the right UTC instants', () => {
    expect(plan.start).toEqual({ epochMs: utc('2025-03-09T06:00:00Z'), iso: '2025-03-09T01:00:00-05:00', zones: { [IST]: '2025-03-09T11:30:00+05:30' } });
    expect(step(plan, 'half-past-one').start).toMatchObject({ epochMs: utc('2025-03-09T06:30:00Z'), iso: '2025-03-09T01:30:00-05:00' });
    expect(step(plan, 'at-four').start).toEqual({ epochMs: utc('2025-03-09T08:00:00Z'), iso: '2025-03-09T04:00:00-04:00', zones: { [IST]: '2025-03-09T13:30:00+05:30' } });
  });

  it('counts real elapsed time across the gap', () => {
    // 01:00 → 04:00 on the wall is two hours.
    expect((step(plan, 'at-four').start.epochMs - plan.start.epochMs) / MINUTE).toBe(120);
    const long = step(plan, 'long-job');
    expect(long.minutes).toBe(90);
    expect(long.end).toEqual({ epochMs: utc('2025-03-09T07:30:00Z'), iso: '2025-03-09T03:30:00-04:00', zones: { [IST]: '2025-03-09T13:00:00+05:30' } });
    expect(step(plan, 'half-past-one').end.iso).toBe('2025-03-09T03:30:00-04:00');
    // 01:00 EST → 04:30 EDT.
    expect(plan.makespanMinutes).toBe(150);
    expect(plan.budget).toMatchObject({ fits: true, spareMinutes: 30 });
    expect(plan.budget!.deadline.iso).toBe('2025-03-09T05:00:00-04:00');
  });

  it('prints the change of abbreviation and an IST column without one', () => {
    const text = renderPlanText(plan);
    expect(text).toContain('Sun 01:00 EST–03:30 EDT | Sun 11:30–13:00 IST');
    expect(text).toContain('Sun 04:00–04:30 EDT | Sun 13:30–14:00 IST');
    expect(text).toMatch(/^Window Sun 01:00 EST \| Sun 11:30 IST {2}→ {2}Sun 04:30 EDT \| Sun 14:00 IST$/m);
  });

  it('keeps every ISO text consistent with its instant', () => {
    expectConsistentTimes(plan);
  });

  it('refuses a time in the gap with the reason', () => {
    const doc = raw('plan-dst-spring.yaml');
    doc.phases[0].steps[1].at = 'Sunday 02:30';
    expect(() => planWindow(Window.parse(doc))).toThrow(/2025-03-09 02:30 does not exist in America\/New_York \(clocks spring forward\); use 03:00 or later/);
  });
});

describe('2025-11-02: clocks fall back at 02:00 EDT', () => {
  const window: WindowDef = Window.parse(raw('plan-dst-fall.yaml'));
  const plan = planWindow(window);

  it('tells the two 01:30s apart by their abbreviation', () => {
    const first = step(plan, 'first-half-past-one').start;
    const second = step(plan, 'second-half-past-one').start;
    expect(first).toEqual({ epochMs: utc('2025-11-02T05:30:00Z'), iso: '2025-11-02T01:30:00-04:00', zones: { [IST]: '2025-11-02T11:00:00+05:30' } });
    expect(second).toEqual({ epochMs: utc('2025-11-02T06:30:00Z'), iso: '2025-11-02T01:30:00-05:00', zones: { [IST]: '2025-11-02T12:00:00+05:30' } });
    expect((second.epochMs - first.epochMs) / MINUTE).toBe(60);
  });

  it('counts real elapsed time across the repeated hour', () => {
    const twoHours = step(plan, 'two-hours');
    expect(twoHours.start.iso).toBe('2025-11-02T00:30:00-04:00');
    expect(twoHours.end).toEqual({ epochMs: utc('2025-11-02T06:30:00Z'), iso: '2025-11-02T01:30:00-05:00', zones: { [IST]: '2025-11-02T12:00:00+05:30' } });
    expect(twoHours.minutes).toBe(120);
    const atThree = step(plan, 'at-three');
    expect(atThree.start).toEqual({ epochMs: utc('2025-11-02T08:00:00Z'), iso: '2025-11-02T03:00:00-05:00', zones: { [IST]: '2025-11-02T13:30:00+05:30' } });
    // 00:30 → 03:00 on the wall is three and a half hours.
    expect((atThree.start.epochMs - plan.start.epochMs) / MINUTE).toBe(210);
    expect(plan.makespanMinutes).toBe(220);
  });

  it('prints EDT and EST on the repeated hour and IST beside them', () => {
    const text = renderPlanText(plan);
    expect(text).toContain('Sun 01:30–01:45 EDT | Sun 11:00–11:15 IST');
    expect(text).toContain('Sun 01:30–01:45 EST | Sun 12:00–12:15 IST');
    expect(text).toContain('Sun 00:30 EDT–01:30 EST | Sun 10:00–12:00 IST');
  });

  it('keeps every ISO text consistent with its instant', () => {
    expectConsistentTimes(plan);
  });

  it('writes a recommended time inside the repeated hour with its offset, so it resolves back', () => {
    const rec = plan.recommendations.find((r) => r.target === 'at-three');
    expect(rec).toBeDefined();
    const parsed = parseWallTime(rec!.suggestedText);
    if (typeof parsed === 'string') throw new Error(parsed);
    const resolved = resolveWallTime(parsed, window.date, window.timeZone);
    expect(resolved).toMatchObject({ ok: true, epochMs: rec!.suggested.epochMs });
  });

  it('refuses an ambiguous time without a side', () => {
    const doc = raw('plan-dst-fall.yaml');
    doc.phases[0].steps[1].at = 'Sunday 01:30';
    expect(() => planWindow(Window.parse(doc))).toThrow(/2025-11-02 01:30 is ambiguous in America\/New_York/);
  });
});
