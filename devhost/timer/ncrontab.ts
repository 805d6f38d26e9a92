/**
 * NCRONTAB schedules for timer triggers, evaluated the way the Azure Functions host evaluates them.
 *
 * Sources (read with the search tools; nothing copied):
 * - Parsing mirrors NCrontab 3.3.3 (atifaziz/NCrontab, `CrontabFieldImpl.cs`, `CrontabField.cs`,
 *   `CrontabSchedule.cs`), the version the WebJobs extension references.
 * - Schedule selection and DST handling mirror Azure/azure-webjobs-sdk-extensions
 *   `src/WebJobs.Extensions/Extensions/Timers/Scheduling/TimerSchedule.cs` (`Create`),
 *   `CronSchedule.cs` (`IsInterval`, `GetNextOccurrence`, `TryAdjustAmbiguousTime`) and `ConstantSchedule.cs`,
 *   checked against the extension's own `CronScheduleTests.cs` (ported in our unit tests).
 */
import { IANAZone } from 'luxon';

/** One NCRONTAB field; `name` is used in error messages. */
export type NcrontabFieldName = 'second' | 'minute' | 'hour' | 'day' | 'month' | 'day-of-week';

/** A parsed cron expression: every field expanded to its sorted set of allowed values. */
export interface CronNcrontabSchedule {
  readonly kind: 'cron';
  /** The expression as written. */
  readonly expression: string;
  /** False for 5-field expressions (which fire at second 0). */
  readonly hasSeconds: boolean;
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly days: readonly number[];
  readonly months: readonly number[];
  /** 0 = Sunday .. 6 = Saturday (NCrontab rejects 7). */
  readonly daysOfWeek: readonly number[];
  /**
   * The extension's `CronSchedule.IsInterval`: the second, minute or hour field (minute or hour for 5 fields)
   * spans two or more consecutive values (so its normalised form contains `*` or `-`). Interval schedules keep
   * running through the repeated fall-back hour; the others ("point in time") fire once in it.
   */
  readonly isInterval: boolean;
}

/** A TimeSpan schedule (`hh:mm:ss`, `d.hh:mm:ss`, ...): the extension's `ConstantSchedule`, a fixed real interval. */
export interface TimeSpanNcrontabSchedule {
  readonly kind: 'timespan';
  readonly expression: string;
  readonly intervalMs: number;
}

/** A timer trigger schedule as the Functions host understands it. */
export type NcrontabSchedule = CronNcrontabSchedule | TimeSpanNcrontabSchedule;

/** What a host needs to log and configure a timer: see {@link describeSchedule}. */
export interface ScheduleDescription {
  /** The host's own rendering (`CronSchedule.ToString` / `ConstantSchedule.ToString`), e.g. `Cron: '0 0,30 * * * *'`. */
  readonly display: string;
  /** Short English summary, e.g. `every 5 minutes` or `at 01:30:00, on Mon-Fri`. */
  readonly summary: string;
  readonly kind: NcrontabSchedule['kind'];
  /** See {@link CronNcrontabSchedule.isInterval}; always true for TimeSpan schedules. */
  readonly isInterval: boolean;
  /**
   * True when the host turns `useMonitor` off because the schedule fires more often than once a minute
   * (`TimerSchedule.ShouldDisableScheduleMonitor`: a 6-field `X * * * * *` with several seconds, or a TimeSpan
   * under one minute).
   */
  readonly subMinute: boolean;
}

/** Options for {@link listOccurrences}. */
export interface ListOccurrencesOptions {
  /** Stop after this many occurrences (default 10,000) so `* * * * * *` over a year cannot exhaust memory. */
  maxCount?: number;
}

interface FieldSpec {
  readonly name: NcrontabFieldName;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELD_SPECS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] },
];

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_DAY = 24 * 60 * MS_PER_MINUTE;
/** Longest day-of-month per month, February counted as 29 (leap years exist). */
const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** The Gregorian calendar repeats every 400 years, so a possible date is always found within that span. */
const SEARCH_LIMIT_YEARS = 401;
const DIGITS = /^\d+$/;

