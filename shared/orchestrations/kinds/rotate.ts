import type { Task } from 'durable-functions';
import { RECYCLE_IIS, type LedgerEntry, type Outcome, type ProbeOutcome, type Server, type StepResult } from '../contracts';
import { Activities } from '../names';
import { RetryPolicies } from '../retry';
import { sleep } from '../waits';
import { aborted, call, failed, keyOf, notify, ok, settle, type KindRunner, type StepContext } from './common';
import { runOnServers } from './checks';
import type { StepSpec } from '../../window/runbook';

type RotateSpec = Extract<StepSpec, { kind: 'rotate-secret' }>;

/**
 * Secret rotation: a new secret version (a Mailgun key, or a machineKey generated inside an
 * activity), verified on one server before the rest, batch by batch. When the server to verify on
 * is in the first batch, that batch rolls together and is verified there (seed 002: "Rolled change
 * to web1-5 and validated on web3"). Any verification failure rolls Key Vault back to the previous
 * version, recycles the servers that took the new value and keeps the old key. The inverse is in the
 * ledger from the start and grows batch by batch, so an abort or a failure anywhere in the roll-out
 * puts every server back on the version they all share. The old Mailgun key is deleted only once
 * everything verified and every step that updates another consumer (`deleteOldKeyAfter`) is done.
 * Values never leave the activities.
 */
export const runRotation: KindRunner<'rotate-secret'> = function* (sc, spec) {
  const { windowId } = sc.input;
  const secret = spec.secret;
  const created = (yield call(
    sc,
    secret.type === 'mailgun' ? Activities.createMailgunKey : Activities.generateMachineKey,
    { windowId, key: keyOf(sc, 'new-version'), secret },
  )) as Outcome<{ version: string; previousVersion?: string; keyId?: string; previousKeyId?: string }>;
  if (!created.ok) return failed(sc, `could not create the new ${secret.type} secret: ${created.message}`);

  const rolled: Server[] = [];
  const inverseKey = keyOf(sc, 'rollout');
  // The inverse of the roll-out so far, recorded before any server takes the new value and again after each batch.
  const recordInverse = function* (): Generator<Task, void, unknown> {
    if (!created.previousVersion) return;
    const entry: LedgerEntry = {
      key: inverseKey,
      stepId: sc.input.step.id,
      order: sc.nextOrder(),
      action: { type: 'secret-rollback', vault: secret.vault, name: secret.name, toVersion: created.previousVersion, disableVersion: created.version, ...(created.keyId ? { deleteKeyId: created.keyId } : {}), recycle: spec.recycleIis ? rolled : [] },
      description: `${secret.vault}/${secret.name} back to its previous version${rolled.length > 0 && spec.recycleIis ? `, IIS recycled on ${rolled.map((s) => s.name).join(', ')}` : ''}${created.keyId ? ', new Mailgun key deleted' : ''}`,
      state: 'open',
    };
    yield call(sc, Activities.recordLedger, { windowId, entry, replace: true }, RetryPolicies.store());
  };
  yield* recordInverse();

  const rollback = function* (why: string): Generator<Task, StepResult, unknown> {
    if (created.previousVersion) {
      yield call(sc, Activities.rollbackSecret, { windowId, vault: secret.vault, name: secret.name, toVersion: created.previousVersion, disableVersion: created.version });
      if (spec.recycleIis && rolled.length > 0) yield* runOnServers(sc, rolled, RECYCLE_IIS, 'powershell', {}, 'rollback-recycle');
    }
    if (created.keyId) yield call(sc, Activities.deleteMailgunKey, { windowId, keyId: created.keyId });
    yield* settle(sc, inverseKey, 'undone', why);
    yield* notify(sc, sc.input.failureChannels, `:rewind: ${sc.input.step.title}: ${why}. Rolled Key Vault ${secret.vault}/${secret.name} back to the previous version; the old key stays in use.`, 'rollback');
    return failed(sc, `${why}; rolled back to the previous version, old key kept`);
  };

  // Verify on one server first: alone, or with the first batch when it is one of them.
  const batches = spec.batches.map((b) => ({ ...b }));
  const withFirst = batches[0]?.after.length === 0 && batches[0].members.some((m) => m.name === spec.validateOn.name);
  const first = withFirst ? batches.shift()!.members : [spec.validateOn];
  yield* sc.record('doing', `rolling to ${first.map((s) => s.name).join(', ')}, then verifying on ${spec.validateOn.name}`);
  const firstRoll = yield* rollTo(sc, spec, first, 'validate', rolled);
  yield* recordInverse();
  if (firstRoll.aborted) return yield* rollback('aborted during validation');
  if (firstRoll.error) return yield* rollback(`validation on ${first.map((s) => s.name).join(', ')} failed: ${firstRoll.error}`);
  if (secret.type === 'mailgun') {
    const verified = (yield call(sc, Activities.verifyMailgunKey, { windowId, vault: secret.vault, name: secret.name, version: created.version }, RetryPolicies.vendorRead())) as Outcome<object>;
    if (!verified.ok) return yield* rollback(`the new Mailgun key does not authenticate: ${verified.message}`);
  }

  for (const [i, batch] of batches.entries()) {
    const n = i + (withFirst ? 2 : 1);
    if (batch.after.length > 0) {
      yield* sc.record('doing', `waiting for ${batch.after.join(', ')} before roll-out batch ${n} (${batch.members.map((m) => m.name).join(', ')})`);
      const ready = yield* waitForSteps(sc, batch.after);
      // Stopped part-way: the ledger's inverse puts the servers rolled so far back (the restore walk).
      if (ready === 'aborted') return aborted(sc, `before roll-out batch ${n}; the restore walk rolls ${rolled.map((s) => s.name).join(', ')} back`);
      if (ready !== 'done') return failed(sc, `roll-out batch ${n} (${batch.members.map((m) => m.name).join(', ')}) not done: ${ready}; the restore walk rolls ${rolled.map((s) => s.name).join(', ')} back`);
    }
    const members = batch.members.filter((m) => !rolled.some((r) => r.name === m.name));
    yield* sc.record('doing', `roll-out batch ${n}: ${members.map((m) => m.name).join(', ')}`);
    const result = yield* rollTo(sc, spec, members, `batch-${n}`, rolled);
    yield* recordInverse();
    if (result.aborted) return aborted(sc, `during roll-out batch ${n}; the restore walk rolls ${rolled.map((s) => s.name).join(', ')} back`);
    if (result.error) return yield* rollback(`roll-out batch ${n} failed: ${result.error}`);
  }
  // Every server runs the new version: the roll-out is final, nothing to put back. Key Vault
  // says so first, so a ledger record lost from storage cannot let the restore walk undo it.
  const marked = (yield call(sc, Activities.markRolledOut, { windowId, vault: secret.vault, name: secret.name, version: created.version })) as Outcome<object>;
  if (!marked.ok) return failed(sc, `rolled out to every server, but Key Vault could not record it (${marked.message}); the restore walk rolls it back to the previous version`);
  yield* settle(sc, inverseKey, 'undone', 'rolled out to every server');

  if (created.previousKeyId && spec.deleteOldKeyAfter.length > 0) {
    yield* sc.record('doing', `rolled out; the old Mailgun key is deleted once ${spec.deleteOldKeyAfter.join(', ')} ${spec.deleteOldKeyAfter.length > 1 ? 'are' : 'is'} done`);
    return ok(sc, `${secret.type} rotated to version ${created.version} on ${rolled.length} server(s); the old Mailgun key waits for ${spec.deleteOldKeyAfter.join(', ')}`, {
      retireKey: { keyId: created.previousKeyId, after: spec.deleteOldKeyAfter },
    });
  }
  if (created.previousKeyId) {
    const deleted = (yield call(sc, Activities.deleteMailgunKey, { windowId, keyId: created.previousKeyId })) as Outcome<object>;
    if (!deleted.ok) return failed(sc, `rotated, but the old Mailgun key could not be deleted: ${deleted.message}`);
  }
  return ok(sc, `${secret.type} rotated to version ${created.version} on ${rolled.length} server(s)${created.previousKeyId ? '; old Mailgun key deleted' : ''}`);
};

