import { DateTime, IANAZone } from 'luxon';

/**
 * Wall-clock times as the wiki pages write them: "Saturday 19:00", "Sun 4:30 AM",
 * "2025-06-21 19:00", optionally followed by the zone abbreviation or offset that
 * picks one side of a fall-back hour ("Sunday 01:30 EDT", "Sunday 01:30 -05:00").
 */
export interface WallTime {
  /** 0 = Sunday … 6 = Saturday, when given as a weekday. */
  weekday?: number;
  /** ISO date, when given as a date. */
  date?: string;
  hour: number;
  minute: number;
  /** Explicit side of an ambiguous hour: an abbreviation (EDT) or an offset in minutes. */
  zoneHint?: { abbreviation?: string; offsetMinutes?: number };
  text: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const PATTERN =
  /^(?:(?<day>[A-Za-z]+)|(?<date>\d{4}-\d{2}-\d{2}))[ T]+(?<h>\d{1,2}):(?<m>\d{2})(?:\s*(?<ampm>[AaPp][Mm]))?(?:\s+(?<hint>[A-Za-z]{2,5}|[+-]\d{2}:?\d{2}))?$/;

/** Parses the text of a wall-clock time; returns a reason string on failure. */
export function parseWallTime(text: string): WallTime | string {
  const match = PATTERN.exec(text.trim());
  if (!match?.groups) {
    return `"${text}" is not a wall-clock time; write e.g. "Saturday 19:00", "Sun 4:30 AM" or "2025-06-21 19:00"`;
  }
  const g = match.groups;
  let hour = Number(g.h);
  const minute = Number(g.m);
  if (g.ampm) {
    if (hour < 1 || hour > 12) return `"${text}": hour ${hour} is not valid with ${g.ampm.toUpperCase()}`;
    const pm = g.ampm.toLowerCase() === 'pm';
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (hour > 23) return `"${text}": hour ${hour} is out of range 0-23`;
  if (minute > 59) return `"${text}": minute ${minute} is out of range 0-59`;
  const result: WallTime = { hour, minute, text };
  if (g.day) {
    const day = g.day.toLowerCase();
    const index = WEEKDAYS.findIndex((w) => day.length >= 3 && w.startsWith(day));
    if (index < 0) return `"${text}": "${g.day}" is not a weekday`;
    result.weekday = index;
  } else if (g.date) {
    const problem = calendarDateProblem(g.date);
    if (problem) return `"${text}": ${problem}`;
    result.date = g.date;
  }
  if (g.hint) {
    const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(g.hint);
    result.zoneHint = offset
      ? { offsetMinutes: (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) }
      : { abbreviation: g.hint.toUpperCase() };
  }
  return result;
}

export type ResolvedTime =
  | { ok: true; epochMs: number; isoLocal: string }
  | { ok: false; reason: string };

/**
 * The calendar day a weekday name refers to: the nearest day of that name within
 * three days of the window's date, so "Saturday" in a Sunday window is the eve.
 */
export function dayForWeekday(windowDate: string, weekday: number): string {
  const base = DateTime.fromISO(windowDate, { zone: 'UTC' });
  const baseWeekday = base.weekday % 7; // luxon: Monday=1 … Sunday=7
  let delta = weekday - baseWeekday;
  if (delta > 3) delta -= 7;
  if (delta < -3) delta += 7;
  return base.plus({ days: delta }).toISODate()!;
}

/**
 * Turns a wall-clock time into an instant in `zone`, refusing times that do not
 * exist (spring-forward gap) and ambiguous times (fall-back hour) without a hint.
 */
export function resolveWallTime(time: WallTime, windowDate: string, zone: string): ResolvedTime {
  const day = time.date ?? (time.weekday !== undefined ? dayForWeekday(windowDate, time.weekday) : windowDate);
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  const fields = { year: y, month: mo, day: d, hour: time.hour, minute: time.minute };
  const candidates = localCandidates(fields, zone);
  const hhmm = `${String(time.hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')}`;
  if (candidates.length === 0) {
    const next = nextValidLocal(fields, zone);
    return {
      ok: false,
      reason: `${day} ${hhmm} does not exist in ${zone} (clocks spring forward); use ${next} or later`,
    };
  }
  if (time.zoneHint) {
    const chosen = candidates.find((c) => matchesHint(c, time.zoneHint!));
    if (!chosen) {
      const names = candidates.map((c) => c.toFormat('ZZZZ')).join(' or ');
      return { ok: false, reason: `${day} ${hhmm} in ${zone} is ${names}, not ${hintText(time.zoneHint)}` };
    }
    return { ok: true, epochMs: chosen.toMillis(), isoLocal: chosen.toISO()! };
  }
  if (candidates.length > 1) {
    const [a, b] = candidates as [DateTime, DateTime];
    return {
      ok: false,
      reason:
        `${day} ${hhmm} is ambiguous in ${zone} (clocks fall back; it happens at ${a.toFormat('ZZZZ')} and ${b.toFormat('ZZZZ')}); ` +
        `write "${time.text.trim()} ${a.toFormat('ZZZZ')}" or "${time.text.trim()} ${b.toFormat('ZZZZ')}"`,
    };
  }
  const only = candidates[0]!;
  return { ok: true, epochMs: only.toMillis(), isoLocal: only.toISO()! };
}

interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** Every instant whose local time in `zone` equals the fields (0, 1 or 2 of them). */
function localCandidates(fields: LocalFields, zone: string): DateTime[] {
  const z = IANAZone.create(zone);
  const asUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute);
  const offsets = new Set<number>();
  // Offsets in force a day either side cover every transition that could touch this time.
  for (const probe of [asUtc - 86_400_000, asUtc, asUtc + 86_400_000]) offsets.add(z.offset(probe));
  const found: DateTime[] = [];
  for (const offset of [...offsets].sort((a, b) => b - a)) {
    const instant = asUtc - offset * 60_000;
    if (z.offset(instant) === offset) found.push(DateTime.fromMillis(instant, { zone }));
  }
  return found.sort((a, b) => a.toMillis() - b.toMillis());
}

function nextValidLocal(fields: LocalFields, zone: string): string {
  for (let add = 1; add <= 180; add++) {
    const minute = fields.minute + add;
    const probe = { ...fields, hour: fields.hour + Math.floor(minute / 60), minute: minute % 60 };
    if (localCandidates(probe, zone).length > 0) {
      return `${String(probe.hour).padStart(2, '0')}:${String(probe.minute).padStart(2, '0')}`;
    }
  }
  return 'a later time';
}

function matchesHint(candidate: DateTime, hint: NonNullable<WallTime['zoneHint']>): boolean {
  if (hint.offsetMinutes !== undefined) return candidate.offset === hint.offsetMinutes;
  const abbreviation = hint.abbreviation!;
  return candidate.toFormat('ZZZZ').toUpperCase() === abbreviation || abbreviation === (candidate.isInDST ? 'DST' : 'STD');
}

function hintText(hint: NonNullable<WallTime['zoneHint']>): string {
  if (hint.abbreviation) return hint.abbreviation;
  const m = Math.abs(hint.offsetMinutes!);
  return `${hint.offsetMinutes! < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Why a `YYYY-MM-DD` text is not a day of the calendar (2025-02-30, 2025-13-01); undefined when it is, or is not in that form. */
export function calendarDateProblem(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12) return `${text} is not a calendar date: there is no month ${month}`;
  const days = DateTime.fromObject({ year, month }).daysInMonth!;
  if (day < 1 || day > days) return `${text} is not a calendar date: ${MONTHS[month - 1]} ${year} has ${days} days`;
  return undefined;
}

/** True when `zone` is a valid IANA zone name. */
export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
