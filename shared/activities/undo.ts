import { RECYCLE_IIS, type LedgerAction } from '../orchestrations/contracts';
import { rollbackUnlessFinished } from './secrets';
import type { PoolRef } from '../ports';
import type { ActivityDeps } from './types';
import { nextMembers } from './estate';
import { outcome } from './outcome';
import { HOST_CHECK_SECONDS } from './changes';
import { runCommandName } from './runNames';

/**
 * Undoes one ledger entry by key and marks it undone. Used by steps that reverse
 * their own change (page down, restore) and by the restore walk. Idempotent: an
 * entry already undone, or never recorded, is a success.
 */
export function undoActivities(deps: ActivityDeps) {
  const { store } = deps;
  return {
    /** `at`: orchestration time (ISO), so a rehearsal's virtual weekend is what Pingdom hears. */
    /** `force`: undo an entry kept on purpose too (a person takes down a page a failed window kept up). */
    /** `resume`: where an inverse that waits on the estate (a pool write, a Run Command) got to; the caller checks again later. */
    undoLedgerEntry: (input: { windowId: string; key: string; at: string; force?: boolean; resume?: UndoResume }) =>
      outcome(async () => {
        const entry = await store.getLedger(input.windowId, input.key);
        if (!entry || entry.state === 'undone') return { skipped: true };
        if (entry.state === 'kept' && !input.force) return { skipped: true, kept: true };
        const pending = await applyInverse(deps, entry.action, Date.parse(input.at), input.resume, (...parts) => runCommandName(input.windowId, input.key, 'undo', ...parts));
        if (pending) return { pending: { resume: pending, afterSeconds: HOST_CHECK_SECONDS } };
        await store.settleLedger(input.windowId, input.key, 'undone');
        return { skipped: false };
      }),
  };
}

/** Where an inverse that waits on the estate got to: a pool write, a host change, or the IIS recycle of server `index`. */
export type UndoResume = { phase: 'pool'; token: string } | { phase: 'host'; token: string } | { phase: 'recycle'; index: number; token?: string };

/** Applies an inverse, or starts it and says where it got to (undefined once done). */
async function applyInverse(
  { ports }: ActivityDeps,
  action: LedgerAction,
  nowMs: number,
  resume: UndoResume | undefined,
  /** The managed run command name for this entry's inverse and `parts` (one name per script run). */
  runName: (...parts: string[]) => string,
): Promise<UndoResume | undefined> {
  switch (action.type) {
    case 'pool-add':
    case 'pool-remove': {
      let token = resume?.phase === 'pool' ? resume.token : undefined;
      if (!token) {
        const ref: PoolRef = { kind: action.pool.kind, resourceId: action.pool.resourceId, backendPool: action.pool.backendPool };
        const current = await ports.pools.listMembers(ref);
        const addresses = action.servers.map((s) => s.address);
        const desired = action.type === 'pool-add' ? nextMembers(current, [], addresses) : nextMembers(current, addresses, []);
        if (desired.length === current.length && desired.every((d) => current.some((m) => (m.ipAddress ?? m.fqdn) === (d.ipAddress ?? d.fqdn)))) return undefined;
        token = await ports.pools.beginSetMembers(ref, desired);
        if (!token) return undefined;
      }
      // The write is checked on later calls (a durable timer between), never waited for here.
      const progress = await ports.pools.pollSetMembers(token);
      if (progress.state === 'succeeded') return undefined;
      if (progress.state === 'failed') throw Object.assign(new Error(progress.message), { code: progress.code });
      return { phase: 'pool', token: progress.resumeToken };
    }
    case 'lift-alerts':
      await ports.alerts.deleteSuppression(action.ruleName);
      return undefined;
    case 'dns-restore': {
      const zoneId = await ports.dns.findZoneId(action.zone);
      if (!zoneId) throw Object.assign(new Error(`zone ${action.zone} not found`), { code: 'ZoneNotFound' });
      const record = await ports.dns.findRecord(zoneId, action.hostname);
      if (!record) throw Object.assign(new Error(`no DNS record for ${action.hostname}`), { code: 'RecordNotFound' });
      if (record.content !== action.content) await ports.dns.setRecordContent(zoneId, record.id, action.content);
      return undefined;
    }
    case 'purge-cache': {
      const zoneId = await ports.dns.findZoneId(action.zone);
      if (zoneId) await ports.dns.purgeCache(zoneId, action.hostnames);
      return undefined;
    }
    case 'end-uptime-maintenance':
      await ports.uptime.endMaintenance(action.maintenanceId, Math.floor(nowMs / 1000));
      return undefined;
    case 'consul-key': {
      const where = action.datacenter ? { datacenter: action.datacenter } : {};
      if (action.value === undefined) await ports.consul.deleteKey(action.key, where);
      else await ports.consul.putKey(action.key, action.value, where);
      return undefined;
    }
    case 'node-maintenance-off':
      await ports.consul.setNodeMaintenance(action.node, false, 'maintenance over');
      return undefined;
    case 'worker-service-on': {
      const step = resume?.phase === 'host' ? await ports.hosts.check(resume.token) : await ports.hosts.begin({ op: 'setService', node: action.node, service: action.service, state: action.before ?? { startType: 'Automatic', running: true } }, runName('set'));
      return step.state === 'running' ? { phase: 'host', token: step.token } : undefined;
    }
    case 'scheduled-task-on': {
      if (action.wasEnabled === false) return undefined;
      const step = resume?.phase === 'host' ? await ports.hosts.check(resume.token) : await ports.hosts.begin({ op: 'setTask', node: action.node, task: action.task, enabled: true }, runName('set'));
      return step.state === 'running' ? { phase: 'host', token: step.token } : undefined;
    }
    case 'secret-rollback': {
      let index = 0;
      let token: string | undefined;
      if (resume?.phase === 'recycle') ({ index, token } = resume);
      else if (!(await rollbackUnlessFinished(ports, action))) return undefined;
      // Each server that took the new value reads the old one again, one at a time; the ones not
      // reached never changed. Each recycle is checked on later calls, never waited for here.
      for (; index < action.recycle.length; index++, token = undefined) {
        const server = action.recycle[index]!;
        token ??= await ports.compute.beginRunCommand(server.vmId, { script: RECYCLE_IIS, shell: 'powershell', parameters: {} }, runName('recycle', server.name));
        const progress = await ports.compute.pollRunCommand(token);
        if (progress.state === 'failed') throw Object.assign(new Error(`IIS recycle on ${server.name}: ${progress.message}`), { code: progress.code });
        if (progress.state === 'running') return { phase: 'recycle', index, token: progress.resumeToken };
        if (progress.result.exitCode !== 0) throw Object.assign(new Error(`IIS recycle on ${server.name} exited ${progress.result.exitCode}`), { code: 'RecycleFailed' });
      }
      if (action.deleteKeyId && (await ports.mail.listKeys()).some((k) => k.id === action.deleteKeyId)) await ports.mail.deleteKey(action.deleteKeyId);
      return undefined;
    }
  }
}
