import { formatZoneTime } from './plan';

/**
 * A time as people read it: the window's zone, then its display zones, never raw UTC. A display
 * zone repeats the weekday only when it is another day there: `Sun 08:00 EDT | 17:30 IST`,
 * `Sat 23:00 EDT | Sun 08:30 IST`. Pure (zone rules only), so orchestrators may use it.
 */
export function peopleTime(at: string | number, zone: string, displayZones: readonly string[] = []): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  const [first, ...rest] = [zone, ...displayZones.filter((z) => z !== zone)].map((z) => formatZoneTime(ms, z));
  const day = first!.slice(0, 3);
  return [first!, ...rest.map((t) => (t.slice(0, 3) === day ? t.slice(4) : t))].join(' | ');
}
