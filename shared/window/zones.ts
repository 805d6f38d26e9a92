import { IANAZone } from 'luxon';
import { suggest } from './suggest';
import { TZ_BACKWARD_LINKS, TZ_LOCATION_ZONES } from './tz-data';

/**
 * Which time zone names a window may use. Only location zones of the IANA tz database
 * (zone.tab: "America/New_York", "Asia/Kolkata", "Europe/Oslo") and UTC: a legacy name
 * such as "EST" is a fixed UTC−5 zone in tzdb, so a July window written with it would run
 * an hour off Eastern time, and the old names ("US/Eastern", "Asia/Calcutta") are kept in
 * tzdb only for backward compatibility.
 */

const LOCATIONS = new Set(TZ_LOCATION_ZONES);
const BY_LOWER = new Map(TZ_LOCATION_ZONES.map((z) => [z.toLowerCase(), z]));
const UTC_NAMES = new Set(['UTC', 'Etc/UTC']);

/**
 * What people usually mean by a legacy US zone or an abbreviation: the place whose clocks
 * they follow. tzdb links "EST" to America/Panama (UTC−5 all year), which is never what a
 * window written in Eastern time means.
 */
const MEANT: Readonly<Record<string, string>> = {
  EST: 'America/New_York',
  EDT: 'America/New_York',
  ET: 'America/New_York',
  EST5EDT: 'America/New_York',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  CT: 'America/Chicago',
  CST6CDT: 'America/Chicago',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  MST7MDT: 'America/Denver',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  PT: 'America/Los_Angeles',
  PST8PDT: 'America/Los_Angeles',
  HST: 'Pacific/Honolulu',
  IST: 'Asia/Kolkata',
  BST: 'Europe/London',
  GMT: 'Europe/London',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
};

/** True for a name a window may use (see zoneProblem). */
export function isCanonicalZone(zone: string): boolean {
  return zoneProblem(zone) === undefined;
}

/** Why a window may not use this zone name, with the name to write instead; undefined when it may. */
export function zoneProblem(zone: string): string | undefined {
  if (UTC_NAMES.has(zone)) return undefined;
  const known = IANAZone.isValidZone(zone);
  if (LOCATIONS.has(zone)) return known ? undefined : `"${zone}" is not in this Node.js's time zone data; update Node.js`;
  const upper = zone.toUpperCase();
  const meant = MEANT[upper];
  if (meant && known && isFixed(zone) && !isFixed(meant)) {
    return `"${zone}" is a fixed offset (${offsetText(zone)} all year, no daylight saving time), so a summer window would be an hour off; write "${meant}"`;
  }
  if (meant) return `"${zone}" is an abbreviation or legacy name, not a location zone; write the place whose clocks you follow, e.g. "${meant}"`;
  const cased = BY_LOWER.get(zone.toLowerCase());
  if (cased) return `write "${cased}" (time zone names are case-sensitive)`;
  const link = TZ_BACKWARD_LINKS[zone];
  if (link && link !== 'Etc/UTC') return `"${zone}" is an old name kept for backward compatibility; write "${link}"`;
  if (link === 'Etc/UTC') return `"${zone}" is another name for UTC; write "UTC"`;
  if (known && /^Etc\//.test(zone)) return `"${zone}" is a fixed offset (${offsetText(zone)}, no daylight saving time); write the place whose clocks you follow, e.g. "America/New_York"`;
  const hint = suggest(zone, TZ_LOCATION_ZONES);
  return `"${zone}" is not an IANA location time zone${hint ? ` (did you mean "${hint}"?)` : ''}; write e.g. "America/New_York" or "Asia/Kolkata"`;
}

/** Same offset in January and July: no daylight saving time. */
function isFixed(zone: string): boolean {
  const z = IANAZone.create(zone);
  return z.offset(Date.UTC(2025, 0, 15)) === z.offset(Date.UTC(2025, 6, 15));
}

function offsetText(zone: string): string {
  const minutes = IANAZone.create(zone).offset(Date.UTC(2025, 0, 15));
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''}`;
}
