import { zoneAbbreviation } from '../../../shared/window/plan/times';

/** Zone names are remembered per zone and instant (a status page names the same instants at every render): still right on each side of a change. */

test('each instant keeps its own name across a DST change, asked any number of times, in any order', () => {
  const beforeFallBack = Date.parse('2025-11-02T05:30:00Z'); // 01:30 EDT
  const afterFallBack = Date.parse('2025-11-02T06:30:00Z'); // 01:30 EST
  for (let i = 0; i < 3; i++) {
    expect(zoneAbbreviation(beforeFallBack, 'America/New_York')).toBe('EDT');
    expect(zoneAbbreviation(afterFallBack, 'America/New_York')).toBe('EST');
    expect(zoneAbbreviation(afterFallBack, 'Asia/Kolkata')).toBe('IST');
    expect(zoneAbbreviation(beforeFallBack, 'Europe/London')).toBe('GMT');
  }
  expect(zoneAbbreviation(Date.parse('2025-06-22T12:00:00Z'), 'Europe/London')).toBe('BST');
});
