import type { Task } from 'durable-functions';
import type { Outcome } from '../contracts';
import { Activities, Events } from '../names';
import { RetryPolicies } from '../retry';
import { nowIso, untilAborted } from '../waits';
import { aborted, call, failed, keyOf, milestones, notify, ok, remember, settle, writePool, type KindRunner } from './common';

/** A team's answer at a checkpoint, raised by the HTTP endpoint. */
export interface CanaryAnswer {
  team: string;
  ok: boolean;
  note?: string;
  by: string;
  at: string;
}

/**
 * Canary: one new server joins the pools; every `everyMinutes` the named teams are
 * asked how it looks; at the deadline go keeps it, no-go (any "not ok", or a
 * missing answer when the default is no-go) takes it out again.
 */
export const runCanary: KindRunner<'canary'> = function* (sc, spec) {
  const { context, input } = sc;
  const resolved = (yield call(sc, Activities.resolveServers, { servers: [spec.server] }, RetryPolicies.vendorRead())) as Outcome<{ addresses: Record<string, string> }>;
  if (!resolved.ok) return failed(sc, `could not read ${spec.server.name}'s address: ${resolved.message}`);
  const address = resolved.addresses[spec.server.name]!;

  for (const pool of spec.pools) {
    const key = keyOf(sc, 'pool', pool.id);
    yield* remember(sc, key, { type: 'pool-remove', pool, servers: [{ name: spec.server.name, address }] }, `canary ${spec.server.name} out of ${pool.id}`);
    const added = yield* writePool(sc, { key: `${key}:add`, pool, remove: [], add: [address] });
    if (!added.ok) return failed(sc, `could not add ${spec.server.name} to ${pool.id}: ${added.message}`);
  }
  yield* notify(sc, [spec.channel], `:hatching_chick: Canary ${spec.server.name} is serving traffic in ${spec.pools.map((p) => p.id).join(', ')}. Checkpoints every ${spec.everyMinutes}m; go/no-go at ${spec.decisionAt} (default ${spec.defaultOutcome}).`, 'joined');

  const latest = new Map<string, CanaryAnswer>();
  // Every answer, in order: a later one decides for its team, but none is forgotten.
  const all: (CanaryAnswer & { checkpoint: number })[] = [];
  let removeNow: CanaryAnswer | undefined;
  const teams = new Set(spec.teams.map((t) => t.id));
  const decisionAt = new Date(spec.decisionAt);
  let checkpoint = 0;
  // Each answer waiter goes into one race only and is kept until it fires (see approval.ts).
  const waiters: Task[] = [];
  while (!removeNow && context.df.currentUtcDateTime.getTime() < decisionAt.getTime()) {
    checkpoint++;
    const next = new Date(Math.min(decisionAt.getTime(), context.df.currentUtcDateTime.getTime() + spec.everyMinutes * 60_000));
    const waiting = spec.teams.filter((t) => !latest.has(t.id)).map((t) => t.title);
    // Asked where each team listens too, naming the applications each one watches.
    const asked = spec.teams.map((t) => (t.apps.length > 0 ? `${t.title} (${t.apps.join(', ')})` : t.title)).join('; ');
    const channels = [...new Set([spec.channel, ...spec.teams.flatMap((t) => (t.channel ? [t.channel] : []))])];
    yield* notify(sc, channels, `:mag: Canary checkpoint ${checkpoint} for ${spec.server.name}: each team, answer ok / not ok with a note: ${asked}.${waiting.length ? ` Not heard from: ${waiting.join(', ')}.` : ''}`, 'checkpoint', checkpoint);
    const heard = new Set<string>();
    yield* sc.record('doing', `checkpoint ${checkpoint}: waiting for ${spec.teams.map((t) => t.id).join(', ')}`);
    for (;;) {
      // Once every team has answered this checkpoint, only the next checkpoint is awaited.
      let answer = heard.size < teams.size ? waiters.find((w) => w.isCompleted) : undefined;
      if (!answer) {
        // A fresh timer per race (a task yielded in two compounds is scheduled twice by the extension).
        const timer = context.df.createTimer(next);
        const fresh = heard.size < teams.size ? context.df.waitForExternalEvent(Events.canaryAnswer) : undefined;
        if (fresh) waiters.push(fresh);
        const waited = yield* untilAborted<Task>(context, sc.abort, fresh ? context.df.Task.any([timer, fresh]) : timer);
        if (waited.aborted) {
          timer.cancel();
          yield* takeOut(sc, spec, address, 'aborted');
          return aborted(sc, 'during the canary; the canary was taken out');
        }
        if (!fresh || waited.value === timer) break;
        timer.cancel();
        answer = fresh;
      }
      waiters.splice(waiters.indexOf(answer), 1);
      const a = answer.result as CanaryAnswer;
      const counted = teams.has(a.team);
      yield call(sc, Activities.recordEvent, { windowId: input.windowId, stepId: input.step.id, type: 'canary-answer', at: nowIso(context), data: { ...a, checkpoint, counted } }, RetryPolicies.store());
      if (counted) {
        latest.set(a.team, a);
        heard.add(a.team);
        all.push({ ...a, checkpoint });
        // The window says a "not ok" takes it out at once, not at the decision.
        if (!a.ok && spec.onNotOk === 'remove') {
          removeNow = a;
          break;
        }
      }
    }
  }

  const notOk = [...latest.values()].filter((a) => !a.ok);
  const missing = spec.teams.filter((t) => !latest.has(t.id));
  const go = notOk.length === 0 && (missing.length === 0 || spec.defaultOutcome === 'go');
  const reasons = [
    ...(removeNow ? [`${removeNow.team} not ok at checkpoint ${checkpoint}, taken out at once (onNotOk: remove)`] : []),
    ...notOk.filter((a) => a !== removeNow).map((a) => `${a.team} not ok${a.note ? ` (${a.note})` : ''}`),
    ...(missing.length > 0 && !removeNow ? [`no answer from ${missing.map((t) => t.id).join(', ')} (default ${spec.defaultOutcome})`] : []),
  ];
  yield call(sc, Activities.recordEvent, { windowId: input.windowId, stepId: input.step.id, type: 'canary-decision', at: nowIso(context), data: { decision: go ? 'go' : 'no-go', reasons, answers: [...latest.values()], history: all } }, RetryPolicies.store());
  // The decision says what it is and what every team said: each one's last answer, and any earlier one that differed.
  const said = spec.teams
    .map((t) => {
      const last = latest.get(t.id);
      if (!last) return `• ${t.title}: no answer (default ${spec.defaultOutcome})`;
      const earlier = all.filter((a) => a.team === t.id && a !== last && a.ok !== last.ok).map((a) => `${a.ok ? 'ok' : 'not ok'} at checkpoint ${a.checkpoint}${a.note ? ` (${a.note})` : ''}`);
      return `• ${t.title}: ${last.ok ? 'ok' : 'NOT OK'}${last.note ? ` (${last.note})` : ''}, ${last.by} at ${last.at}${earlier.length ? `; earlier ${earlier.join(', ')}` : ''}`;
    })
    .join('\n');

  if (go) {
    for (const pool of spec.pools) yield* settle(sc, keyOf(sc, 'pool', pool.id), 'kept', `go decision: ${spec.server.name} stays in ${pool.id}`);
    yield* notify(sc, [...new Set([spec.channel, ...milestones(sc)])], `:white_check_mark: GO: canary ${spec.server.name} stays in ${spec.pools.map((p) => p.id).join(', ')}.\n${said}`, 'decision');
    return ok(sc, `go: ${spec.server.name} stays in the pool`);
  }
  const out = yield* takeOut(sc, spec, address, reasons.join('; '));
  yield* notify(sc, [...new Set([spec.channel, ...milestones(sc), ...input.failureChannels])], `:no_entry: NO-GO: ${reasons.join('; ')}. Canary ${spec.server.name} ${out ? 'could NOT be taken out: ' + out : 'taken out of the pool'}.\n${said}`, 'decision');
  if (out) return failed(sc, `no-go, and ${spec.server.name} could not be taken out: ${out}`);
  return ok(sc, `no-go (${reasons.join('; ')}): ${spec.server.name} taken out of the pool`);
};

function* takeOut(sc: Parameters<KindRunner<'canary'>>[0], spec: Parameters<KindRunner<'canary'>>[1], address: string, why: string): Generator<Task, string | undefined, unknown> {
  for (const pool of spec.pools) {
    const key = keyOf(sc, 'pool', pool.id);
    const removed = yield* writePool(sc, { key: `${key}:remove`, pool, remove: [address], add: [] });
    if (!removed.ok) return `${pool.id}: ${removed.message}`;
    yield* settle(sc, key, 'undone', why);
  }
  return undefined;
}
