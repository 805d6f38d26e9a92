import type { OrchestrationContext, Task } from 'durable-functions';
import type { LedgerEntry, Outcome, RestoreResult } from './contracts';
import { acquirePoolLease, releasePoolLease } from './lease';
import { Activities, LedgerKeys } from './names';
import { RetryPolicies } from './retry';
import { untilDone } from './resumable';
import { nowIso } from './waits';

export interface RestoreInput {
  windowId: string;
  runId: string;
  failureChannels: string[];
  reason: string;
  /**
   * The window failed or was aborted: what keeps customers out (maintenance pages, a take-down's
   * maintenance key) stays as it is, kept and said loudly here, until a person takes it down.
   */
  keepCustomersOut?: boolean;
  /** Where to say so besides the failure channels (the window's and the pages' channels). */
  noticeChannels?: string[];
}

/**
 * Walks the restore ledger newest first and undoes every change still open. A
 * failing inverse is retried by policy, then reported loudly; never swallowed.
 */
export function* restoreOrchestrator(context: OrchestrationContext): Generator<Task, RestoreResult, unknown> {
  const input = context.df.getInput() as RestoreInput;
  const entries = (yield context.df.callActivityWithRetry(Activities.listLedger, RetryPolicies.store(), { windowId: input.windowId })) as LedgerEntry[];
  const result: RestoreResult = { undone: [], kept: [], failed: [] };
  const heldOut = new Map<string, LedgerEntry[]>();
  for (const entry of [...entries].sort((a, b) => b.order - a.order)) {
    if (entry.state === 'kept') {
      result.kept.push({ key: entry.key, description: entry.description, note: entry.note ?? 'kept on purpose' });
      continue;
    }
    if (entry.state !== 'open' && entry.state !== 'failed') continue;
    const what = input.keepCustomersOut ? LedgerKeys.keepsCustomersOut(entry.key) : undefined;
    if (what) {
      // Fail safe: the site may be broken, so customers are not let back in by a machine.
      const note = `kept: the window stopped; ${what} stays until a person takes it down`;
      yield context.df.callActivityWithRetry(Activities.settleLedger, RetryPolicies.store(), { windowId: input.windowId, key: entry.key, state: 'kept', note });
      result.kept.push({ key: entry.key, description: entry.description, note });
      heldOut.set(what, [...(heldOut.get(what) ?? []), entry]);
      continue;
    }
    let outcome: Outcome<object>;
    // A pool write holds the gateway's lease, as the patch steps' writes do: a batch still draining
    // on the same gateway (an abort mid-batch) would otherwise overwrite, or be overwritten by, this one.
    const pool = entry.action.type === 'pool-add' || entry.action.type === 'pool-remove' ? entry.action.pool.resourceId : undefined;
    const owner = `${context.df.instanceId}|restore|${entry.key}`;
    if (pool) yield* acquirePoolLease(context, pool, owner);
    try {
      outcome = yield* untilDone<object>(context, (resume) => context.df.callActivityWithRetry(Activities.undoLedger, RetryPolicies.restore(), { windowId: input.windowId, key: entry.key, at: nowIso(context), ...(resume !== undefined ? { resume } : {}) }));
    } catch (error) {
      outcome = { ok: false, code: 'RetriesExhausted', message: String((error as Error).message ?? error).split('\n')[0]!.slice(0, 300) };
    } finally {
      if (pool) releasePoolLease(context, pool, owner);
    }
    if (outcome.ok) result.undone.push(entry.key);
    else {
      result.failed.push({ key: entry.key, description: entry.description, error: outcome.message });
      // The record says so too: the status API and page list it as failed, with the reason.
      yield context.df.callActivityWithRetry(Activities.settleLedger, RetryPolicies.store(), { windowId: input.windowId, key: entry.key, state: 'failed', note: outcome.message });
    }
  }
  if (heldOut.size > 0) {
    const lines = [...heldOut.entries()].map(([what, held]) => {
      const page = /^page:([^:]+):/.exec(held[0]!.key)?.[1];
      const consulKey = held.map((e) => e.action).find((a) => a.type === 'consul-key');
      const how = page
        ? `take it down when the site is fit for customers: mw page ${input.windowId} ${page} down -r "<why>" (POST /api/windows/${input.windowId}/maintenance-page/${page})`
        : `smoke test from an API/UI box, then clear ${consulKey?.type === 'consul-key' ? consulKey.key : 'the key'} by hand`;
      return `• ${what.charAt(0).toUpperCase()}${what.slice(1)} is still UP: ${how}`;
    });
    yield context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), {
      windowId: input.windowId,
      key: `${input.runId}:customers-kept-out`,
      channels: [...new Set([...input.failureChannels, ...(input.noticeChannels ?? [])])],
      text: `:rotating_light: ${input.windowId} stopped (${input.reason}). Customers are NOT let back in by the restore walk after a failure; a person decides:\n${lines.join('\n')}`,
    });
  }
  if (result.failed.length > 0) {
    yield context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), {
      windowId: input.windowId,
      key: `${input.runId}:restore-failed`,
      channels: input.failureChannels,
      text: `:rotating_light: RESTORE FAILED for ${input.windowId} (${input.reason}). Still to do by hand:\n${result.failed.map((f) => `• ${f.description}: ${f.error}`).join('\n')}`,
    });
  }
  return result;
}
