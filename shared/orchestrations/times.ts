import { formatZoneTime } from '../window/plan';

/**
 * A time as people read it: the window's zone, then its display zones (`Sun 08:00 EDT | Sun 17:30 IST`),
 * never raw UTC. Pure (zone rules only), so orchestrators may use it.
 */
export function peopleTime(at: string | number, zone: string, displayZones: readonly string[] = []): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  return [zone, ...displayZones.filter((z) => z !== zone)].map((z) => formatZoneTime(ms, z)).join(' | ');
}