/**
 * Parses an NCRONTAB expression or a TimeSpan the way `TimerSchedule.Create` does: a cron expression first
 * (5 fields means no seconds, anything else must be 6 fields), then a TimeSpan (`[d.]hh:mm[:ss[.fffffff]]` or
 * whole days `d`). Field syntax follows NCrontab: `*`, `a`, `a-b`, `*\/n`, `a-b/n`, `a/n` (a to max), comma lists;
 * month and day names match case-insensitively by any prefix of the English name (`Jan`, `January`, `Mon`);
 * day-of-week is 0-6 with 0 = Sunday (7 is rejected, as NCrontab does); a reversed range `5-2` means `2-5` and a
 * step of 0 means 1, both as NCrontab does. Day and day-of-week must both match (NCrontab, unlike Vixie cron).
 *
 * One deliberate difference: a day/month combination that can never occur (`0 0 0 30 2 *`) is rejected here,
 * whereas the host would accept it and never fire.
 *
 * @throws TypeError when the expression is malformed (the message names the field), RangeError when a value is
 * out of range.
 */
export function parseNcrontab(expr: string): NcrontabSchedule {
  if (typeof expr !== 'string') {
    throw new TypeError(`schedule: expected a string, got ${expr === null ? 'null' : typeof expr}`);
  }
  const tokens = expr.split(' ').filter((t) => t.length > 0);
  if (tokens.length === 5 || tokens.length === 6) {
    return parseCron(expr, tokens);
  }
  const timeSpan = tryParseTimeSpan(expr.trim());
  if (timeSpan !== undefined) {
    return timeSpan;
  }
  throw new TypeError(
    `schedule: '${expr}' is neither an NCRONTAB expression (6 fields '{second} {minute} {hour} {day} {month} {day-of-week}' ` +
      `or 5 without seconds; got ${tokens.length} field${tokens.length === 1 ? '' : 's'}) nor a TimeSpan such as '00:05:00'`,
  );
}

function parseCron(expression: string, tokens: string[]): CronNcrontabSchedule {
  const hasSeconds = tokens.length === 6;
  const specs = hasSeconds ? FIELD_SPECS : FIELD_SPECS.slice(1);
  const sets = tokens.map((token, i) => parseField(token, specs[i] as FieldSpec));
  const [seconds, minutes, hours, days, months, daysOfWeek] = hasSeconds ? sets : [[0], ...sets];
  const schedule: CronNcrontabSchedule = {
    kind: 'cron',
    expression,
    hasSeconds,
    seconds: seconds as number[],
    minutes: minutes as number[],
    hours: hours as number[],
    days: days as number[],
    months: months as number[],
    daysOfWeek: daysOfWeek as number[],
    isInterval: (hasSeconds ? sets.slice(0, 3) : sets.slice(0, 2)).some(hasConsecutiveValues),
  };
  assertDayMonthPossible(schedule);
  return Object.freeze(schedule);
}

function parseField(token: string, spec: FieldSpec): number[] {
  const selected = new Set<number>();
  for (const item of token.split(',')) {
    if (item.length === 0) {
      throw new TypeError(`${spec.name}: '${token}' has an empty list item`);
    }
    addItem(item, spec, selected);
  }
  return [...selected].sort((a, b) => a - b);
}

function addItem(item: string, spec: FieldSpec, selected: Set<number>): void {
  let body = item;
  let step = 1;
  const slash = item.indexOf('/');
  if (slash >= 0) {
    const stepText = item.slice(slash + 1);
    body = item.slice(0, slash);
    if (slash === 0 || !DIGITS.test(stepText)) {
      throw new TypeError(`${spec.name}: '${item}' is not a valid step (expected '*/n', 'a-b/n' or 'a/n' with a whole number n)`);
    }
    // NCrontab treats a step below 1 as 1.
    step = Math.max(1, Number(stepText));
  }
  let first: number;
  let last: number;
  if (body === '*') {
    first = spec.min;
    last = spec.max;
  } else {
    const dash = body.indexOf('-');
    if (dash > 0) {
      first = parseValue(body.slice(0, dash), spec);
      last = parseValue(body.slice(dash + 1), spec);
      if (first > last) {
        [first, last] = [last, first];
      }
    } else {
      first = parseValue(body, spec);
      // `a/n` runs from a to the field's maximum; a plain value is just itself.
      last = slash >= 0 ? spec.max : first;
    }
    checkRange(first, spec);
    checkRange(last, spec);
  }
  for (let v = first; v <= last; v += step) {
    selected.add(v);
  }
}

