import type { Outcome, ProbeOutcome } from '../contracts';
import { Activities, LedgerKeys } from '../names';
import { RetryPolicies } from '../retry';
import { untilDone } from '../resumable';
import { call, failed, milestones, named, notify, ok, settle, undoAll, type KindRunner } from './common';

/** Ledger keys are per estate, so `restore` finds what `down` changed. */
const k = {
  key: (estate: string) => LedgerKeys.estate(estate, 'key'),
  maint: (estate: string, node: string) => LedgerKeys.estate(estate, 'maint', node),
  service: (estate: string, node: string, service: string) => LedgerKeys.estate(estate, 'svc', node, service),
  task: (estate: string, node: string, task: string) => LedgerKeys.estate(estate, 'task', node, task),
};

/**
 * The Consul/HAProxy take-down of seed 004, and its restore in exact reverse order
 * with a smoke test before outside traffic comes back.
 */
export const runTakedown: KindRunner<'takedown'> = function* (sc, spec) {
  const e = spec.estate;
  const ledger = (key: string, description: string) => ({ key, stepId: sc.input.step.id, order: sc.nextOrder(), description });
  const windowId = sc.input.windowId;
  if (spec.action === 'down') {
    const set = (yield call(sc, Activities.setConsulKey, { windowId, key: e.maintenanceKey.key, value: e.maintenanceKey.value, ...(e.maintenanceKey.restoreValue !== undefined ? { restoreValue: e.maintenanceKey.restoreValue } : {}), ...(e.datacenter ? { datacenter: e.datacenter } : {}), ledger: ledger(k.key(e.id), `Consul key ${e.maintenanceKey.key} back (outside traffic restored)`) })) as Outcome<object>;
    if (!set.ok) return failed(sc, `could not set the maintenance key: ${set.message}`);
    // The friendly message itself, not just any answer: the normal site answers 200 too.
    const checks = [...e.verifyRedirect.map((url) => ({ name: `redirect ${url}`, url, method: 'GET' as const, expectStatus: [200, 503], ...(e.maintenanceMarker ? { expectBody: e.maintenanceMarker } : {}), timeoutInMs: 10_000, attempts: 3 })), ...e.verifyDown];
    if (checks.length > 0) {
      const verified = (yield call(sc, Activities.runProbes, { checks }, RetryPolicies.vendorRead())) as ProbeOutcome;
      if (!verified.ok) return failed(sc, `traffic is not redirected yet: ${verified.failures.join('; ')}`);
    }
    for (const node of e.apiNodes) {
      const r = (yield call(sc, Activities.setNodeMaintenance, { windowId, node, enabled: true, reason: `${windowId} maintenance`, ledger: ledger(k.maint(e.id, node), `${node} out of Consul maintenance`) })) as Outcome<object>;
      if (!r.ok) return failed(sc, `consul maint --enable on ${node} failed: ${r.message}`);
    }
    for (const worker of e.workers) {
      for (const service of worker.services) {
        const input = { windowId, node: worker.node, service, enabled: false, ledger: ledger(k.service(e.id, worker.node, service), `${service} on ${worker.node} enabled`) };
        const r = yield* untilDone<object>(sc.context, (resume) => call(sc, Activities.setWorkerService, { ...input, resume }));
        if (!r.ok) return failed(sc, `could not disable ${service} on ${worker.node}: ${r.message}`);
      }
    }
    if (e.scheduledTasks) {
      for (const task of e.scheduledTasks.tasks) {
        const input = { windowId, node: e.scheduledTasks.node, task, enabled: false, ledger: ledger(k.task(e.id, e.scheduledTasks.node, task), `scheduled task ${task} enabled`) };
        const r = yield* untilDone<object>(sc.context, (resume) => call(sc, Activities.setScheduledTask, { ...input, resume }));
        if (!r.ok) return failed(sc, `could not disable ${task}: ${r.message}`);
      }
    }
    yield* notify(sc, milestones(sc), `:construction: ${named(e.id, e.title)} is down for maintenance: key set, ${e.apiNodes.length} API/UI node(s) in maint, workers and jobs disabled.${tellPartners(e.partners, 'the API answers 503 until the restore')}`, 'down');
    return ok(sc, `${e.id} taken down`);
  }

  // Restore: exact reverse of the take-down.
  const reverse = [
    ...(e.scheduledTasks ? [...e.scheduledTasks.tasks].reverse().map((t) => k.task(e.id, e.scheduledTasks!.node, t)) : []),
    ...[...e.workers].reverse().flatMap((w) => [...w.services].reverse().map((s) => k.service(e.id, w.node, s))),
    ...[...e.apiNodes].reverse().map((n) => k.maint(e.id, n)),
  ];
  const problems = yield* undoAll(sc, reverse);
  if (problems.length > 0) return failed(sc, `restore incomplete: ${problems.join('; ')}; outside traffic still redirected`);
  if (e.smokeTests.length > 0) {
    // "Smoke test the services via the UI from one of the API/UI boxes": {host} is the first box.
    const box = e.apiNodes[0]!;
    const smoke = (yield call(sc, Activities.runProbes, { checks: e.smokeTests, server: { name: box, vmId: '', host: box } }, RetryPolicies.vendorRead())) as ProbeOutcome;
    if (!smoke.ok) {
      yield* settle(sc, k.key(e.id), 'kept', `smoke tests failed (${smoke.failures.join('; ')}): HAProxy still sends outside traffic to the maintenance message; clear ${e.maintenanceKey.key} by hand once fixed`);
      return failed(sc, `smoke tests failed: ${smoke.failures.join('; ')}; outside traffic stays redirected`);
    }
  }
  const cleared = yield* undoAll(sc, [k.key(e.id)]);
  if (cleared.length > 0) return failed(sc, `could not clear the maintenance key: ${cleared.join('; ')}`);
  if (e.verifyRedirect.length > 0) {
    // Outside traffic is back only when the fronts answer normally again (2xx, no message).
    const normal = e.verifyRedirect.map((url) => ({ name: `normal ${url}`, url, method: 'GET' as const, expectStatus: [200, 204], ...(e.maintenanceMarker ? { rejectBody: e.maintenanceMarker } : {}), timeoutInMs: 10_000, attempts: 10 }));
    const back = (yield call(sc, Activities.runProbes, { checks: normal }, RetryPolicies.vendorRead())) as ProbeOutcome;
    if (!back.ok) return failed(sc, `the key is cleared but outside traffic does not answer normally: ${back.failures.join('; ')}`);
  }
  yield* notify(sc, milestones(sc), `:white_check_mark: ${named(e.id, e.title)} restored: jobs, workers and API/UI nodes back, smoke tests passed, outside traffic restored.${tellPartners(e.partners, 'the API is back')}`, 'restored');
  return ok(sc, `${e.id} restored`);
};

/** Seed 004: "coordination with the partners is needed"; the notice names who to tell, and what. */
function tellPartners(partners: string[] | undefined, what: string): string {
  return partners && partners.length > 0 ? ` Tell ${partners.join(', ')}: ${what}.` : '';
}
