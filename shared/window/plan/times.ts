import { DateTime, IANAZone } from 'luxon';
import type { WindowDef } from '../schema';
import { parseWallTime, resolveWallTime } from '../walltime';
import { zoneProblem } from '../zones';
import type { PlanTime } from './types';

/** Times for people: in the window's zone and its display zones, never raw UTC. */

/** `Sat 19:00 EDT`: weekday, 24-hour time and the zone's abbreviation at that instant. */
export function formatZoneTime(epochMs: number, zone: string): string {
  const t = DateTime.fromMillis(epochMs, { zone });
  return `${t.setLocale('en-US').toFormat('ccc HH:mm')} ${zoneAbbreviation(epochMs, zone)}`;
}

/**
 * `Sat 19:00–19:20 EDT`; the end keeps its weekday when the day changes and its
 * abbreviation when the offset changes (a range across a DST transition).
 */
export function formatZoneRange(startMs: number, endMs: number, zone: string): string {
  const a = DateTime.fromMillis(startMs, { zone }).setLocale('en-US');
  const b = DateTime.fromMillis(endMs, { zone }).setLocale('en-US');
  const abbrA = zoneAbbreviation(startMs, zone);
  const abbrB = zoneAbbreviation(endMs, zone);
  const sameDay = a.toISODate() === b.toISODate();
  const endText = sameDay ? b.toFormat('HH:mm') : b.toFormat('ccc HH:mm');
  return abbrA === abbrB ? `${a.toFormat('ccc HH:mm')}–${endText} ${abbrB}` : `${a.toFormat('ccc HH:mm')} ${abbrA}–${endText} ${abbrB}`;
}

/**
 * The short name people use for a zone at an instant (EDT, IST, BST). ICU names a
 * zone by the locale that uses it, so a few locales are tried before "GMT+5:30".
 */
export function zoneAbbreviation(epochMs: number, zone: string): string {
  // ICU builds a formatter per call (about 0.1 ms): a status page names the same instants at every render.
  const key = `${zone} ${epochMs}`;
  let name = abbreviations.get(key);
  if (name === undefined) {
    if (abbreviations.size >= MAX_ABBREVIATIONS) abbreviations.clear();
    abbreviations.set(key, (name = abbreviationOf(epochMs, zone)));
  }
  return name;
}

const abbreviations = new Map<string, string>();
/** Bounded: emptied when full (a plan of thousands of steps names tens of thousands of instants). */
const MAX_ABBREVIATIONS = 100_000;

function abbreviationOf(epochMs: number, zone: string): string {
  const t = DateTime.fromMillis(epochMs, { zone });
  let fallback: string | undefined;
  for (const locale of ['en-US', 'en-IN', 'en-GB', 'en-AU']) {
    const name = t.setLocale(locale).toFormat('ZZZZ');
    fallback ??= name;
    if (!/^(GMT|UTC)[+-−]/.test(name)) return name;
  }
  return fallback!;
}

/**
 * ISO 8601 text of an instant in a zone, as luxon writes it (`2025-06-22T01:00:00-04:00`),
 * from the zone's offset alone: a plan of thousands of steps formats tens of thousands of
 * instants. Luxon writes the rare cases (UTC's "Z", sub-second instants).
 */
function isoIn(ms: number, zone: string): string {
  const offset = IANAZone.create(zone).offset(ms);
  if (offset === 0 || ms % 1000 !== 0) return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Formats instants as PlanTime; memoised because a plan names the same instants many times. */
export function planTimeFormatter(zone: string, displayZones: string[]): (ms: number) => PlanTime {
  const cache = new Map<number, PlanTime>();
  const iso = isoIn;
  return (ms) => {
    let t = cache.get(ms);
    if (!t) {
      t = { epochMs: ms, iso: iso(ms, zone), zones: Object.fromEntries(displayZones.map((z) => [z, iso(ms, z)])) };
      cache.set(ms, t);
    }
    // A copy, so a caller that changes one PlanTime cannot change another.
    return { epochMs: t.epochMs, iso: t.iso, zones: { ...t.zones } };
  };
}

/** The window's display zones and the extra ones asked for, without the window's own zone or repeats. */
export function displayZonesOf(window: WindowDef, extra: string[]): string[] {
  const zones: string[] = [];
  for (const zone of [...window.displayZones, ...extra]) {
    const problem = zoneProblem(zone);
    if (problem) throw new RangeError(problem);
    if (zone !== window.timeZone && !zones.includes(zone)) zones.push(zone);
  }
  return zones;
}

/** A wall-clock text of the window resolved to an instant; throws naming the field when it cannot be. */
export function resolveText(window: WindowDef, text: string, where: string): number {
  const parsed = parseWallTime(text);
  if (typeof parsed === 'string') throw new Error(`${where}: ${parsed}`);
  const resolved = resolveWallTime(parsed, window.date, window.timeZone);
  if (!resolved.ok) throw new Error(`${where}: ${resolved.reason}`);
  return resolved.epochMs;
}

/** "Sunday 03:55", or the dated form, with the offset inside a fall-back hour; always resolves back to `at`. */
export function wallText(window: WindowDef, at: number): string {
  const local = DateTime.fromMillis(at, { zone: window.timeZone }).setLocale('en-US');
  for (const form of [local.toFormat('cccc HH:mm'), local.toFormat('yyyy-MM-dd HH:mm')]) {
    for (const text of [form, `${form} ${local.toFormat('ZZ')}`]) {
      const parsed = parseWallTime(text);
      if (typeof parsed === 'string') continue;
      const resolved = resolveWallTime(parsed, window.date, window.timeZone);
      if (resolved.ok && resolved.epochMs === at) return text;
    }
  }
  throw new Error(`cannot write ${local.toISO()} as a wall-clock time in ${window.timeZone}`);
}
