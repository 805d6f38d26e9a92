import type { OrchestrationContext, Task } from 'durable-functions';
import type { Outcome, ProbeOutcome, ResolvedPool, Server, ServerOutcome, StepInput, StepResult } from '../contracts';
import { Activities, InstanceIds, Orchestrations } from '../names';
import { RetryPolicies } from '../retry';
import { abortSignal, nowIso, sleep } from '../waits';

/** How long a batch waits for another batch to give capacity back before the line stops. */
const CAPACITY_WAIT_MINUTES = 180;
import { call, failed, keyOf, milestones, monitor, notify, ok, remember, settle, stepContext, suppressAlerts, throughAbort, writePool, type KindRunner, type StepContext } from './common';
import type { StepSpec } from '../../window/runbook';

type PatchSpec = Extract<StepSpec, { kind: 'patch' }>;

interface PatchOutcome {
  status: string;
  installedPatchCount: number;
  failedPatchCount: number;
  rebootStatus: string;
  maintenanceWindowExceeded: boolean;
}

/**
 * Rolling patching of one server group: per batch, suppress alerts, drain the
 * members from every pool they are in (one write per pool), patch through Azure
 * Update Manager, probe, lift suppression and put the healthy members back. A member
 * that fails stays out, is reported and counts against the error threshold.
 * Floors are checked against the live pools before every drain.
 */
export const runPatch: KindRunner<'patch'> = function* (sc, spec) {
  const servers: Record<string, ServerOutcome> = Object.fromEntries(spec.batches.flatMap((b) => b.members.map((m) => [m.name, { state: 'pending' } as ServerOutcome])));
  const keptOut: NonNullable<StepResult['keptOut']> = [];
  const everyone = spec.batches.flatMap((b) => b.members);
  const resolved = (yield call(sc, Activities.resolveServers, { servers: everyone }, RetryPolicies.vendorRead())) as Outcome<{ addresses: Record<string, string> }>;
  if (!resolved.ok) return failed(sc, `could not read the servers' addresses: ${resolved.message}`, { servers });
  const addresses = resolved.addresses;

  let failures = 0;
  let stoppedBy: string | undefined;
  let chunkNo = 0;
  // The shortest patch seen so far in this step: later chunks poll sparsely until near it.
  let expectMinutes: number | undefined;
  for (const batch of spec.batches) {
    let queue = [...batch.members];
    while (queue.length > 0) {
      if (failures >= spec.errorThreshold) {
        stoppedBy = `error threshold ${spec.errorThreshold} reached`;
        break;
      }
      if (sc.abort.isCompleted || sc.abortRequested) {
        stoppedBy = 'aborted';
        break;
      }
      let fit = yield* fitToFloors(sc, spec, queue);
      // Another batch may still be out (running late): wait for it to come back before failing.
      const waitUntil = sc.context.df.currentUtcDateTime.getTime() + CAPACITY_WAIT_MINUTES * 60_000;
      while (!fit.ok && fit.retry && sc.context.df.currentUtcDateTime.getTime() < waitUntil) {
        yield* sc.record('doing', `waiting for pool capacity: ${fit.message}`);
        if (!(yield* sleep(sc.context, sc.abort, sc.input.pollMinutes))) break;
        fit = yield* fitToFloors(sc, spec, queue);
      }
      if (!fit.ok) {
        stoppedBy = sc.abort.isCompleted || sc.abortRequested ? 'aborted' : fit.message;
        break;
      }
      queue = queue.filter((m) => !fit.chunk.includes(m));
      chunkNo++;
      const result = yield* runChunk(sc, chunkNo, `${batch.id}.${chunkNo}`, fit.chunk, addresses, expectMinutes);
      if (result.patchMinutes !== undefined) expectMinutes = Math.min(expectMinutes ?? Infinity, result.patchMinutes);
      for (const [name, outcome] of Object.entries(result.servers)) servers[name] = outcome;
      keptOut.push(...result.keptOut);
      failures += result.keptOut.length;
      if (result.fatal) {
        stoppedBy = result.fatal;
        break;
      }
    }
    if (stoppedBy) break;
  }

  for (const [name, outcome] of Object.entries(servers)) if (outcome.state === 'pending') servers[name] = { state: 'skipped', detail: stoppedBy ?? 'not reached' };
  const patched = Object.values(servers).filter((s) => s.state === 'patched').length;
  if (stoppedBy === 'aborted') return { stepId: sc.input.step.id, state: 'aborted', summary: `aborted after ${patched} server(s) patched`, keptOut, servers };
  if (stoppedBy || keptOut.length > 0) {
    const why = stoppedBy ? `line stopped: ${stoppedBy}` : `${keptOut.length} server(s) failed`;
    yield* notify(sc, sc.input.failureChannels, `:x: ${sc.input.step.title}: ${why}. Out of their pools: ${keptOut.map((k) => `${k.server} (${k.reason})`).join('; ') || 'none'}.`, 'stopped');
    if (stoppedBy || failures >= spec.errorThreshold) return failed(sc, `${why}; ${patched} patched`, { keptOut, servers });
  }
  return ok(sc, `${patched} server(s) patched and back in their pools`, { keptOut, servers });
};

