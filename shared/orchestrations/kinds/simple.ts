import type { Task } from 'durable-functions';
import type { StepResult } from '../contracts';
import { Events } from '../names';
import { untilAborted } from '../waits';
import { aborted, failed, keyOf, milestones, notify, ok, runPipelineToEnd, type KindRunner, type StepContext } from './common';

/** Kinds with one action each: a message, a pipeline run, a human ticking a box. */

export const runNotify: KindRunner<'notify'> = function* (sc, spec) {
  yield* notify(sc, spec.channels, spec.message, 'message');
  return ok(sc, `posted to ${spec.channels.join(', ')}`);
};

export const runPipeline: KindRunner<'pipeline'> = function* (sc, spec) {
  const run = yield* runPipelineToEnd(sc, spec.pipeline, keyOf(sc, 'run'));
  if (run.aborted) return aborted(sc, `while pipeline ${spec.pipeline.name} run ${run.runId ?? '?'} was running`);
  if (run.error) return failed(sc, `${spec.pipeline.name}: ${run.error}`);
  return ok(sc, `${spec.pipeline.name} run ${run.runId} succeeded${spec.pipeline.refName ? ` at ${spec.pipeline.refName}` : ''}`);
};

export const runManual: KindRunner<'manual'> = function* (sc, spec) {
  // News for the assignee, not a failure: the window's channels.
  const channels = milestones(sc);
  yield* notify(sc, channels, `:raising_hand: Manual step "${sc.input.step.title}" (${sc.input.step.id}) is ready${spec.assignee ? ` for ${spec.assignee}` : ''}: ${spec.instructions}`, 'ready');
  yield* sc.record('doing', 'waiting for a person to tick it off');
  return yield* waitForTick(sc);
};

function* waitForTick(sc: StepContext): Generator<Task, StepResult, unknown> {
  const waited = yield* untilAborted<{ by: string; note?: string; outcome?: 'done' | 'failed' }>(sc.context, sc.abort, sc.context.df.waitForExternalEvent(Events.manualDone));
  if (waited.aborted) return aborted(sc, 'while waiting for a person');
  const tick = waited.value;
  if (tick.outcome === 'failed') return failed(sc, `marked failed by ${tick.by}${tick.note ? `: ${tick.note}` : ''}`);
  return ok(sc, `ticked off by ${tick.by}${tick.note ? `: ${tick.note}` : ''}`);
}