function parseValue(text: string, spec: FieldSpec): number {
  if (text.length === 0) {
    throw new TypeError(`${spec.name}: a value is empty`);
  }
  if (DIGITS.test(text)) {
    return Number(text);
  }
  if (/^[0-9]/.test(text) || spec.names === undefined) {
    throw new TypeError(`${spec.name}: '${text}' is not a number (${spec.min}-${spec.max})`);
  }
  const lower = text.toLowerCase();
  const index = spec.names.findIndex((n) => n.toLowerCase().startsWith(lower));
  if (index < 0) {
    throw new TypeError(`${spec.name}: '${text}' is not a known name; use one of ${spec.names.join(', ')} (or a prefix such as ${spec.names[0]?.slice(0, 3)})`);
  }
  return index + spec.min;
}

function checkRange(value: number, spec: FieldSpec): void {
  if (value < spec.min || value > spec.max) {
    throw new RangeError(`${spec.name}: ${value} is out of range ${spec.min}-${spec.max}`);
  }
}

function hasConsecutiveValues(values: readonly number[]): boolean {
  return values.some((v, i) => i > 0 && values[i - 1] === v - 1);
}

function assertDayMonthPossible(s: CronNcrontabSchedule): void {
  const firstDay = s.days[0] as number;
  if (!s.months.some((m) => firstDay <= (MAX_DAYS_IN_MONTH[m - 1] as number))) {
    throw new RangeError(`day: ${s.days.join(',')} never occurs in month ${s.months.join(',')}, so the schedule would never fire`);
  }
}

/** `TimeSpan.TryParse` formats under the invariant culture: `d`, `[d.]hh:mm`, `[d.]hh:mm:ss[.fffffff]`. */
function tryParseTimeSpan(text: string): TimeSpanNcrontabSchedule | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/.exec(text);
  let ms: number;
  if (m !== null) {
    const [, d = '0', h = '0', mi = '0', s = '0', frac = ''] = m;
    if (Number(h) > 23) throw new RangeError(`schedule: hours ${h} in TimeSpan '${text}' is out of range 0-23`);
    if (Number(mi) > 59) throw new RangeError(`schedule: minutes ${mi} in TimeSpan '${text}' is out of range 0-59`);
    if (Number(s) > 59) throw new RangeError(`schedule: seconds ${s} in TimeSpan '${text}' is out of range 0-59`);
    ms = Number(d) * MS_PER_DAY + Number(h) * 3_600_000 + Number(mi) * MS_PER_MINUTE + Number(s) * MS_PER_SECOND + Math.floor(Number(`0.${frac || '0'}`) * 1000);
  } else if (DIGITS.test(text)) {
    ms = Number(text) * MS_PER_DAY;
  } else {
    return undefined;
  }
  if (ms <= 0) {
    // ConstantSchedule would fire continuously; no real app means that.
    throw new RangeError(`schedule: TimeSpan '${text}' must be longer than zero`);
  }
  return Object.freeze({ kind: 'timespan', expression: text, intervalMs: ms });
}

/**
 * The next occurrence strictly after `afterMs`, as epoch milliseconds, with the fields read in the IANA
 * `timeZone` (the host's WEBSITE_TIME_ZONE; use 'UTC' when unset).
 *
 * TimeSpan schedules: `afterMs + interval`, no DST adjustment (`ConstantSchedule`).
 *
 * Cron schedules follow `CronSchedule.GetNextOccurrence` step by step:
 * 1. NCrontab finds the next matching wall-clock time strictly after the wall-clock time of `afterMs` (milliseconds
 *    dropped, so with seconds the earliest result is the next whole second).
 * 2. That wall time gets an offset as .NET's `TimeZoneInfo.GetUtcOffset` gives a fresh local `DateTime`: standard
 *    time when the wall time is invalid or ambiguous. Consequence in the spring-forward gap: a wall time that does
 *    not exist runs that many minutes after the jump, e.g. `0 30 2 * * *` on 2025-03-09 in New York runs at
 *    03:30 EDT (not 03:00), and `0 *\/30 * * * *` runs at 03:00 EDT, 30 real minutes after 01:30 EST.
 * 3. Fall back (`TryAdjustAmbiguousTime`), where "ambiguous" means the wall time occurs twice:
 *    - point in time, next ambiguous, offsets of now and next differ: moved back to the daylight instance, so
 *      `0 30 1 * * *` runs once, at 01:30 EDT;
 *    - point in time, next ambiguous, same offsets (already in standard time, e.g. a host started at 01:29 EST):
 *      skipped to the next matching wall time that is not ambiguous, because the daylight run is assumed done;
 *    - interval, now or next ambiguous, offsets differ: next is shifted by the offset difference, so the schedule
 *      keeps its real spacing (`0 *\/30 * * * *` runs 01:00 EDT, 01:30 EDT, 01:00 EST, 01:30 EST, 02:00 EST).
 *      Faithful quirk: the shift is applied even when next is far away, e.g. `0 0 * 5 * *` asked at 01:30 EDT on
 *      the fall-back day answers 23:00 EST on the 4th.
 *
 * @throws RangeError for an unknown time zone, TypeError for a non-finite `afterMs`.
 */
