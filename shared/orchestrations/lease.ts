import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { Entities } from './names';

/**
 * The per-gateway (or per-load-balancer) lease every pool write holds: whole-object PUTs carry no
 * If-Match, so two writers at once would overwrite each other. Patch batches and the restore
 * walk take the same lease.
 */
function lease(resourceId: string): df.EntityId {
  return new df.EntityId(Entities.poolWriter, resourceId.toLowerCase().replace(/[^a-z0-9-]/g, '_'));
}

/** Takes the lease on `resourceId` for `owner`; while another write holds it, waits and asks again. */
export function* acquirePoolLease(context: OrchestrationContext, resourceId: string, owner: string): Generator<Task, void, unknown> {
  for (;;) {
    const granted = (yield context.df.callEntity(lease(resourceId), 'acquire', { owner, nowMs: context.df.currentUtcDateTime.getTime(), ttlMs: 45 * 60_000 })) as boolean;
    if (granted) return;
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 30_000));
  }
}

export function releasePoolLease(context: OrchestrationContext, resourceId: string, owner: string): void {
  context.df.signalEntity(lease(resourceId), 'release', { owner });
}
