import type { UptimeClient } from '../../ports/uptime';
import { callVendor } from '../http/errors';
import type { PingdomClient } from './client';

const VENDOR = 'pingdom';

/**
 * {@link UptimeClient} over the Pingdom 3.1 client (`createPingdomClient`). Maintenance windows
 * are one-off windows over uptime checks; starting and ending them are safe to repeat.
 */
export class PingdomUptimeClient implements UptimeClient {
  constructor(private readonly pingdom: PingdomClient) {}

  /**
   * Check ids for names, hostnames or ids (numbers or digit strings), in the order given and
   * without duplicates. Any name that matches no check is an error naming all of them.
   */
  async findCheckIds(names: (string | number)[]): Promise<number[]> {
    const checks = await callVendor(VENDOR, 'list checks', () => this.pingdom.listChecks());
    const ids: number[] = [];
    const missing: string[] = [];
    for (const ref of names) {
      const text = String(ref).trim();
      const lower = text.toLowerCase();
      const found = /^\d+$/.test(text) ? checks.find((c) => c.id === Number(text)) : checks.find((c) => c.name.toLowerCase() === lower) ?? checks.find((c) => c.hostname.toLowerCase() === lower);
      if (!found) missing.push(text);
      else if (!ids.includes(found.id)) ids.push(found.id);
    }
    if (missing.length > 0) throw new Error(`${VENDOR}: no uptime check named ${missing.map((m) => `'${m}'`).join(', ')}`);
    return ids;
  }

  /**
   * Creates a one-off window over the checks and returns its id. When a window with the same
   * description, times and checks already exists (a retried call whose answer was lost), its id
   * is returned instead of creating a second one.
   */
  async startMaintenance(description: string, checkIds: number[], fromEpochSeconds: number, toEpochSeconds: number): Promise<number> {
    if (!description.trim()) throw new TypeError('description must not be empty');
    if (checkIds.length === 0) throw new RangeError('checkIds must name at least one check');
    if (!(toEpochSeconds > fromEpochSeconds)) throw new RangeError(`toEpochSeconds (${toEpochSeconds}) must be after fromEpochSeconds (${fromEpochSeconds})`);
    const from = Math.floor(fromEpochSeconds);
    const to = Math.floor(toEpochSeconds);
    const wanted = [...new Set(checkIds)].sort((a, b) => a - b);
    const existing = await callVendor(VENDOR, 'list maintenance windows', () => this.pingdom.listMaintenance());
    const same = existing.find(
      (w) => w.description === description && w.from === from && w.to === to && w.checks.uptime.length === wanted.length && [...w.checks.uptime].sort((a, b) => a - b).every((id, i) => id === wanted[i]),
    );
    if (same) return same.id;
    return callVendor(VENDOR, 'start maintenance', () =>
      this.pingdom.createMaintenance({ description, from: new Date(from * 1000), to: new Date(to * 1000), uptimeIds: wanted }),
    );
  }

  /**
   * Ends the window at `atEpochSeconds`: moves its end there, or deletes it when it would not have
   * started yet (Pingdom needs `to` after `from`). A window already ended or gone is left alone.
   */
  async endMaintenance(maintenanceId: number, atEpochSeconds: number): Promise<void> {
    const at = Math.floor(atEpochSeconds);
    const window = await callVendor(VENDOR, `read maintenance window ${maintenanceId}`, () => this.pingdom.getMaintenance(maintenanceId));
    if (!window || window.to <= at) return;
    if (at <= window.from) {
      await callVendor(VENDOR, `delete maintenance window ${maintenanceId}`, () => this.pingdom.deleteMaintenance(maintenanceId));
      return;
    }
    await callVendor(VENDOR, `end maintenance window ${maintenanceId}`, () => this.pingdom.updateMaintenance(maintenanceId, { to: new Date(at * 1000) }));
  }
}
