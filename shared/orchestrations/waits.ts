import type { OrchestrationContext, Task } from 'durable-functions';
import { Events } from './names';

/**
 * Waiting that an abort can interrupt. Every long wait in a step races the `abort`
 * event, and the loser timer is cancelled so the instance can finish.
 */
export type Waited<T> = { aborted: true; by?: string } | { aborted: false; value: T };

/** Yields until `task` completes or the step is aborted. */
export function* untilAborted<T>(context: OrchestrationContext, abort: Task, task: Task): Generator<Task, Waited<T>, unknown> {
  if (abort.isCompleted) return { aborted: true, by: abortedBy(abort) };
  const winner = (yield context.df.Task.any([task, abort])) as Task;
  if (winner === abort) return { aborted: true, by: abortedBy(abort) };
  return { aborted: false, value: task.result as T };
}

/** A durable timer for `minutes`, interruptible by abort; true when it ran out. */
export function* sleep(context: OrchestrationContext, abort: Task, minutes: number): Generator<Task, boolean, unknown> {
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + minutes * 60_000);
  return yield* sleepUntil(context, abort, fireAt);
}

/** A durable timer until `fireAt`, interruptible by abort; true when it fired. */
export function* sleepUntil(context: OrchestrationContext, abort: Task, fireAt: Date): Generator<Task, boolean, unknown> {
  if (fireAt.getTime() <= context.df.currentUtcDateTime.getTime()) return true;
  const timer = context.df.createTimer(fireAt);
  const waited = yield* untilAborted(context, abort, timer);
  if (waited.aborted) {
    timer.cancel();
    return false;
  }
  return true;
}

/** The abort event's waiter; create it once per orchestration execution. */
export function abortSignal(context: OrchestrationContext): Task {
  return context.df.waitForExternalEvent(Events.abort);
}

function abortedBy(abort: Task): string | undefined {
  const value = abort.result as { by?: string } | undefined;
  return value?.by;
}

/** Orchestration time as ISO text (the only clock orchestrators may read). */
export function nowIso(context: OrchestrationContext): string {
  return context.df.currentUtcDateTime.toISOString();
}
