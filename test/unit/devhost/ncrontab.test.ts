import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import {
  describeSchedule,
  listOccurrences,
  nextOccurrence,
  parseNcrontab,
  type CronNcrontabSchedule,
  type NcrontabSchedule,
} from '../../../devhost/timer/ncrontab';

const NY = 'America/New_York';
const LA = 'America/Los_Angeles';

/** Epoch ms of a wall-clock time with an explicit UTC offset, e.g. at('2025-11-02T01:30:00-04:00'). */
function at(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test timestamp ${iso}`);
  return ms;
}

/** Renders an instant as local ISO with offset, so failures read like the extension's tests. */
function local(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? 'invalid';
}

function cron(expr: string): CronNcrontabSchedule {
  const s = parseNcrontab(expr);
  if (s.kind !== 'cron') throw new Error(`${expr} parsed as ${s.kind}`);
  return s;
}

function chain(schedule: NcrontabSchedule, fromMs: number, count: number, zone: string): string[] {
  const out: string[] = [];
  let t = fromMs;
  for (let i = 0; i < count; i++) {
    t = nextOccurrence(schedule, t, zone);
    out.push(local(t, zone));
  }
  return out;
}

function matchesFields(s: CronNcrontabSchedule, ms: number, zone: string): boolean {
  const d = DateTime.fromMillis(ms, { zone });
  return (
    d.millisecond === 0 &&
    s.seconds.includes(d.second) &&
    s.minutes.includes(d.minute) &&
    s.hours.includes(d.hour) &&
    s.days.includes(d.day) &&
    s.months.includes(d.month) &&
    s.daysOfWeek.includes(d.weekday % 7)
  );
}

describe('parseNcrontab', () => {
  it('expands 6-field expressions with lists, ranges and steps', () => {
    const s = cron('*/15 10-40/10 1,3,5 1-3 * *');
    expect(s.hasSeconds).toBe(true);
    expect(s.seconds).toEqual([0, 15, 30, 45]);
    expect(s.minutes).toEqual([10, 20, 30, 40]);
    expect(s.hours).toEqual([1, 3, 5]);
    expect(s.days).toEqual([1, 2, 3]);
    expect(s.months).toHaveLength(12);
    expect(s.daysOfWeek).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('reads 5 fields as minutes-first with seconds fixed at 0', () => {
    const s = cron('30 9 * * 1-5');
    expect(s.hasSeconds).toBe(false);
    expect(s.seconds).toEqual([0]);
    expect(s.minutes).toEqual([30]);
    expect(s.hours).toEqual([9]);
    expect(s.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
  });

  it('accepts month and day names case-insensitively, by any prefix as NCrontab does', () => {
    expect(cron('0 0 0 * Jan,MAR,december *').months).toEqual([1, 3, 12]);
    expect(cron('0 0 0 * j *').months).toEqual([1]);
    expect(cron('0 0 0 * Ju *').months).toEqual([6]);
    expect(cron('0 0 0 * * mon-FRI').daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(cron('0 0 0 * * Sunday,sat').daysOfWeek).toEqual([0, 6]);
  });

  it('follows NCrontab on a single value with a step, reversed ranges and a zero step', () => {
    expect(cron('0 5/15 * * * *').minutes).toEqual([5, 20, 35, 50]);
    expect(cron('0 0 5-2 * * *').hours).toEqual([2, 3, 4, 5]);
    expect(cron('*/0 * * * * *').seconds).toHaveLength(60);
  });

  it('tolerates extra spaces between fields', () => {
    expect(cron('  0   */5 * * * *  ').minutes).toHaveLength(12);
  });

  it.each([
    ['0 61 * * * *', RangeError, 'minute: 61 is out of range 0-59'],
    ['60 * * * * *', RangeError, 'second: 60 is out of range 0-59'],
    ['0 0 24 * * *', RangeError, 'hour: 24 is out of range 0-23'],
    ['0 0 0 0 * *', RangeError, 'day: 0 is out of range 1-31'],
    ['0 0 0 * 13 *', RangeError, 'month: 13 is out of range 1-12'],
    ['0 0 0 * * 7', RangeError, 'day-of-week: 7 is out of range 0-6'],
    ['0 0 0 * * 1-7', RangeError, 'day-of-week: 7 is out of range 0-6'],
    ['0 0 0 * Foo *', TypeError, "month: 'Foo' is not a known name"],
    ['0 0 0 * * Xyz', TypeError, "day-of-week: 'Xyz' is not a known name"],
    ['0 abc * * * *', TypeError, "minute: 'abc' is not a number (0-59)"],
    ['0 5x * * * *', TypeError, "minute: '5x' is not a number"],
    ['0 1,,2 * * * *', TypeError, "minute: '1,,2' has an empty list item"],
    ['0 */x * * * *', TypeError, "minute: '*/x' is not a valid step"],
    ['0 0 0 30 2 *', RangeError, 'day: 30 never occurs in month 2'],
    ['* * * *', TypeError, 'got 4 fields'],
    ['* * * * * * *', TypeError, 'got 7 fields'],
    ['', TypeError, 'got 0 fields'],
    ['25:00:00', RangeError, 'hours 25'],
    ['00:61:00', RangeError, 'minutes 61'],
    ['00:00:00', RangeError, 'must be longer than zero'],
  ])('rejects %j with a message naming the field', (expr, type, message) => {
    expect(() => parseNcrontab(expr)).toThrow(type);
    expect(() => parseNcrontab(expr)).toThrow(message);
  });

  it('rejects a non-string schedule with a TypeError', () => {
    expect(() => parseNcrontab(undefined as unknown as string)).toThrow(new TypeError('schedule: expected a string, got undefined'));
  });

  it.each([
    ['00:05:00', 5 * 60_000],
    ['01:00', 3_600_000],
    ['1.02:03:04', 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4000],
    ['00:00:00.5', 500],
    ['2', 2 * 86_400_000],
  ])('parses TimeSpan %j as a fixed interval', (expr, intervalMs) => {
    expect(parseNcrontab(expr)).toEqual({ kind: 'timespan', expression: expr, intervalMs });
  });

  // The extension's own table (CronScheduleTests.IsInterval_ReturnsExpectedValue).
  it.each([
    ['* * * * * *', true],
    ['0 * * * * *', true],
    ['0 0 * * * *', true],
    ['0 0-15 * * * *', true],
    ['0 0 * * * 0', true],
    ['0 0 1-3 * * 0', true],
    ['0 0 0 * * *', false],
    ['0 0 0 1 * *', false],
    ['0 0 0 1 1 *', false],
    ['0 0 0 * * 1', false],
    ['* * * * *', true],
    ['0 * * * *', true],
    ['0-15 * * * *', true],
    ['0 * * * 0', true],
    ['0 1-3 * * 0', true],
    [' 0 1 * * *', false],
    ['0 0 * * *', false],
    ['0 0 1 * *', false],
    ['0 0 1 1 *', false],
    ['0 0 * * 1', false],
    // Normalisation matters: */30 minutes of one hour is a point in time, two adjacent hours are an interval.
    ['0 */30 1 * * *', false],
    ['0 0 1,2 * * *', true],
    ['0 0 */2 * * *', false],
  ])('classifies %j as interval=%s like CronSchedule.IsInterval', (expr, expected) => {
    expect(cron(expr).isInterval).toBe(expected);
  });
});

describe('nextOccurrence in UTC', () => {
  it('is strictly after the given instant, ignoring milliseconds as NCrontab does', () => {
    const s = parseNcrontab('0 */5 * * * *');
    expect(nextOccurrence(s, at('2025-06-01T10:02:30Z'), 'UTC')).toBe(at('2025-06-01T10:05:00Z'));
    expect(nextOccurrence(s, at('2025-06-01T10:05:00Z'), 'UTC')).toBe(at('2025-06-01T10:10:00Z'));
    expect(nextOccurrence(s, at('2025-06-01T10:04:59.999Z'), 'UTC')).toBe(at('2025-06-01T10:05:00Z'));
    expect(nextOccurrence(parseNcrontab('* * * * * *'), at('2025-06-01T10:00:00.500Z'), 'UTC')).toBe(at('2025-06-01T10:00:01Z'));
  });

  it('runs 5-field schedules at second 0 of the next matching minute', () => {
    expect(nextOccurrence(parseNcrontab('*/15 * * * *'), at('2025-06-01T10:15:00Z'), 'UTC')).toBe(at('2025-06-01T10:30:00Z'));
    expect(nextOccurrence(parseNcrontab('* * * * *'), at('2025-06-01T10:15:01Z'), 'UTC')).toBe(at('2025-06-01T10:16:00Z'));
  });

  it('skips months without the day and requires day AND day-of-week to match', () => {
    expect(chain(parseNcrontab('0 0 0 31 * *'), at('2025-01-31T00:00:00Z'), 3, 'UTC')).toEqual([
      '2025-03-31T00:00:00Z',
      '2025-05-31T00:00:00Z',
      '2025-07-31T00:00:00Z',
    ]);
    // Friday the 13th; Vixie cron would also fire on every 13th and every Friday.
    expect(chain(parseNcrontab('0 0 9 13 * Fri'), at('2025-01-01T00:00:00Z'), 2, 'UTC')).toEqual(['2025-06-13T09:00:00Z', '2026-02-13T09:00:00Z']);
    expect(nextOccurrence(parseNcrontab('0 0 12 29 Feb *'), at('2025-01-01T00:00:00Z'), 'UTC')).toBe(at('2028-02-29T12:00:00Z'));
  });

  it('adds the interval to any instant for TimeSpan schedules', () => {
    const s = parseNcrontab('00:05:00');
    expect(nextOccurrence(s, 1234, 'UTC')).toBe(1234 + 300_000);
    expect(nextOccurrence(s, at('2025-11-02T05:58:00Z'), NY)).toBe(at('2025-11-02T06:03:00Z'));
  });

  it('rejects unknown zones and non-finite instants', () => {
    const s = parseNcrontab('0 * * * * *');
    expect(() => nextOccurrence(s, 0, 'Eastern Standard Time')).toThrow(RangeError);
    expect(() => nextOccurrence(s, 0, 'Eastern Standard Time')).toThrow("timeZone: 'Eastern Standard Time' is not an IANA time zone");
    expect(() => nextOccurrence(s, 0, '')).toThrow('timeZone: expected an IANA time zone name');
    expect(() => nextOccurrence(s, Number.NaN, 'UTC')).toThrow(new TypeError('afterMs: expected a finite number of epoch milliseconds, got NaN'));
  });
});

describe('nextOccurrence in Asia/Kolkata (UTC+05:30, no DST)', () => {
  it('reads the fields in local time', () => {
    expect(nextOccurrence(parseNcrontab('0 30 9 * * *'), at('2025-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe(at('2025-01-01T04:00:00Z'));
    expect(nextOccurrence(parseNcrontab('0 0 0 * * *'), at('2025-01-01T18:00:00Z'), 'Asia/Kolkata')).toBe(at('2025-01-01T18:30:00Z'));
    // Monday in Kolkata while it is still Sunday in UTC.
    expect(local(nextOccurrence(parseNcrontab('0 0 2 * * Mon'), at('2025-06-01T12:00:00Z'), 'Asia/Kolkata'), 'Asia/Kolkata')).toBe('2025-06-02T02:00:00+05:30');
  });
});

describe('nextOccurrence across America/New_York spring forward (2025-03-09 02:00 EST -> 03:00 EDT)', () => {
  it('runs a point-in-time schedule inside the gap one gap-length later, at 03:30 EDT', () => {
    expect(chain(parseNcrontab('0 30 2 * * *'), at('2025-03-08T12:00:00-05:00'), 3, NY)).toEqual([
      '2025-03-09T03:30:00-04:00',
      '2025-03-10T02:30:00-04:00',
      '2025-03-11T02:30:00-04:00',
    ]);
  });

  it('runs a schedule outside the gap at its wall time on both sides', () => {
    expect(chain(parseNcrontab('0 30 1 * * *'), at('2025-03-08T12:00:00-05:00'), 2, NY)).toEqual(['2025-03-09T01:30:00-05:00', '2025-03-10T01:30:00-04:00']);
  });

  it('keeps interval schedules on real elapsed time', () => {
    const times = listOccurrences(parseNcrontab('0 */30 * * * *'), at('2025-03-09T00:45:00-05:00'), at('2025-03-09T04:00:00-04:00'), NY);
    expect(times.map((t) => local(t, NY))).toEqual([
      '2025-03-09T01:00:00-05:00',
      '2025-03-09T01:30:00-05:00',
      '2025-03-09T03:00:00-04:00',
      '2025-03-09T03:30:00-04:00',
    ]);
    expect(new Set(times.slice(1).map((t, i) => t - (times[i] as number)))).toEqual(new Set([30 * 60_000]));
  });
});

describe('nextOccurrence across America/New_York fall back (2025-11-02 02:00 EDT -> 01:00 EST)', () => {
  it('runs a point-in-time schedule once in the repeated hour, on daylight time', () => {
    expect(chain(parseNcrontab('0 30 1 * * *'), at('2025-11-01T12:00:00-04:00'), 3, NY)).toEqual([
      '2025-11-02T01:30:00-04:00',
      '2025-11-03T01:30:00-05:00',
      '2025-11-04T01:30:00-05:00',
    ]);
  });

  it('runs two point-in-time slots inside the repeated hour once each', () => {
    expect(chain(parseNcrontab('0 15,45 1 * * *'), at('2025-11-02T00:00:00-04:00'), 3, NY)).toEqual([
      '2025-11-02T01:15:00-04:00',
      '2025-11-02T01:45:00-04:00',
      '2025-11-03T01:15:00-05:00',
    ]);
  });

  it('skips the second 01:30 when asked from standard time inside the repeated hour', () => {
    expect(local(nextOccurrence(parseNcrontab('0 30 1 * * *'), at('2025-11-02T01:29:00-05:00'), NY), NY)).toBe('2025-11-03T01:30:00-05:00');
  });

  it('keeps a 30-minute interval through both passes of the repeated hour', () => {
    expect(chain(parseNcrontab('0 */30 * * * *'), at('2025-11-02T00:30:00-04:00'), 5, NY)).toEqual([
      '2025-11-02T01:00:00-04:00',
      '2025-11-02T01:30:00-04:00',
      '2025-11-02T01:00:00-05:00',
      '2025-11-02T01:30:00-05:00',
      '2025-11-02T02:00:00-05:00',
    ]);
  });

  it('keeps a 5-minute interval exactly 5 real minutes apart across the transition', () => {
    const times = listOccurrences(parseNcrontab('0 */5 * * * *'), at('2025-11-02T00:00:00-04:00'), at('2025-11-02T03:00:00-05:00'), NY);
    expect(times).toHaveLength(4 * 12 - 1);
    expect(new Set(times.slice(1).map((t, i) => t - (times[i] as number)))).toEqual(new Set([5 * 60_000]));
  });

  it('mirrors the extension quirk: an interval asked from the daylight pass shifts a far next by the offset change', () => {
    expect(local(nextOccurrence(parseNcrontab('0 0 * 5 * *'), at('2025-11-02T01:30:00-04:00'), NY), NY)).toBe('2025-11-04T23:00:00-05:00');
    expect(local(nextOccurrence(parseNcrontab('0 0 * 5 * *'), at('2025-11-02T01:30:00-05:00'), NY), NY)).toBe('2025-11-05T00:00:00-05:00');
  });
});

// The extension's CronScheduleTests, Pacific time 2018, with the same inputs and expected offsets.
describe('parity with the WebJobs extension CronScheduleTests (America/Los_Angeles, 2018)', () => {
  it('Interval_IntoDST', () => {
    expect(chain(parseNcrontab('0 30 * * * *'), at('2018-03-11T00:00:00-08:00'), 5, LA)).toEqual([
      '2018-03-11T00:30:00-08:00',
      '2018-03-11T01:30:00-08:00',
      '2018-03-11T03:30:00-07:00',
      '2018-03-11T04:30:00-07:00',
      '2018-03-11T05:30:00-07:00',
    ]);
  });

  it('PointInTime_IntoDST', () => {
    expect(chain(parseNcrontab('0 30 1 * * *'), at('2018-03-10T00:00:00-08:00'), 5, LA)).toEqual([
      '2018-03-10T01:30:00-08:00',
      '2018-03-11T01:30:00-08:00',
      '2018-03-12T01:30:00-07:00',
      '2018-03-13T01:30:00-07:00',
      '2018-03-14T01:30:00-07:00',
    ]);
  });

  it('PointInTime_WithinAmbiguousHour (every 20 minutes)', () => {
    expect(chain(parseNcrontab('0 */20 * * * *'), at('2018-11-04T00:30:00-07:00'), 9, LA)).toEqual([
      '2018-11-04T00:40:00-07:00',
      '2018-11-04T01:00:00-07:00',
      '2018-11-04T01:20:00-07:00',
      '2018-11-04T01:40:00-07:00',
      '2018-11-04T01:00:00-08:00',
      '2018-11-04T01:20:00-08:00',
      '2018-11-04T01:40:00-08:00',
      '2018-11-04T02:00:00-08:00',
      '2018-11-04T02:20:00-08:00',
    ]);
  });

  it('Interval_OutOfDST', () => {
    expect(chain(parseNcrontab('0 30 * * * *'), at('2018-11-04T00:00:00-07:00'), 5, LA)).toEqual([
      '2018-11-04T00:30:00-07:00',
      '2018-11-04T01:30:00-07:00',
      '2018-11-04T01:30:00-08:00',
      '2018-11-04T02:30:00-08:00',
      '2018-11-04T03:30:00-08:00',
    ]);
  });

  it('PointInTime_OutOfDST', () => {
    expect(chain(parseNcrontab('0 30 1 * * *'), at('2018-11-03T00:00:00-07:00'), 5, LA)).toEqual([
      '2018-11-03T01:30:00-07:00',
      '2018-11-04T01:30:00-07:00',
      '2018-11-05T01:30:00-08:00',
      '2018-11-06T01:30:00-08:00',
      '2018-11-07T01:30:00-08:00',
    ]);
  });
});

describe('listOccurrences', () => {
  it('excludes both ends, as NCrontab GetNextOccurrences does', () => {
    const s = parseNcrontab('0 0 * * * *');
    expect(listOccurrences(s, at('2025-06-01T10:00:00Z'), at('2025-06-01T13:00:00Z'), 'UTC')).toEqual([at('2025-06-01T11:00:00Z'), at('2025-06-01T12:00:00Z')]);
  });

  it('stops at maxCount and validates it', () => {
    const s = parseNcrontab('* * * * * *');
    expect(listOccurrences(s, 0, 86_400_000, 'UTC', { maxCount: 3 })).toEqual([1000, 2000, 3000]);
    expect(listOccurrences(s, 0, 86_400_000, 'UTC')).toHaveLength(10_000);
    expect(() => listOccurrences(s, 0, 1, 'UTC', { maxCount: -1 })).toThrow('maxCount: expected a non-negative integer');
  });
});

describe('describeSchedule', () => {
  it.each([
    ['0 */30 * * * *', "Cron: '0 0,30 * * * *'", 'at second 0, every 30 minutes'],
    ['0 30 1 * * *', "Cron: '0 30 1 * * *'", 'at 01:30:00'],
    ['0 0 9 * * mon-fri', "Cron: '0 0 9 * * 1-5'", 'at 09:00:00, on Mon-Fri'],
    ['*/5 * * * *', "Cron: '0,5,10,15,20,25,30,35,40,45,50,55 * * * *'", 'every 5 minutes'],
    ['0 0 0 1 Jan,Jul *', "Cron: '0 0 0 1 1,7 *'", 'at 00:00:00, on day 1 of the month, in Jan,Jul'],
    ['* * * * * *', "Cron: '* * * * * *'", 'every second'],
  ])('renders %j', (expr, display, summary) => {
    const d = describeSchedule(parseNcrontab(expr));
    expect(d.display).toBe(display);
    expect(d.summary).toBe(summary);
  });

  it('renders TimeSpan schedules like ConstantSchedule.ToString', () => {
    expect(describeSchedule(parseNcrontab('1.02:03:04'))).toEqual({
      display: 'Constant: 1.02:03:04',
      summary: 'every 93784 seconds',
      kind: 'timespan',
      isInterval: true,
      subMinute: false,
    });
    expect(describeSchedule(parseNcrontab('00:05:00')).summary).toBe('every 5 minutes');
  });

  it.each([
    ['*/10 * * * * *', true],
    ['0,30 * * * * *', true],
    ['0 * * * * *', false],
    ['*/10 */2 * * * *', false],
    ['* * * * *', false],
    ['00:00:30', true],
    ['00:01:00', false],
  ])('flags %j as subMinute=%s (the host disables useMonitor)', (expr, expected) => {
    expect(describeSchedule(parseNcrontab(expr)).subMinute).toBe(expected);
  });
});

describe('properties', () => {
  const fieldArb = (min: number, max: number, names?: readonly string[]): fc.Arbitrary<string> => {
    const value = fc.integer({ min, max });
    const named = names ? fc.integer({ min, max }).map((v) => (names[v - min] as string).slice(0, 3)) : value.map(String);
    return fc.oneof(
      fc.constant('*'),
      fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) }).map((k) => `*/${k}`),
      named,
      fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.tuple(value, value, fc.integer({ min: 1, max: 10 })).map(([a, b, k]) => `${Math.min(a, b)}-${Math.max(a, b)}/${k}`),
      fc.uniqueArray(value, { minLength: 2, maxLength: 4 }).map((vs) => vs.join(',')),
    );
  };
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const cronArb = fc
    .tuple(fieldArb(0, 59), fieldArb(0, 59), fieldArb(0, 23), fieldArb(1, 28), fieldArb(1, 12, MONTHS), fieldArb(0, 6, DAYS), fc.boolean())
    .map(([s, m, h, d, mo, dow, withSeconds]) => (withSeconds ? [s, m, h, d, mo, dow] : [m, h, d, mo, dow]).join(' '));
  const instantArb = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) });
  const zoneArb = fc.constantFrom('UTC', 'Asia/Kolkata', NY, LA, 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe');

  it('chains strictly increasing occurrences that match the fields away from offset changes', () => {
    fc.assert(
      fc.property(cronArb, instantArb, zoneArb, (expr, start, zone) => {
        const s = cron(expr);
        const z = IANAZone.create(zone);
        let t = start;
        for (let i = 0; i < 6; i++) {
          const next = nextOccurrence(s, t, zone);
          expect(next).toBeGreaterThan(t);
          // The DST adjustments deliberately move a result off its wall time only when the offset changes or a
          // repeated hour is involved; everywhere else the wall time must match every field.
          if (z.offset(t) === z.offset(next) && !inRepeatedHour(zone, t) && !inRepeatedHour(zone, next)) {
            expect(matchesFields(s, next, zone)).toBe(true);
          }
          t = next;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('always matches the fields in zones without offset changes', () => {
    fc.assert(
      fc.property(cronArb, instantArb, fc.constantFrom('UTC', 'Asia/Kolkata', 'Asia/Tokyo'), (expr, start, zone) => {
        const s = cron(expr);
        const next = nextOccurrence(s, start, zone);
        expect(next).toBeGreaterThan(start);
        expect(matchesFields(s, next, zone)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the earliest match (brute-force minute scan, 5-field schedules in UTC)', () => {
    const denseCron = fc
      .tuple(fieldArb(0, 59), fieldArb(0, 23), fc.constantFrom('*', '1-15', '*/2'), fc.constant('*'), fc.constantFrom('*', '1-5', 'Sat,Sun'))
      .map((parts) => parts.join(' '));
    fc.assert(
      fc.property(denseCron, instantArb, (expr, start) => {
        const s = cron(expr);
        const next = nextOccurrence(s, start, 'UTC');
        let expected = Math.floor(start / 60_000) * 60_000 + 60_000;
        while (!matchesFields(s, expected, 'UTC')) expected += 60_000;
        expect(next).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });
});

/** True when the wall-clock time of `ms` occurs twice in `zone` (a fall-back hour). */
function inRepeatedHour(zone: string, ms: number): boolean {
  const z = IANAZone.create(zone);
  const wall = ms + z.offset(ms) * 60_000;
  const candidates = [z.offset(ms - 86_400_000), z.offset(ms + 86_400_000)].map((o) => wall - o * 60_000);
  return new Set(candidates.filter((c) => wall - z.offset(c) * 60_000 === c)).size === 2;
}
