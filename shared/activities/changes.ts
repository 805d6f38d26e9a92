import type { LedgerAction, LedgerEntry } from '../orchestrations/contracts';
import type { ActivityDeps } from './types';
import { outcome } from './outcome';

/** Ledger fields a change activity records before it acts. */
export interface LedgerRef {
  key: string;
  stepId: string;
  order: number;
  description: string;
}

/**
 * Changes whose inverse is only known by reading first (a DNS record's content, a
 * Consul key's value): each activity records the inverse, then acts. A retry finds
 * the entry already there and never overwrites the saved original.
 */
export function changeActivities({ ports, store }: ActivityDeps) {
  const remember = async (windowId: string, ledger: LedgerRef, action: LedgerAction): Promise<LedgerEntry> =>
    store.addLedger(windowId, { key: ledger.key, stepId: ledger.stepId, order: ledger.order, action, description: ledger.description, state: 'open' });

  return {
    setDnsRecord: (input: { windowId: string; zone: string; hostname: string; content: string; ledger: LedgerRef }) =>
      outcome(async () => {
        const zoneId = await ports.dns.findZoneId(input.zone);
        if (!zoneId) throw Object.assign(new Error(`zone ${input.zone} not found`), { code: 'ZoneNotFound' });
        const record = await ports.dns.findRecord(zoneId, input.hostname);
        if (!record) throw Object.assign(new Error(`no DNS record for ${input.hostname}`), { code: 'RecordNotFound' });
        // Still changed (a page a failed run kept up): the saved original stays; put back before: saved again.
        const entry = await remember(input.windowId, input.ledger, { type: 'dns-restore', zone: input.zone, hostname: input.hostname, content: record.content });
        if (record.content !== input.content) await ports.dns.setRecordContent(zoneId, record.id, input.content);
        return { previous: entry.action.type === 'dns-restore' ? entry.action.content : record.content };
      }),

    purgeCache: async (input: { zone: string; hostnames: string[] }) => {
      const zoneId = await ports.dns.findZoneId(input.zone);
      if (zoneId) await ports.dns.purgeCache(zoneId, input.hostnames);
      return null;
    },

    startUptimeMaintenance: (input: { windowId: string; checks: (string | number)[]; description: string; at: string; ledger: LedgerRef }) =>
      outcome(async () => {
        // A maintenance still going (this step retried, or a page a failed run kept up) is the one in force.
        const existing = await store.getLedger(input.windowId, input.ledger.key);
        if (existing && existing.state !== 'undone' && existing.action.type === 'end-uptime-maintenance') {
          await remember(input.windowId, input.ledger, existing.action);
          return { maintenanceId: existing.action.maintenanceId };
        }
        const ids = await ports.uptime.findCheckIds(input.checks);
        // Orchestration time, not the process clock: rehearsals run on a virtual clock.
        const now = Math.floor(Date.parse(input.at) / 1000);
        // Twelve hours covers any window; the down step or the restore walk ends it early.
        const maintenanceId = await ports.uptime.startMaintenance(input.description, ids, now, now + 12 * 3600);
        await remember(input.windowId, input.ledger, { type: 'end-uptime-maintenance', maintenanceId });
        return { maintenanceId };
      }),

    setConsulKey: (input: { windowId: string; key: string; value: string; ledger: LedgerRef }) =>
      outcome(async () => {
        const previous = await ports.consul.getKey(input.key);
        await remember(input.windowId, input.ledger, { type: 'consul-key', key: input.key, ...(previous !== undefined ? { value: previous } : {}) });
        await ports.consul.putKey(input.key, input.value);
        return {};
      }),

    setNodeMaintenance: (input: { windowId: string; node: string; enabled: boolean; reason: string; ledger: LedgerRef }) =>
      outcome(async () => {
        await remember(input.windowId, input.ledger, { type: 'node-maintenance-off', node: input.node });
        await ports.consul.setNodeMaintenance(input.node, input.enabled, input.reason);
        return {};
      }),

    /** Reads the service first and records it: the restore puts back only what was on. */
    setWorkerService: (input: { windowId: string; node: string; service: string; enabled: boolean; ledger: LedgerRef }) =>
      outcome(async () => {
        const saved = await store.getLedger(input.windowId, input.ledger.key);
        const before = saved?.action.type === 'worker-service-on' && saved.action.before ? saved.action.before : await ports.hosts.getService(input.node, input.service);
        await remember(input.windowId, input.ledger, { type: 'worker-service-on', node: input.node, service: input.service, before });
        await ports.hosts.setService(input.node, input.service, input.enabled ? { startType: 'Automatic', running: true } : { startType: 'Disabled', running: false });
        return {};
      }),

    /** Reads the task first and records whether it was enabled. */
    setScheduledTask: (input: { windowId: string; node: string; task: string; enabled: boolean; ledger: LedgerRef }) =>
      outcome(async () => {
        const saved = await store.getLedger(input.windowId, input.ledger.key);
        const wasEnabled = saved?.action.type === 'scheduled-task-on' && saved.action.wasEnabled !== undefined ? saved.action.wasEnabled : (await ports.hosts.getScheduledTask(input.node, input.task)).enabled;
        await remember(input.windowId, input.ledger, { type: 'scheduled-task-on', node: input.node, task: input.task, wasEnabled });
        await ports.hosts.setScheduledTask(input.node, input.task, input.enabled);
        return {};
      }),
  };
}
