import type { OrchestrationContext, Task } from 'durable-functions';
import type { Outcome, StillRunning } from './contracts';

/** Checks of one resumable activity before it counts as stuck (at 5 s apart, about an hour). */
const MAX_CHECKS = 720;

/**
 * Calls a resumable activity until its outside work ends: each `pending` answer is followed by
 * a durable timer and a call with the state it returned. Activities stay short (one request
 * each), so a Run Command of a minute never holds a worker, and a rehearsal's virtual clock can
 * move while the estate works.
 */
export function* untilDone<T extends object>(context: OrchestrationContext, run: (resume: unknown) => Task, maxChecks = MAX_CHECKS): Generator<Task, Outcome<T>, unknown> {
  let resume: unknown;
  for (let checks = 0; ; checks++) {
    const outcome = (yield run(resume)) as Outcome<T & Partial<StillRunning>>;
    if (!outcome.ok || !outcome.pending) return outcome;
    if (checks >= maxChecks) return { ok: false, code: 'StillRunning', message: `still running after ${maxChecks} checks` };
    resume = outcome.pending.resume;
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + outcome.pending.afterSeconds * 1000));
  }
}