/** Recycles IIS on `servers` and runs the validation checks on each; every server recycled joins `rolled`. */
function* rollTo(sc: StepContext, spec: RotateSpec, servers: Server[], purpose: string, rolled: Server[]): Generator<Task, { aborted: boolean; error?: string }, unknown> {
  if (servers.length === 0) return { aborted: false };
  if (spec.recycleIis) {
    const recycled = yield* runOnServers(sc, servers, RECYCLE_IIS, 'powershell', {}, `recycle-${purpose}`);
    // A server whose recycle was asked for may have taken the new value, whatever came back: it is rolled back with the rest.
    rolled.push(...servers);
    if (recycled.aborted) return { aborted: true };
    if (recycled.failed.length > 0) return { aborted: false, error: `IIS recycle failed on ${recycled.failed.join('; ')}` };
  } else {
    rolled.push(...servers);
  }
  if (spec.validation.length > 0) {
    const probes = (yield sc.context.df.Task.all(
      servers.map((s) => call(sc, Activities.runProbes, { server: s, checks: spec.validation }, RetryPolicies.vendorRead())),
    )) as ProbeOutcome[];
    const bad = probes.flatMap((p, i) => (p.ok ? [] : [`${servers[i]!.name}: ${p.failures.join(', ')}`]));
    if (bad.length > 0) return { aborted: false, error: bad.join('; ') };
  }
  return { aborted: false };
}

/** Polls the window record until the named steps have settled. */
export function* waitForSteps(sc: StepContext, stepIds: string[]): Generator<Task, 'done' | 'aborted' | string, unknown> {
  for (;;) {
    const states = (yield call(sc, Activities.readStepStates, { windowId: sc.input.windowId, stepIds }, RetryPolicies.store())) as Record<string, string>;
    const bad = stepIds.filter((id) => ['failed', 'blocked', 'aborted'].includes(states[id] ?? ''));
    if (bad.length > 0) return `${bad.map((id) => `${id} ${states[id]}`).join(', ')}`;
    if (stepIds.every((id) => ['done', 'not-doing', 'deferred'].includes(states[id] ?? ''))) return 'done';
    const slept = yield* sleep(sc.context, sc.abort, sc.input.pollMinutes);
    if (!slept) return 'aborted';
  }
}
