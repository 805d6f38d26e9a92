import type { LedgerAction, LedgerEntry } from '../orchestrations/contracts';
import type { ActivityDeps } from './types';
import { outcome } from './outcome';
import type { HostResult, HostStep, WindowsServiceState } from '../ports/hosts';

/** Where a host change stands between calls: reading what was there, or setting it. */
export interface HostResume {
  phase: 'read' | 'set';
  token: string;
}

/** Between checks of a Run Command (it takes 20-60 s on Azure). */
export const HOST_CHECK_SECONDS = 5;

/** A host request still running becomes a `pending` answer; a finished one goes on to `next`. */
export async function hostPhase(step: HostStep, phase: HostResume['phase'], next: (result: HostResult) => object | Promise<object>): Promise<object> {
  if (step.state === 'running') return { pending: { resume: { phase, token: step.token } satisfies HostResume, afterSeconds: HOST_CHECK_SECONDS } };
  return next(step.result);
}

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

    /** The hostnames whose record still has `content` (a page-down that restored nothing checks it is down). */
    dnsStillAt: (input: { zone: string; hostnames: string[]; content: string }) =>
      outcome(async () => {
        const zoneId = await ports.dns.findZoneId(input.zone);
        if (!zoneId) throw Object.assign(new Error(`zone ${input.zone} not found`), { code: 'ZoneNotFound' });
        const still: string[] = [];
        for (const hostname of input.hostnames) if ((await ports.dns.findRecord(zoneId, hostname))?.content === input.content) still.push(hostname);
        return { still };
      }),

    /**
     * Points the records still at `from` back at `to` (the window's declared origin): the page-down
     * fallback when the saved values were lost. Idempotent: a record already moved is left alone.
     */
    pointDnsBack: (input: { zone: string; hostnames: string[]; from: string; to: string }) =>
      outcome(async () => {
        const zoneId = await ports.dns.findZoneId(input.zone);
        if (!zoneId) throw Object.assign(new Error(`zone ${input.zone} not found`), { code: 'ZoneNotFound' });
        const moved: string[] = [];
        for (const hostname of input.hostnames) {
          const record = await ports.dns.findRecord(zoneId, hostname);
          if (record?.content !== input.from) continue;
          await ports.dns.setRecordContent(zoneId, record.id, input.to);
          moved.push(hostname);
        }
        return { moved };
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

    /**
     * The inverse puts `restoreValue` back when the window gives one, else the value the key had
     * (deleted when it had none).
     */
    setConsulKey: (input: { windowId: string; key: string; value: string; restoreValue?: string; datacenter?: string; ledger: LedgerRef }) =>
      outcome(async () => {
        const where = input.datacenter ? { datacenter: input.datacenter } : {};
        const back = input.restoreValue ?? (await ports.consul.getKey(input.key, where));
        await remember(input.windowId, input.ledger, { type: 'consul-key', key: input.key, ...(back !== undefined ? { value: back } : {}), ...where });
        await ports.consul.putKey(input.key, input.value, where);
        return {};
      }),

    setNodeMaintenance: (input: { windowId: string; node: string; enabled: boolean; reason: string; ledger: LedgerRef }) =>
      outcome(async () => {
        await remember(input.windowId, input.ledger, { type: 'node-maintenance-off', node: input.node });
        await ports.consul.setNodeMaintenance(input.node, input.enabled, input.reason);
        return {};
      }),

    /**
     * Reads the service first and records it: the restore puts back only what was on. Each Run
     * Command is started here and checked on later calls (`resume`), never waited for.
     */
    setWorkerService: (input: { windowId: string; node: string; service: string; enabled: boolean; ledger: LedgerRef; resume?: HostResume }) =>
      outcome(async () => {
        const state: WindowsServiceState = input.enabled ? { startType: 'Automatic', running: true } : { startType: 'Disabled', running: false };
        const set = async (step?: HostStep) => hostPhase(step ?? (await ports.hosts.begin({ op: 'setService', node: input.node, service: input.service, state })), 'set', () => ({}));
        const recordAndSet = async (before: WindowsServiceState) => {
          await remember(input.windowId, input.ledger, { type: 'worker-service-on', node: input.node, service: input.service, before });
          return set();
        };
        if (input.resume?.phase === 'set') return set(await ports.hosts.check(input.resume.token));
        if (input.resume?.phase === 'read') return hostPhase(await ports.hosts.check(input.resume.token), 'read', (r) => recordAndSet(r as WindowsServiceState));
        const saved = await store.getLedger(input.windowId, input.ledger.key);
        if (saved?.action.type === 'worker-service-on' && saved.action.before) return recordAndSet(saved.action.before);
        return hostPhase(await ports.hosts.begin({ op: 'getService', node: input.node, service: input.service }), 'read', (r) => recordAndSet(r as WindowsServiceState));
      }),

    /** Reads the task first and records whether it was enabled; Run Commands checked as above. */
    setScheduledTask: (input: { windowId: string; node: string; task: string; enabled: boolean; ledger: LedgerRef; resume?: HostResume }) =>
      outcome(async () => {
        const set = async (step?: HostStep) => hostPhase(step ?? (await ports.hosts.begin({ op: 'setTask', node: input.node, task: input.task, enabled: input.enabled })), 'set', () => ({}));
        const recordAndSet = async (wasEnabled: boolean) => {
          await remember(input.windowId, input.ledger, { type: 'scheduled-task-on', node: input.node, task: input.task, wasEnabled });
          return set();
        };
        if (input.resume?.phase === 'set') return set(await ports.hosts.check(input.resume.token));
        if (input.resume?.phase === 'read') return hostPhase(await ports.hosts.check(input.resume.token), 'read', (r) => recordAndSet((r as { enabled: boolean }).enabled));
        const saved = await store.getLedger(input.windowId, input.ledger.key);
        if (saved?.action.type === 'scheduled-task-on' && saved.action.wasEnabled !== undefined) return recordAndSet(saved.action.wasEnabled);
        return hostPhase(await ports.hosts.begin({ op: 'getTask', node: input.node, task: input.task }), 'read', (r) => recordAndSet((r as { enabled: boolean }).enabled));
      }),
  };
}