/**
 * The largest leading part of `queue` that every pool can spare right now, given
 * the live membership (a failed server from an earlier batch is still out).
 */
function* fitToFloors(sc: StepContext, spec: PatchSpec, queue: Server[]): Generator<Task, { ok: true; chunk: Server[] } | { ok: false; message: string; retry?: boolean }, unknown> {
  const touched = spec.pools.filter((p) => queue.some((m) => (spec.memberPools[m.name] ?? []).includes(p.id)));
  const spare = new Map<string, number>();
  for (const pool of touched) {
    const live = (yield call(sc, Activities.readPool, { pool }, RetryPolicies.vendorRead())) as Outcome<{ addresses: string[] }>;
    if (!live.ok) return { ok: false, message: `could not read pool ${pool.id}: ${live.message}` };
    spare.set(pool.id, live.addresses.length - pool.floor);
  }
  const chunk: Server[] = [];
  for (const member of queue) {
    const pools = (spec.memberPools[member.name] ?? []).filter((p) => spare.has(p));
    if (pools.some((p) => spare.get(p)! <= 0)) break;
    for (const p of pools) spare.set(p, spare.get(p)! - 1);
    chunk.push(member);
  }
  if (chunk.length === 0) {
    const blocked = touched.filter((p) => spare.get(p.id)! <= 0).map((p) => `${p.id} (floor ${p.floor})`);
    return { ok: false, retry: true, message: `no capacity to drain ${queue[0]!.name}: pool ${blocked.join(', ')} is at its floor` };
  }
  return { ok: true, chunk };
}

/** What a chunk's orchestration is given: its step's input, and the members it drains, patches and puts back. */
interface ChunkInput {
  step: StepInput;
  chunkId: string;
  members: Server[];
  addresses: Record<string, string>;
  /** The shortest patch an earlier chunk of the step saw, in minutes: polls are sparse until near it. */
  expectMinutes?: number;
}

type ChunkResult = {
  servers: Record<string, ServerOutcome>;
  keptOut: NonNullable<StepResult['keptOut']>;
  fatal?: string;
  /** When the first member was seen patched without a failure, in minutes from the patch start. */
  patchMinutes?: number;
};

/**
 * Runs one chunk as a sub-orchestration, so the step's history grows by a few events per chunk
 * while each chunk's own history is bounded by its members (an orchestrator replays its whole
 * history on every episode: a group's polls in one history made that cost grow with the square of
 * the group). An abort meanwhile is noted, as inside the chunk before: work started on servers is
 * watched to its end and the loop starts nothing new.
 */
function* runChunk(sc: StepContext, chunkNo: number, chunkId: string, members: Server[], addresses: Record<string, string>, expectMinutes: number | undefined): Generator<Task, ChunkResult, unknown> {
  const own = Object.fromEntries(members.map((m) => [m.name, addresses[m.name]!]));
  const input: ChunkInput = { step: sc.input, chunkId, members, addresses: own, ...(expectMinutes !== undefined ? { expectMinutes } : {}) };
  const chunk = sc.context.df.callSubOrchestrator(Orchestrations.patchChunk, input, InstanceIds.patchChunk(sc.context.df.instanceId, chunkNo));
  yield* throughAbort(sc, chunk);
  return chunk.result as ChunkResult;
}

