import { DateTime } from 'luxon';
import { formatMinutes } from '../window/duration';
import { zoneAbbreviation } from '../window/plan';

/**
 * Times for people: every instant in the window's zone and then its display zones, the way
 * the wiki pages write them ("Saturday Evening at Midnight Eastern (9:30AM IST)", seed 002):
 * `Sun 08:00 EDT | 17:30 IST`. A display zone repeats the weekday only when its day differs.
 * Hours run 00-23 (midnight is `00:00`, never `24:00`); raw UTC never reaches a person.
 */
export type Zones = readonly [string, ...string[]];

export function zonesOf(view: { timeZone?: string; displayZones?: string[] }): Zones {
  const main = view.timeZone ?? 'America/New_York';
  return [main, ...(view.displayZones ?? []).filter((z) => z !== main)];
}

const local = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).setLocale('en-US');

/** `Sun 08:00 EDT | 17:30 IST`, or `–` when there is no instant. */
export function formatAt(iso: string | number | undefined, zones: Zones): string {
  if (iso === undefined || iso === '') return '–';
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const main = local(ms, zones[0]);
  const parts = [`${main.toFormat('ccc HH:mm')} ${zoneAbbreviation(ms, zones[0])}`];
  for (const zone of zones.slice(1)) {
    const t = local(ms, zone);
    parts.push(`${t.toISODate() === main.toISODate() ? t.toFormat('HH:mm') : t.toFormat('ccc HH:mm')} ${zoneAbbreviation(ms, zone)}`);
  }
  return parts.join(' | ');
}

/** `Sun 05:00–07:10 EDT | 14:30–16:40 IST`: each zone's start and end, the end's weekday only when it changes. */
export function formatRange(startIso: string | number, endIso: string | number, zones: Zones): string {
  const a = typeof startIso === 'number' ? startIso : Date.parse(startIso);
  const b = typeof endIso === 'number' ? endIso : Date.parse(endIso);
  const main = local(a, zones[0]);
  return zones
    .map((zone, i) => {
      const s = local(a, zone);
      const e = local(b, zone);
      const showDay = i === 0 || s.toISODate() !== main.toISODate();
      const start = showDay ? s.toFormat('ccc HH:mm') : s.toFormat('HH:mm');
      const end = e.toISODate() === s.toISODate() ? e.toFormat('HH:mm') : e.toFormat('ccc HH:mm');
      const abbrA = zoneAbbreviation(a, zone);
      const abbrB = zoneAbbreviation(b, zone);
      return abbrA === abbrB ? `${start}–${end} ${abbrB}` : `${start} ${abbrA}–${end} ${abbrB}`;
    })
    .join(' | ');
}

/** ISO instants (UTC or with an offset) inside free text: step details, summaries, notices. */
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

/** Rewrites every ISO instant in `text` as a time for people in the window's zones. */
export function humanizeTimes(text: string, zones: Zones): string {
  return text.replace(ISO_INSTANT, (iso) => formatAt(iso, zones));
}

/** True when `text` holds an ISO instant (the test that no person-facing text does). */
export function hasIsoInstant(text: string): boolean {
  return new RegExp(ISO_INSTANT.source).test(text);
}

/** Plan against the ETA, said the right way round: `40m behind plan`, `1h 24m ahead of plan`, `on plan`. */
export function slipText(slipMinutes: number | undefined): string {
  const m = Math.round(slipMinutes ?? 0);
  if (m === 0) return 'on plan';
  return `${formatMinutes(Math.abs(m))} ${m > 0 ? 'behind' : 'ahead of'} plan`;
}