export function nextOccurrence(schedule: NcrontabSchedule, afterMs: number, timeZone: string): number {
  if (!Number.isFinite(afterMs)) {
    throw new TypeError(`afterMs: expected a finite number of epoch milliseconds, got ${String(afterMs)}`);
  }
  const zone = resolveZone(timeZone);
  if (schedule.kind === 'timespan') {
    return afterMs + schedule.intervalMs;
  }
  const offsetNow = offsetMs(zone, afterMs);
  const nextWall = nextMatchingWall(schedule, afterMs + offsetNow);
  const next = wallToInstant(zone, nextWall);
  const offsetNext = offsetMs(zone, next);
  const isNowAmbiguous = isAmbiguousWall(zone, afterMs + offsetNow);
  const isNextAmbiguous = isAmbiguousWall(zone, next + offsetNext);
  if (!isNowAmbiguous && !isNextAmbiguous) {
    return next;
  }
  if (!schedule.isInterval && isNextAmbiguous) {
    if (offsetNext !== offsetNow) {
      return next + (offsetNext - offsetNow);
    }
    let wall = next + offsetNext;
    while (isAmbiguousWall(zone, wall)) {
      wall = nextMatchingWall(schedule, wall);
    }
    return wallToInstant(zone, wall);
  }
  if (schedule.isInterval && offsetNext !== offsetNow) {
    return next + (offsetNext - offsetNow);
  }
  return next;
}

/**
 * Occurrences strictly after `fromMs` and strictly before `toMs` (NCrontab's `GetNextOccurrences` convention),
 * each computed from the previous one as the host does, in ascending order.
 */
export function listOccurrences(
  schedule: NcrontabSchedule,
  fromMs: number,
  toMs: number,
  timeZone: string,
  options: ListOccurrencesOptions = {},
): number[] {
  const maxCount = options.maxCount ?? 10_000;
  if (!Number.isInteger(maxCount) || maxCount < 0) {
    throw new RangeError(`maxCount: expected a non-negative integer, got ${String(maxCount)}`);
  }
  const result: number[] = [];
  for (let t = nextOccurrence(schedule, fromMs, timeZone); t < toMs && result.length < maxCount; t = nextOccurrence(schedule, t, timeZone)) {
    result.push(t);
  }
  return result;
}

/** Display text, an English summary and the flags a host needs (DST class, whether the monitor is disabled). */
export function describeSchedule(schedule: NcrontabSchedule): ScheduleDescription {
  if (schedule.kind === 'timespan') {
    return {
      display: `Constant: ${formatTimeSpan(schedule.intervalMs)}`,
      summary: `every ${formatDuration(schedule.intervalMs)}`,
      kind: 'timespan',
      isInterval: true,
      subMinute: schedule.intervalMs < MS_PER_MINUTE,
    };
  }
  const fields = cronFields(schedule);
  const normalised = fields.map(([values, spec]) => formatField(values, spec)).join(' ');
  const allWildAfterSeconds = fields.slice(schedule.hasSeconds ? 1 : 0).every(([values, spec]) => values.length === spec.max - spec.min + 1);
  return {
    display: `Cron: '${normalised}'`,
    summary: summarise(schedule),
    kind: 'cron',
    isInterval: schedule.isInterval,
    subMinute: schedule.hasSeconds && allWildAfterSeconds && schedule.seconds.length > 1,
  };
}

function cronFields(s: CronNcrontabSchedule): Array<[readonly number[], FieldSpec]> {
  const all: Array<readonly number[]> = [s.seconds, s.minutes, s.hours, s.days, s.months, s.daysOfWeek];
  const pairs = all.map((values, i) => [values, FIELD_SPECS[i] as FieldSpec] as [readonly number[], FieldSpec]);
  return s.hasSeconds ? pairs : pairs.slice(1);
}

