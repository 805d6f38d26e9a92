import type { OrchestrationContext, Task } from 'durable-functions';
import type { Outcome, Runbook, StepState } from './contracts';
import { Activities } from './names';
import { RetryPolicies } from './retry';
import { nowIso } from './waits';

/** An old Mailgun key waiting for the steps that move its other consumers to the new one. */
export interface Retirement {
  stepId: string;
  keyId: string;
  after: string[];
  /** Settled: deleted, or kept with the reason. */
  outcome?: { deleted: boolean; note: string };
}

/**
 * Deletes each waiting old key once every step it waits for is done; keeps it, loudly, when one of
 * them ended otherwise (a consumer still on the old key must not lose it), or, at the end of the
 * window (`final`), when one never ran. Seed 002: the cronjob's Kubernetes secret kept the old key
 * until it was deleted by hand, so the old key must outlive that fix.
 */
export function* settleRetirements(
  context: OrchestrationContext,
  runbook: Runbook,
  runId: string,
  retirements: Retirement[],
  states: ReadonlyMap<string, StepState>,
  final: boolean,
): Generator<Task, void, unknown> {
  for (const r of retirements.filter((x) => !x.outcome)) {
    const notDone = r.after.filter((id) => states.get(id) !== 'done');
    const settled = notDone.every((id) => ['failed', 'not-doing', 'deferred', 'blocked', 'aborted'].includes(states.get(id) ?? ''));
    if (notDone.length > 0 && !settled && !final) continue;
    if (notDone.length === 0) {
      const deleted = (yield context.df.callActivityWithRetry(Activities.deleteMailgunKey, RetryPolicies.vendorWrite(), { windowId: runbook.windowId, keyId: r.keyId })) as Outcome<object>;
      r.outcome = deleted.ok
        ? { deleted: true, note: `old Mailgun key deleted: ${r.after.join(', ')} done` }
        : { deleted: false, note: `the old Mailgun key could not be deleted (${deleted.message}); delete key ${r.keyId} by hand` };
    } else {
      r.outcome = { deleted: false, note: `old Mailgun key ${r.keyId} kept: ${notDone.map((id) => `${id} ${states.get(id) ?? 'not run'}`).join(', ')}; delete it by hand once every consumer has the new key` };
    }
    yield context.df.callActivityWithRetry(Activities.recordEvent, RetryPolicies.store(), { windowId: runbook.windowId, stepId: r.stepId, type: 'old-key', at: nowIso(context), data: { keyId: r.keyId, ...r.outcome } });
    yield context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), {
      windowId: runbook.windowId,
      key: `${runId}:${r.stepId}:old-key`,
      channels: r.outcome.deleted ? runbook.channels.milestones : [...new Set([...runbook.channels.failures, ...runbook.channels.milestones])],
      text: `${r.outcome.deleted ? ':wastebasket:' : ':rotating_light:'} ${r.stepId}: ${r.outcome.note}.`,
    });
  }
}
