import type { OrchestrationContext } from 'durable-functions';
import { applyLeaseOperation, type LeaseOperation, type LeaseState } from '../../../shared/entities/poolWriter';
import type { LedgerEntry } from '../../../shared/orchestrations/contracts';
import { Activities } from '../../../shared/orchestrations/names';
import { restoreOrchestrator } from '../../../shared/orchestrations/restore';

const GATEWAY = '/subscriptions/s/resourceGroups/RG-NETWORK-PRD/providers/Microsoft.Network/applicationGateways/agw-pri-appgateway0-prd';
const PATCH_OWNER = 'window-w|patch-web|batch-2';

const pool = { id: 'agw-web', kind: 'application-gateway' as const, resourceId: GATEWAY, backendPool: 'bp-ic-web-prd', floor: 5, members: ['IC-Web1'] };
const ledger: LedgerEntry[] = [
  { key: 'pool:agw-web:batch-1', stepId: 'patch-web', order: 1, action: { type: 'pool-add', pool, servers: [{ name: 'IC-Web1', address: '10.20.1.11' }] }, description: 'IC-Web1 back', state: 'open' },
  { key: 'consul:key', stepId: 'page', order: 2, action: { type: 'consul-key', key: 'k' }, description: 'key back', state: 'open' },
];

type Yielded = { kind: 'activity'; name: string; input: { key?: string } } | { kind: 'entity'; entity: string; op: string; input: { owner: string } } | { kind: 'timer'; at: Date };

/**
 * Drives the restore orchestrator by hand with a fake durable context: one lease entity shared
 * with a patch batch that holds it when the walk starts and lets go after the walk's first wait.
 */
function drive() {
  let now = Date.parse('2025-06-22T10:00:00Z');
  const leases = new Map<string, LeaseState>();
  const apply = (entity: string, op: LeaseOperation): unknown => {
    const { state, result } = applyLeaseOperation(leases.get(entity), op);
    leases.set(entity, state);
    return result;
  };
  const log: string[] = [];
  let gatewayEntity = '';
  const context = {
    df: {
      instanceId: 'window-w:restore',
      getInput: () => ({ windowId: 'w', failureChannels: [], reason: 'abort' }),
      get currentUtcDateTime() {
        return new Date(now);
      },
      callActivityWithRetry: (name: string, _policy: unknown, input: { key?: string }): Yielded => ({ kind: 'activity', name, input }),
      callEntity: (id: { key: string }, op: string, input: { owner: string }): Yielded => ({ kind: 'entity', entity: id.key, op, input }),
      signalEntity: (id: { key: string }, op: string, input: { owner: string }) => {
        log.push(`signal ${op} ${input.owner}`);
        apply(id.key, { name: 'release', input });
      },
      createTimer: (at: Date): Yielded => ({ kind: 'timer', at }),
    },
  } as unknown as OrchestrationContext;

  const gen = restoreOrchestrator(context);
  let value: unknown;
  for (let step = 0; step < 50; step++) {
    const next = gen.next(value);
    if (next.done) return { log, result: next.value };
    const task = next.value as unknown as Yielded;
    if (task.kind === 'activity') {
      if (task.name === Activities.listLedger) value = ledger;
      else if (task.name === Activities.undoLedger) {
        const holder = leases.get(gatewayEntity)?.owner ?? 'nobody';
        log.push(`undo ${task.input.key ?? ''} (lease: ${task.input.key === 'consul:key' ? 'n/a' : holder})`);
        value = { ok: true };
      } else value = null;
    } else if (task.kind === 'entity') {
      if (!gatewayEntity) {
        gatewayEntity = task.entity;
        // A patch batch on the same gateway got there first.
        apply(gatewayEntity, { name: 'acquire', input: { owner: PATCH_OWNER, nowMs: now, ttlMs: 45 * 60_000 } });
      }
      const granted = apply(task.entity, { name: 'acquire', input: { owner: task.input.owner, nowMs: now, ttlMs: 45 * 60_000 } });
      log.push(`acquire ${task.input.owner} ${granted ? 'granted' : 'refused'}`);
      value = granted;
    } else {
      now = task.at.getTime();
      log.push('wait');
      // The batch finishes its write and lets go of the gateway.
      if (leases.get(gatewayEntity)?.owner === PATCH_OWNER) {
        apply(gatewayEntity, { name: 'release', input: { owner: PATCH_OWNER } });
        log.push(`patch batch released`);
      }
      value = undefined;
    }
  }
  throw new Error('the restore walk did not finish');
}

describe('restore walk and the per-gateway lease', () => {
  it('waits for a patch batch holding the gateway, writes the pool under its own lease, then lets go', () => {
    const { log, result } = drive();
    const owner = 'window-w:restore|restore|pool:agw-web:batch-1';
    // Newest first: the Consul key (no lease), then the pool entry, which waits for the batch.
    expect(log).toEqual([
      'undo consul:key (lease: n/a)',
      `acquire ${owner} refused`,
      'wait',
      'patch batch released',
      `acquire ${owner} granted`,
      `undo pool:agw-web:batch-1 (lease: ${owner})`,
      `signal release ${owner}`,
    ]);
    expect(result.undone).toEqual(['consul:key', 'pool:agw-web:batch-1']);
  });
});