/** NCrontab's `CrontabField.Format`: `*` for the full range, else runs as `a-b` and single values, comma-joined. */
function formatField(values: readonly number[], spec: FieldSpec): string {
  if (values.length === spec.max - spec.min + 1) {
    return '*';
  }
  return runs(values)
    .map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`))
    .join(',');
}

function runs(values: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const v of values) {
    const lastRun = out[out.length - 1];
    if (lastRun !== undefined && lastRun[1] === v - 1) {
      lastRun[1] = v;
    } else {
      out.push([v, v]);
    }
  }
  return out;
}

const UNIT_NAMES: Record<'second' | 'minute' | 'hour', string> = { second: 'second', minute: 'minute', hour: 'hour' };

function summarise(s: CronNcrontabSchedule): string {
  const parts: string[] = [];
  const [secSpec, minSpec, hourSpec, daySpec, monthSpec, dowSpec] = FIELD_SPECS as [FieldSpec, FieldSpec, FieldSpec, FieldSpec, FieldSpec, FieldSpec];
  if (s.seconds.length === 1 && s.minutes.length === 1 && s.hours.length === 1) {
    parts.push(`at ${pad2(s.hours[0] as number)}:${pad2(s.minutes[0] as number)}:${pad2(s.seconds[0] as number)}`);
  } else {
    const timeParts = [
      describeTimeField(s.seconds, secSpec, s.hasSeconds),
      describeTimeField(s.minutes, minSpec, true),
      describeTimeField(s.hours, hourSpec, true),
    ].filter((p): p is string => p !== undefined);
    parts.push(timeParts.length > 0 ? timeParts.join(', ') : 'every second');
  }
  if (s.days.length !== 31) parts.push(`on day ${listText(s.days, daySpec)} of the month`);
  if (s.months.length !== 12) parts.push(`in ${listText(s.months, monthSpec)}`);
  if (s.daysOfWeek.length !== 7) parts.push(`on ${listText(s.daysOfWeek, dowSpec)}`);
  return parts.join(', ');
}

function describeTimeField(values: readonly number[], spec: FieldSpec, shown: boolean): string | undefined {
  const unit = UNIT_NAMES[spec.name as keyof typeof UNIT_NAMES];
  const count = spec.max - spec.min + 1;
  if (!shown || values.length === count) {
    return undefined;
  }
  const step = values.length > 1 ? (values[1] as number) - (values[0] as number) : 0;
  const isStep = values.length > 1 && (values[0] as number) < step && values.every((v, i) => v === (values[0] as number) + i * step) && (values[values.length - 1] as number) + step > spec.max;
  if (isStep) {
    return (values[0] as number) === 0 ? `every ${step} ${unit}s` : `every ${step} ${unit}s from ${unit} ${values[0]}`;
  }
  return `at ${unit}${values.length > 1 ? 's' : ''} ${listText(values, spec)}`;
}

function listText(values: readonly number[], spec: FieldSpec): string {
  const label = (v: number): string => (spec.names ? (spec.names[v - spec.min] as string).slice(0, 3) : `${v}`);
  return runs(values)
    .map(([a, b]) => (a === b ? label(a) : `${label(a)}-${label(b)}`))
    .join(',');
}

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** .NET `TimeSpan.ToString()` ("c" format): `[d.]hh:mm:ss[.fffffff]`. */
function formatTimeSpan(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  const rest = ms - days * MS_PER_DAY;
  const h = Math.floor(rest / 3_600_000);
  const m = Math.floor((rest % 3_600_000) / MS_PER_MINUTE);
  const sec = Math.floor((rest % MS_PER_MINUTE) / MS_PER_SECOND);
  const frac = rest % MS_PER_SECOND;
  return `${days > 0 ? `${days}.` : ''}${pad2(h)}:${pad2(m)}:${pad2(sec)}${frac > 0 ? `.${String(frac * 10_000).padStart(7, '0')}` : ''}`;
}

function formatDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [MS_PER_DAY, 'day'],
    [3_600_000, 'hour'],
    [MS_PER_MINUTE, 'minute'],
    [MS_PER_SECOND, 'second'],
  ];
  for (const [size, unit] of units) {
    if (ms % size === 0) {
      const n = ms / size;
      return n === 1 ? unit : `${n} ${unit}s`;
    }
  }
  return `${ms} ms`;
}

// ---- wall-clock arithmetic: a "wall" is the local date-time encoded as if it were UTC epoch ms ----

function resolveZone(timeZone: string): IANAZone {
  if (typeof timeZone !== 'string' || timeZone.length === 0) {
    throw new RangeError(`timeZone: expected an IANA time zone name such as 'UTC' or 'America/New_York', got ${JSON.stringify(timeZone)}`);
  }
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) {
    throw new RangeError(`timeZone: '${timeZone}' is not an IANA time zone (WEBSITE_TIME_ZONE on Linux takes names such as 'Europe/London')`);
  }
  return zone;
}

function offsetMs(zone: IANAZone, instantMs: number): number {
  return zone.offset(instantMs) * MS_PER_MINUTE;
}

/** The instants whose local wall-clock time is `wall`: none in a gap, two in a repeated hour. */
function instantsOfWall(zone: IANAZone, wall: number): { early: number; late: number; earlyValid: boolean; lateValid: boolean } {
  // Offsets a day either side are safely outside any transition that touches this wall time.
  const offsetBefore = offsetMs(zone, wall - MS_PER_DAY);
  const offsetAfter = offsetMs(zone, wall + MS_PER_DAY);
  const early = wall - offsetBefore;
  const late = wall - offsetAfter;
  return { early, late, earlyValid: offsetMs(zone, early) === offsetBefore, lateValid: offsetMs(zone, late) === offsetAfter };
}

function isAmbiguousWall(zone: IANAZone, wall: number): boolean {
  const i = instantsOfWall(zone, wall);
  return i.earlyValid && i.lateValid && i.early !== i.late;
}

/**
 * .NET's offset for a fresh local `DateTime`: an ambiguous wall time is read as standard time (the later
 * instant, after the clocks went back); a wall time in the gap is read with the offset in force before the
 * jump, which lands it gap-length after the jump.
 */
function wallToInstant(zone: IANAZone, wall: number): number {
  const i = instantsOfWall(zone, wall);
  return i.lateValid ? i.late : i.early;
}

/** NCrontab `GetNextOccurrence` on wall-clock time: the first matching second strictly after `wall` (whole seconds). */
function nextMatchingWall(s: CronNcrontabSchedule, wall: number): number {
  let t = Math.floor(wall / MS_PER_SECOND) * MS_PER_SECOND + MS_PER_SECOND;
  const limitYear = new Date(t).getUTCFullYear() + SEARCH_LIMIT_YEARS;
  for (;;) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    if (year > limitYear) {
      // Unreachable after assertDayMonthPossible: every possible date meets every weekday within 400 years.
      throw new Error(`schedule '${s.expression}' has no occurrence within ${SEARCH_LIMIT_YEARS} years`);
    }
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    const minute = d.getUTCMinutes();
    const second = d.getUTCSeconds();
    const nextMonth = firstAtLeast(s.months, month);
    if (nextMonth === undefined) {
      t = wallMs(year + 1, s.months[0] as number, 1);
      continue;
    }
    if (nextMonth !== month) {
      t = wallMs(year, nextMonth, 1);
      continue;
    }
    if (!s.days.includes(day) || !s.daysOfWeek.includes(d.getUTCDay())) {
      t = wallMs(year, month, day + 1);
      continue;
    }
    const nextHour = firstAtLeast(s.hours, hour);
    if (nextHour === undefined) {
      t = wallMs(year, month, day + 1);
      continue;
    }
    if (nextHour !== hour) {
      t = wallMs(year, month, day, nextHour);
      continue;
    }
    const nextMinute = firstAtLeast(s.minutes, minute);
    if (nextMinute === undefined) {
      t = wallMs(year, month, day, hour + 1);
      continue;
    }
    if (nextMinute !== minute) {
      t = wallMs(year, month, day, hour, nextMinute);
      continue;
    }
    const nextSecond = firstAtLeast(s.seconds, second);
    if (nextSecond === undefined) {
      t = wallMs(year, month, day, hour, minute + 1);
      continue;
    }
    return wallMs(year, month, day, hour, minute, nextSecond);
  }
}

function firstAtLeast(values: readonly number[], v: number): number | undefined {
  return values.find((x) => x >= v);
}

/** Like `Date.UTC` (overflowing fields roll over) but without its 1900 offset for years 0-99. */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}