/** A patch step's chunk, as its own orchestration (registered in functions/orchestrations.ts). */
export function* patchChunkOrchestrator(context: OrchestrationContext): Generator<Task, ChunkResult, unknown> {
  const input = context.df.getInput() as ChunkInput;
  // Nobody raises abort here (the step instance gets it); the chunk never starts new servers anyway.
  const sc = stepContext(context, input.step, abortSignal(context));
  return yield* patchChunk(sc, sc.spec as PatchSpec, input.chunkId, input.members, input.addresses, input.expectMinutes);
}

function* patchChunk(
  sc: StepContext,
  spec: PatchSpec,
  chunkId: string,
  members: Server[],
  addresses: Record<string, string>,
  expectMinutes: number | undefined,
): Generator<Task, ChunkResult, unknown> {
  const { context } = sc;
  const servers: Record<string, ServerOutcome> = {};
  const names = members.map((m) => m.name).join(', ');
  const poolsOf = (m: Server) => spec.pools.filter((p) => (spec.memberPools[m.name] ?? []).includes(p.id));
  const touched = spec.pools.filter((p) => members.some((m) => poolsOf(m).includes(p)));

  // 1. Alerts off for the members (and whatever else the group names).
  const alertKey = keyOf(sc, chunkId, 'alerts');
  const ruleName = spec.suppressAlerts.enabled
    ? yield* suppressAlerts(sc, alertKey, [sc.input.windowId, sc.input.step.id, chunkId], [...members.map((m) => m.vmId), ...spec.suppressAlerts.scopes], `${sc.input.windowId} ${sc.input.step.id}: patching ${names}`, `alerts back on for ${names}`)
    : '';

  // 2. Drain: one write per pool for the whole chunk.
  const drained: ResolvedPool[] = [];
  for (const pool of touched) {
    const out = members.filter((m) => poolsOf(m).includes(pool));
    const key = keyOf(sc, chunkId, 'pool', pool.id);
    yield* remember(sc, key, { type: 'pool-add', pool, servers: out.map((m) => ({ name: m.name, address: addresses[m.name]! })) }, `${out.map((m) => m.name).join(', ')} back into ${pool.id}`);
    const written = yield* writePool(sc, { key: `${key}:drain`, pool, remove: out.map((m) => addresses[m.name]!), add: [] });
    if (!written.ok) {
      // Put back what this chunk took out before giving up; the ledger covers the rest.
      yield* restorePools(sc, spec, chunkId, drained, members, [], addresses);
      if (spec.suppressAlerts.enabled) yield* liftAlerts(sc, ruleName, alertKey);
      return { servers, keptOut: [], fatal: `could not drain ${pool.id}: ${written.message}` };
    }
    drained.push(pool);
  }

  // 3. Patch every member through Azure Update Manager and watch the operations.
  const started = (yield context.df.Task.all(
    members.map((m) => call(sc, Activities.beginPatch, { windowId: sc.input.windowId, key: keyOf(sc, chunkId, 'patch', m.name), server: m, patch: spec.patch })),
  )) as Outcome<{ token: string }>[];
  const tokens: Record<string, string> = {};
  started.forEach((s, i) => {
    const m = members[i]!;
    if (s.ok) tokens[m.name] = s.token;
    else servers[m.name] = { state: 'failed', detail: `patch did not start: ${s.message}` };
  });
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + (spec.patch.maximumDurationInMinutes + 30) * 60_000);
  const watched = yield* monitor<PatchOutcome>(sc, Activities.pollPatches, tokens, deadline, { interruptible: false, ...(expectMinutes !== undefined ? { expectMinutes } : {}) });
  // A clean install's time, for the next chunks' polls (a failure's time says nothing of a patch's).
  const clean = Object.entries(watched.outcomes).filter(([, p]) => p.state === 'succeeded' && p.result.failedPatchCount === 0 && !p.result.maintenanceWindowExceeded);
  const patchMinutes = clean.length > 0 ? Math.min(...clean.map(([name]) => watched.doneAt[name]!)) : undefined;
  for (const name of watched.timedOut) servers[name] = { state: 'failed', detail: `patching still running after ${spec.patch.maximumDurationInMinutes + 30}m` };
  for (const [name, progress] of Object.entries(watched.outcomes)) {
    if (progress.state === 'failed') servers[name] = { state: 'failed', detail: `patch failed: ${progress.code} ${progress.message}` };
    else if (progress.state === 'succeeded' && progress.result.failedPatchCount > 0) servers[name] = { state: 'failed', detail: `${progress.result.failedPatchCount} patch(es) failed to install` };
    else if (progress.state === 'succeeded' && progress.result.maintenanceWindowExceeded) servers[name] = { state: 'failed', detail: 'maintenance window exceeded before every patch installed' };
  }

  // 4. Sanity probes on the members whose patching went well.
  const candidates = members.filter((m) => servers[m.name] === undefined);
  const probes = (yield context.df.Task.all(
    candidates.map((m) => call(sc, Activities.runProbes, { server: m, checks: spec.sanityChecks }, RetryPolicies.vendorRead())),
  )) as ProbeOutcome[];
  probes.forEach((p, i) => {
    const m = candidates[i]!;
    servers[m.name] = p.ok ? { state: 'patched' } : { state: 'failed', detail: `sanity checks failed: ${p.failures.join('; ')}` };
  });

  // 5. Alerts back on, healthy members back in, failed ones kept out and reported.
  if (spec.suppressAlerts.enabled) yield* liftAlerts(sc, ruleName, alertKey);
  const healthy = members.filter((m) => servers[m.name]!.state === 'patched');
  const broken = members.filter((m) => servers[m.name]!.state !== 'patched');
  const restoreError = yield* restorePools(sc, spec, chunkId, drained, healthy, broken, addresses);
  const keptOut = broken.map((m) => ({ server: m.name, pools: poolsOf(m).map((p) => p.id), reason: servers[m.name]!.detail ?? 'failed' }));
  yield call(sc, Activities.recordEvent, { windowId: sc.input.windowId, stepId: sc.input.step.id, type: 'servers', at: nowIso(context), data: { chunk: chunkId, servers } }, RetryPolicies.store());
  if (healthy.length > 0) {
    yield* notify(sc, milestones(sc), `:white_check_mark: ${healthy.map((m) => m.name).join(', ')} patched and back in ${drained.map((p) => p.id).join(', ') || 'service'}.`, chunkId, 'back');
  }
  return { servers, keptOut, ...(restoreError ? { fatal: restoreError } : {}), ...(patchMinutes !== undefined ? { patchMinutes } : {}) };
}

