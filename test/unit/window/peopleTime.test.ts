import { peopleTime } from '../../../shared/window/peopleTime';

describe('times for people', () => {
  it('shows the window zone, then the display zones, with the weekday only where the day differs', () => {
    expect(peopleTime('2025-06-22T12:00:00Z', 'America/New_York', ['Asia/Kolkata'])).toBe('Sun 08:00 EDT | 17:30 IST');
    expect(peopleTime('2025-06-22T03:00:00Z', 'America/New_York', ['Asia/Kolkata'])).toBe('Sat 23:00 EDT | Sun 08:30 IST');
  });

  it('follows the zone rules of the date (EST in winter) and takes epoch milliseconds too', () => {
    expect(peopleTime(Date.parse('2025-02-23T09:50:00Z'), 'America/New_York', ['Asia/Kolkata'])).toBe('Sun 04:50 EST | 15:20 IST');
  });

  it('never repeats the window zone and needs no display zone', () => {
    expect(peopleTime('2025-09-08T04:30:00Z', 'Asia/Kolkata', ['Asia/Kolkata', 'America/New_York'])).toBe('Mon 10:00 IST | 00:30 EDT');
    expect(peopleTime('2025-09-08T04:30:00Z', 'Asia/Kolkata')).toBe('Mon 10:00 IST');
  });
});
