import fc from 'fast-check';
import { formatAt, formatRange, hasIsoInstant, humanizeTimes, slipText, zonesOf } from '../../../shared/api/times';

const ET_IST = zonesOf({ timeZone: 'America/New_York', displayZones: ['Asia/Kolkata'] });

describe('times for people', () => {
  it('writes an instant in the window zone and its display zones, the weekday only where the day differs', () => {
    expect(formatAt('2025-06-22T12:00:00.000Z', ET_IST)).toBe('Sun 08:00 EDT | 17:30 IST');
    // Saturday evening in New York is already Sunday in India (seed 002: "Midnight Eastern (9:30AM IST)").
    expect(formatAt('2025-06-21T23:00:00.000Z', ET_IST)).toBe('Sat 19:00 EDT | Sun 04:30 IST');
    expect(formatAt(undefined, ET_IST)).toBe('–');
  });

  it('writes midnight as 00:00 of the next day, never 24:00', () => {
    expect(formatAt('2025-06-22T04:00:00.000Z', ET_IST)).toBe('Sun 00:00 EDT | 09:30 IST');
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }), (ms) => {
        expect(formatAt(ms, ET_IST)).not.toMatch(/24:\d\d/);
      }),
    );
  });

  it('follows the zone across a DST change (EST in November)', () => {
    expect(formatAt('2025-11-02T12:00:00.000Z', ET_IST)).toBe('Sun 07:00 EST | 17:30 IST');
  });

  it('writes ranges per zone, with the end weekday when the day changes', () => {
    expect(formatRange('2025-06-22T09:00:00.000Z', '2025-06-22T11:10:00.000Z', ET_IST)).toBe('Sun 05:00–07:10 EDT | 14:30–16:40 IST');
    expect(formatRange('2025-06-22T02:00:00.000Z', '2025-06-22T05:00:00.000Z', ET_IST)).toBe('Sat 22:00–Sun 01:00 EDT | Sun 07:30–10:30 IST');
  });

  it('rewrites every ISO instant inside free text and leaves the rest alone', () => {
    expect(humanizeTimes('not before 2025-06-22T04:00:00.000Z (see PLAT-1594)', ET_IST)).toBe('not before Sun 00:00 EDT | 09:30 IST (see PLAT-1594)');
    expect(humanizeTimes('planned to end 2025-06-22T15:29:00Z, then 2025-06-22T11:29:00-04:00.', ET_IST)).toBe('planned to end Sun 11:29 EDT | 20:59 IST, then Sun 11:29 EDT | 20:59 IST.');
    expect(hasIsoInstant('tag platform-0/1.26.0 on 2025-06-22')).toBe(false);
    expect(hasIsoInstant('at 2025-06-22T04:00:00.000Z')).toBe(true);
  });

  it('says ahead of or behind plan the right way round', () => {
    expect(slipText(40)).toBe('40m behind plan');
    expect(slipText(-84)).toBe('1h 24m ahead of plan');
    expect(slipText(0)).toBe('on plan');
    expect(slipText(undefined)).toBe('on plan');
  });
});
