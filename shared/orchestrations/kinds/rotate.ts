import type { Task } from 'durable-functions';
import type { Outcome, ProbeOutcome, Server } from '../contracts';
import { Activities } from '../names';
import { RetryPolicies } from '../retry';
import { sleep } from '../waits';
import { aborted, call, failed, keyOf, notify, ok, type KindRunner, type StepContext } from './common';
import { runOnServers } from './checks';
import type { StepSpec } from '../../window/runbook';

type RotateSpec = Extract<StepSpec, { kind: 'rotate-secret' }>;

/** Servers read the secret from Key Vault when IIS starts, so a recycle is the roll-out. */
const RECYCLE_IIS = ['iisreset /restart', 'Write-Output "IIS recycled"'];

/**
 * Secret rotation: a new secret version (a Mailgun key, or a machineKey generated
 * inside an activity), verified on one server before the rest, batch by batch; the
 * old Mailgun key is deleted only once everything verified. Any verification failure
 * rolls Key Vault back to the previous version and keeps the old key. Values never
 * leave the activities.
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

  const rollback = function* (why: string, rolled: Server[]): Generator<Task, ReturnType<typeof failed>, unknown> {
    if (created.previousVersion) {
      yield call(sc, Activities.rollbackSecret, { windowId, vault: secret.vault, name: secret.name, toVersion: created.previousVersion, disableVersion: created.version });
      if (spec.recycleIis && rolled.length > 0) yield* runOnServers(sc, rolled, RECYCLE_IIS, 'powershell', {}, 'rollback-recycle');
    }
    if (created.keyId) yield call(sc, Activities.deleteMailgunKey, { windowId, keyId: created.keyId });
    yield* notify(sc, sc.input.failureChannels, `:rewind: ${sc.input.step.title}: ${why}. Rolled Key Vault ${secret.vault}/${secret.name} back to the previous version; the old key stays in use.`, 'rollback');
    return failed(sc, `${why}; rolled back to the previous version, old key kept`);
  };

  // Verify on one server first.
  const first = yield* rollTo(sc, spec, [spec.validateOn], 'validate');
  if (first.aborted) return yield* rollback('aborted during validation', [spec.validateOn]);
  if (first.error) return yield* rollback(`validation on ${spec.validateOn.name} failed: ${first.error}`, [spec.validateOn]);
  if (secret.type === 'mailgun') {
    const verified = (yield call(sc, Activities.verifyMailgunKey, { windowId, vault: secret.vault, name: secret.name, version: created.version }, RetryPolicies.vendorRead())) as Outcome<object>;
    if (!verified.ok) return yield* rollback(`the new Mailgun key does not authenticate: ${verified.message}`, [spec.validateOn]);
  }

  const rolled: Server[] = [spec.validateOn];
  for (const [i, batch] of spec.batches.entries()) {
    if (batch.after.length > 0) {
      const ready = yield* waitForSteps(sc, batch.after);
      if (ready === 'aborted') return aborted(sc, `before roll-out batch ${i + 1}; ${rolled.map((s) => s.name).join(', ')} run the new version`);
      if (ready !== 'done') {
        return failed(sc, `roll-out batch ${i + 1} (${batch.members.map((m) => m.name).join(', ')}) not done: ${ready}; ${rolled.map((s) => s.name).join(', ')} run the new version, Key Vault holds it`);
      }
    }
    const members = batch.members.filter((m) => !rolled.some((r) => r.name === m.name));
    const result = yield* rollTo(sc, spec, members, `batch-${i + 1}`);
    rolled.push(...members);
    if (result.aborted) return aborted(sc, `during roll-out batch ${i + 1}`);
    if (result.error) return yield* rollback(`roll-out batch ${i + 1} failed: ${result.error}`, rolled);
  }

  if (created.previousKeyId) {
    const deleted = (yield call(sc, Activities.deleteMailgunKey, { windowId, keyId: created.previousKeyId })) as Outcome<object>;
    if (!deleted.ok) return failed(sc, `rotated, but the old Mailgun key could not be deleted: ${deleted.message}`);
  }
  return ok(sc, `${secret.type} rotated to version ${created.version} on ${rolled.length} server(s)${created.previousKeyId ? '; old Mailgun key deleted' : ''}`);
};

/** Recycles IIS on `servers` and runs the validation checks on each. */
function* rollTo(sc: StepContext, spec: RotateSpec, servers: Server[], purpose: string): Generator<Task, { aborted: boolean; error?: string }, unknown> {
  if (servers.length === 0) return { aborted: false };
  if (spec.recycleIis) {
    const recycled = yield* runOnServers(sc, servers, RECYCLE_IIS, 'powershell', {}, `recycle-${purpose}`);
    if (recycled.aborted) return { aborted: true };
    if (recycled.failed.length > 0) return { aborted: false, error: `IIS recycle failed on ${recycled.failed.join('; ')}` };
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