function* liftAlerts(sc: StepContext, ruleName: string, key: string): Generator<Task, void, unknown> {
  yield call(sc, Activities.liftAlerts, { ruleName });
  yield* settle(sc, key, 'undone');
}

/** One write per drained pool putting `healthy` back; `broken` stay out and their ledger entry is kept. */
function* restorePools(
  sc: StepContext,
  spec: PatchSpec,
  chunkId: string,
  drained: ResolvedPool[],
  healthy: Server[],
  broken: Server[],
  addresses: Record<string, string>,
): Generator<Task, string | undefined, unknown> {
  let error: string | undefined;
  for (const pool of drained) {
    const back = healthy.filter((m) => (spec.memberPools[m.name] ?? []).includes(pool.id));
    const out = broken.filter((m) => (spec.memberPools[m.name] ?? []).includes(pool.id));
    const key = keyOf(sc, chunkId, 'pool', pool.id);
    if (back.length > 0) {
      const written = yield* writePool(sc, { key: `${key}:restore`, pool, remove: [], add: back.map((m) => addresses[m.name]!) });
      if (!written.ok) {
        error = `could not put ${back.map((m) => m.name).join(', ')} back into ${pool.id}: ${written.message}`;
        continue; // the ledger entry stays open: the restore walk retries it
      }
    }
    if (out.length > 0) yield* settle(sc, key, 'kept', `${out.map((m) => m.name).join(', ')} left out of ${pool.id} after failing; put back by hand once fixed`);
    else yield* settle(sc, key, 'undone');
  }
  return error;
}
