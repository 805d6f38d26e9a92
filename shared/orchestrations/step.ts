import type { OrchestrationContext, Task } from 'durable-functions';
import type { StepBudget, StepInput, StepResult } from './contracts';
import { OVERRUN_ANSWER_MINUTES, overrunGate } from './budget';
import { Activities, Events } from './names';
import { RetryPolicies } from './retry';
import { abortSignal, nowIso, sleepUntil } from './waits';
import { runAlerts } from './kinds/alerts';
import { runApproval } from './kinds/approval';
import { runCanary } from './kinds/canary';
import { runPage } from './kinds/page';
import { runPatch } from './kinds/patch';
import { runManual, runNotify, runPipeline } from './kinds/simple';
import { runRotation } from './kinds/rotate';
import { runTakedown } from './kinds/takedown';
import { runScript, runTest } from './kinds/checks';
import { notify, stepContext, type StepContext } from './kinds/common';

/**
 * One step of a window: wait for its not-before time, run its kind, record what
 * happened. Never throws: a failure is a result the window orchestrator acts on.
 */
export function* stepOrchestrator(context: OrchestrationContext): Generator<Task, StepResult, unknown> {
  const input = context.df.getInput() as StepInput;
  const { step } = input;
  const abort = abortSignal(context);
  const sc = stepContext(context, input, abort);

  if (step.notBefore) {
    yield* sc.record('waiting', `not before ${step.notBefore}`);
    const reached = yield* sleepUntil(context, abort, new Date(step.notBefore));
    if (!reached) return yield* finish(sc, { stepId: step.id, state: 'aborted', summary: 'aborted before it started' });
  }
  if (input.budget) {
    const held = yield* holdBudget(sc, input.budget);
    if (held) return yield* finish(sc, held);
  }
  const startedAt = nowIso(context);
  if (input.phaseNotice) {
    const n = input.phaseNotice;
    yield context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), { windowId: input.windowId, key: n.key, channels: n.channels, text: `${n.text} at ${startedAt} (${step.id} first).`, once: true, adopt: { prefix: `${n.text} at `, since: n.since } });
  }
  yield* sc.record('doing');

  let result: StepResult;
  try {
    result = yield* dispatch(sc);
  } catch (error) {
    // A bug or an activity that exhausted its retries: report it as the step's failure.
    result = { stepId: step.id, state: 'failed', summary: String((error as Error).message ?? error).slice(0, 500) };
  }
  return yield* finish(sc, { ...result, startedAt, finishedAt: nowIso(context) });
}

/**
 * The budget before the step starts: when it and what must follow it no longer fit, a deferrable
 * step is deferred (not started, said in the window's channels); any other asks one of the budget's
 * approvers, and is deferred unless approved. Returns the result that ends the step, or undefined to go on.
 */
function* holdBudget(sc: StepContext, budget: StepBudget): Generator<Task, StepResult | undefined, unknown> {
  const { context, input } = sc;
  const { step } = input;
  // Instants stay ISO here: notices and every view show them to people in the window's zones (shared/api/times).
  const when = (at: string | number) => (typeof at === 'number' ? new Date(at).toISOString() : at);
  const endsMs = context.df.currentUtcDateTime.getTime() + budget.needsMinutes * 60_000;
  if (endsMs <= Date.parse(budget.endsAt)) return undefined;
  const why = `it and what must follow it need ${budget.needsMinutes}m, to ${when(endsMs)}, past the budget end ${when(budget.endsAt)}`;
  const milestones = input.milestoneChannels ?? [];
  const defer = function* (reason: string): Generator<Task, StepResult, unknown> {
    yield context.df.callActivityWithRetry(Activities.recordEvent, RetryPolicies.store(), { windowId: input.windowId, stepId: step.id, type: 'deferred', at: nowIso(context), data: { reason, tickets: step.tickets } });
    yield* notify(sc, milestones, `:fast_forward: Deferred to a following window: ${step.title} (${step.id}${step.tickets.length ? `, ${step.tickets.join(', ')}` : ''}): ${reason}.`, 'deferred');
    return { stepId: step.id, state: 'deferred', summary: `deferred to a following window: ${reason}` };
  };
  if (step.deferrable) return yield* defer(why);
  if (!budget.approvers || budget.approvers.approvers.length === 0) {
    // Nobody to ask: it runs, and everyone hears the window will overrun.
    yield* notify(sc, input.failureChannels, `:hourglass: ${step.title} (${step.id}) starts although ${why}; it may not be deferred and the window names no budget.approvers.`, 'overrun');
    return undefined;
  }
  const gate = overrunGate(budget.approvers, milestones, `${why}. Approve to run it anyway; reject (or no answer in ${OVERRUN_ANSWER_MINUTES}m) defers it to a following window`);
  const answer = yield* runApproval(sc, gate);
  if (answer.state === 'aborted') return answer;
  if (answer.state === 'done') {
    yield* notify(sc, milestones, `:hourglass: ${step.title} (${step.id}) runs past the budget: ${answer.summary}.`, 'overrun');
    return undefined;
  }
  return yield* defer(`${why}; not approved to run past it (${answer.summary})`);
}

function* dispatch(sc: StepContext): Generator<Task, StepResult, unknown> {
  switch (sc.spec.kind) {
    case 'notify':
      return yield* runNotify(sc, sc.spec);
    case 'pipeline':
      return yield* runPipeline(sc, sc.spec);
    case 'manual':
      return yield* runManual(sc, sc.spec);
    case 'approval':
      return yield* runApproval(sc, sc.spec);
    case 'maintenance-page':
      return yield* runPage(sc, sc.spec);
    case 'alerts':
      return yield* runAlerts(sc, sc.spec);
    case 'patch':
      return yield* runPatch(sc, sc.spec);
    case 'test':
      return yield* runTest(sc, sc.spec);
    case 'script':
      return yield* runScript(sc, sc.spec);
    case 'rotate-secret':
      return yield* runRotation(sc, sc.spec);
    case 'canary':
      return yield* runCanary(sc, sc.spec);
    case 'takedown':
      return yield* runTakedown(sc, sc.spec);
  }
}

function* finish(sc: StepContext, result: StepResult): Generator<Task, StepResult, unknown> {
  yield* sc.record(result.state, result.summary);
  if (result.state === 'failed') {
    yield sc.context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), {
      windowId: sc.input.windowId,
      key: `step-failed:${sc.input.step.id}`,
      channels: sc.input.failureChannels,
      text: `:x: ${sc.input.step.title} (${sc.input.step.id}) failed: ${result.summary}`,
    });
  }
  if (sc.input.parentInstanceId) {
    yield sc.context.df.callActivityWithRetry(Activities.signalInstances, RetryPolicies.store(), {
      instanceIds: [sc.input.parentInstanceId],
      eventName: Events.stepDone,
      data: result,
    });
  }
  return result;
}
