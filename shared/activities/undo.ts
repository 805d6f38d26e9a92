import { RECYCLE_IIS, type LedgerAction } from '../orchestrations/contracts';
import { rollbackSecretVersion } from './secrets';
import type { PoolRef } from '../ports';
import type { ActivityDeps } from './types';
import { nextMembers } from './estate';
import { outcome } from './outcome';

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
    undoLedgerEntry: (input: { windowId: string; key: string; at: string; force?: boolean }) =>
      outcome(async () => {
        const entry = await store.getLedger(input.windowId, input.key);
        if (!entry || entry.state === 'undone') return { skipped: true };
        if (entry.state === 'kept' && !input.force) return { skipped: true, kept: true };
        await applyInverse(deps, entry.action, Date.parse(input.at));
        await store.settleLedger(input.windowId, input.key, 'undone');
        return { skipped: false };
      }),
  };
}

async function applyInverse({ ports }: ActivityDeps, action: LedgerAction, nowMs: number): Promise<void> {
  switch (action.type) {
    case 'pool-add':
    case 'pool-remove': {
      const ref: PoolRef = { kind: action.pool.kind, resourceId: action.pool.resourceId, backendPool: action.pool.backendPool };
      const current = await ports.pools.listMembers(ref);
      const addresses = action.servers.map((s) => s.address);
      const desired = action.type === 'pool-add' ? nextMembers(current, [], addresses) : nextMembers(current, addresses, []);
      if (desired.length === current.length && desired.every((d) => current.some((m) => (m.ipAddress ?? m.fqdn) === (d.ipAddress ?? d.fqdn)))) return;
      let token = await ports.pools.beginSetMembers(ref, desired);
      // Restores wait for their write here: the restore walk has nothing else to do meanwhile.
      for (let i = 0; token && i < 120; i++) {
        const progress = await ports.pools.pollSetMembers(token);
        if (progress.state === 'succeeded') return;
        if (progress.state === 'failed') throw Object.assign(new Error(progress.message), { code: progress.code });
        token = progress.resumeToken;
        await new Promise((r) => setTimeout(r, 1000));
      }
      if (token) throw Object.assign(new Error(`pool ${action.pool.id} write still running`), { code: 'PoolWriteTimeout', statusCode: 503 });
      return;
    }
    case 'lift-alerts':
      return ports.alerts.deleteSuppression(action.ruleName);
    case 'dns-restore': {
      const zoneId = await ports.dns.findZoneId(action.zone);
      if (!zoneId) throw Object.assign(new Error(`zone ${action.zone} not found`), { code: 'ZoneNotFound' });
      const record = await ports.dns.findRecord(zoneId, action.hostname);
      if (!record) throw Object.assign(new Error(`no DNS record for ${action.hostname}`), { code: 'RecordNotFound' });
      if (record.content !== action.content) await ports.dns.setRecordContent(zoneId, record.id, action.content);
      return;
    }
    case 'purge-cache': {
      const zoneId = await ports.dns.findZoneId(action.zone);
      if (zoneId) await ports.dns.purgeCache(zoneId, action.hostnames);
      return;
    }
    case 'end-uptime-maintenance':
      return ports.uptime.endMaintenance(action.maintenanceId, Math.floor(nowMs / 1000));
    case 'consul-key':
      return action.value === undefined ? ports.consul.deleteKey(action.key) : ports.consul.putKey(action.key, action.value);
    case 'node-maintenance-off':
      return ports.consul.setNodeMaintenance(action.node, false, 'maintenance over');
    case 'worker-service-on':
      await ports.hosts.setService(action.node, action.service, action.before ?? { startType: 'Automatic', running: true });
      return;
    case 'scheduled-task-on':
      if (action.wasEnabled !== false) await ports.hosts.setScheduledTask(action.node, action.task, true);
      return;
    case 'secret-rollback': {
      await rollbackSecretVersion(ports, action);
      // Each server that took the new value reads the old one again; the ones not reached never changed.
      for (const server of action.recycle) {
        let token: string | undefined = await ports.compute.beginRunCommand(server.vmId, { script: RECYCLE_IIS, shell: 'powershell', parameters: {} });
        for (let i = 0; token && i < 120; i++) {
          const progress = await ports.compute.pollRunCommand(token);
          if (progress.state === 'failed') throw Object.assign(new Error(`IIS recycle on ${server.name}: ${progress.message}`), { code: progress.code });
          if (progress.state === 'succeeded') {
            if (progress.result.exitCode !== 0) throw Object.assign(new Error(`IIS recycle on ${server.name} exited ${progress.result.exitCode}`), { code: 'RecycleFailed' });
            token = undefined;
            break;
          }
          token = progress.resumeToken;
          await new Promise((r) => setTimeout(r, 1000));
        }
        if (token) throw Object.assign(new Error(`IIS recycle on ${server.name} still running`), { code: 'RecycleTimeout', statusCode: 503 });
      }
      if (action.deleteKeyId && (await ports.mail.listKeys()).some((k) => k.id === action.deleteKeyId)) await ports.mail.deleteKey(action.deleteKeyId);
      return;
    }
  }
}
