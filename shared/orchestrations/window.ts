import type { OrchestrationContext, Task } from 'durable-functions';
import type { Outcome, RestoreResult, Runbook, RunbookStep, StepInput, StepResult, StepState, WindowInput, WindowResult } from './contracts';
import { Activities, Events, InstanceIds, Orchestrations } from './names';
import { RetryPolicies } from './retry';
import { nowIso } from './waits';

/** Custom status of a window run: small, no secrets, read by the status API and page. */
export interface WindowStatus {
  windowId: string;
  revision: string;
  state: 'preparing' | 'running' | 'stopping' | 'restoring' | 'succeeded' | 'failed' | 'aborted';
  startedBy: string;
  startedAt: string;
  plannedEndAt: string;
  /** Step id → state; the runbook gives titles and order. */
  steps: Record<string, StepState>;
  /** Why the window stopped, when it did. */
  stopReason?: string;
  updatedAt: string;
}

/** Minutes between polls of long vendor operations (patches, pipelines, pool writes). */
const POLL_MINUTES = 5;

/**
 * Runs one window: every step as a sub-orchestration once its dependencies have
 * settled, parallel where the dependency graph allows, then the restore ledger.
 * A failed step (unless it may fail) or an abort stops new steps, interrupts the
 * running ones and walks the ledger back, so nothing is left drained or down.
 */
export function* windowOrchestrator(context: OrchestrationContext): Generator<Task, WindowResult, unknown> {
  const input = context.df.getInput() as WindowInput;
  const startedAt = nowIso(context);
  const prepared = (yield context.df.callActivityWithRetry(Activities.prepareRun, RetryPolicies.store(), {
    ...input,
    instanceId: context.df.instanceId,
    at: startedAt,
  })) as Outcome<{ runbook: Runbook }>;

  if (!prepared.ok) {
    const summary = `window ${input.windowId} could not start: ${prepared.message}`;
    context.df.setCustomStatus({ windowId: input.windowId, state: 'failed', stopReason: summary, updatedAt: nowIso(context) });
    return { windowId: input.windowId, state: 'failed', steps: {}, failed: [], notDone: [], restore: { undone: [], kept: [], failed: [] }, summary };
  }

  const runbook = prepared.runbook;
  const states = new Map<string, StepState>(runbook.steps.map((s) => [s.id, 'pending']));
  const results = new Map<string, StepResult>();
  const byId = new Map(runbook.steps.map((s) => [s.id, s]));
  const status: WindowStatus = {
    windowId: runbook.windowId,
    revision: runbook.revision,
    state: 'running',
    startedBy: input.startedBy,
    startedAt,
    plannedEndAt: runbook.plannedEndAt,
    steps: Object.fromEntries(states),
    updatedAt: startedAt,
  };
  const publish = (): void => {
    status.steps = Object.fromEntries(states);
    status.updatedAt = nowIso(context);
    context.df.setCustomStatus(status);
  };
  publish();

  yield context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), {
    windowId: runbook.windowId,
    key: 'window-start',
    channels: runbook.channels.milestones,
    text: `:construction: ${runbook.title} has started (${input.mode}, by ${input.startedBy}). ${runbook.steps.length} steps, planned to end ${runbook.plannedEndAt}.`,
  });

  // Steps run as their own orchestrations and report back with a `step-done` event. Each
  // report waiter is yielded in one WhenAny only and kept until it fires: yielded again while
  // open, it would get a second slot in the SDK's and the extension's waiter stacks, and that
  // slot would later swallow a report meant for a newer waiter. A waiter that lost a race (to
  // the abort) still takes a later report, which is read from it here.
  const running = new Set<string>();
  const abort = context.df.waitForExternalEvent(Events.abort);
  const reports: Task[] = [];
  const announced = new Set<string>();
  let stopping: string | undefined;

  const settled = (id: string): boolean => ['done', 'failed', 'not-doing', 'blocked', 'aborted'].includes(states.get(id)!);
  const blocks = (dep: RunbookStep): boolean => states.get(dep.id) !== 'done' && states.get(dep.id) !== 'not-doing' && !(states.get(dep.id) === 'failed' && dep.continueOnFailure);

  for (;;) {
    if (!stopping) {
      const toStart: { instanceId: string; input: StepInput }[] = [];
      const notDoing: StepResult[] = [];
      for (const step of runbook.steps) {
        if (states.get(step.id) !== 'pending') continue;
        if (!step.deps.every(settled)) continue;
        const blocker = step.deps.map((d) => byId.get(d)!).find(blocks);
        if (blocker) {
          states.set(step.id, 'blocked');
          continue;
        }
        const condition = step.when;
        const why =
          step.skip !== undefined
            ? step.skip
            : condition && (states.get(condition.step) === 'done') !== condition.done
              ? `runs only if ${condition.step} is ${condition.done ? '' : 'not '}done; it is ${states.get(condition.step) ?? 'unknown'}`
              : undefined;
        if (why !== undefined) {
          states.set(step.id, 'not-doing');
          const result: StepResult = { stepId: step.id, state: 'not-doing', summary: `not doing: ${why}` };
          results.set(step.id, result);
          notDoing.push(result);
          continue;
        }
        toStart.push({
          instanceId: InstanceIds.step(runbook.windowId, step.id),
          input: {
            windowId: runbook.windowId,
            parentInstanceId: context.df.instanceId,
            revision: runbook.revision,
            startedBy: input.startedBy,
            step,
            timeZone: runbook.timeZone,
            failureChannels: runbook.channels.failures,
            pollMinutes: POLL_MINUTES,
          },
        });
        running.add(step.id);
        states.set(step.id, step.notBefore && step.notBefore > nowIso(context) ? 'waiting' : 'doing');
      }
      publish();
      // The record says why a step is not done, as it does for every step that ran.
      if (notDoing.length > 0) {
        yield context.df.Task.all(
          notDoing.map((r) => context.df.callActivityWithRetry(Activities.recordStep, RetryPolicies.store(), { windowId: runbook.windowId, stepId: r.stepId, state: r.state, at: nowIso(context), detail: r.summary })),
        );
      }
      if (toStart.length > 0) {
        yield context.df.callActivityWithRetry(Activities.startSteps, RetryPolicies.store(), { orchestration: Orchestrations.step, steps: toStart });
        // Each phase is announced once, when its first step starts.
        for (const phaseId of new Set(toStart.map((s) => s.input.step.phaseId))) {
          if (announced.has(phaseId)) continue;
          announced.add(phaseId);
          const title = runbook.phases?.find((p) => p.id === phaseId)?.title ?? phaseId;
          yield context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), {
            windowId: runbook.windowId,
            key: `phase:${phaseId}`,
            channels: runbook.channels.milestones,
            text: `:arrow_forward: ${runbook.title}: phase "${title}" has begun.`,
          });
        }
      }
    }
    if (running.size === 0) break;

    // Events that came while the window was busy elsewhere (starting or signalling steps) have
    // already completed their waiters: act on them before waiting again, the abort first.
    let winner: Task | undefined = !stopping && abort.isCompleted ? abort : reports.find((t) => t.isCompleted);
    if (!winner) {
      const report = context.df.waitForExternalEvent(Events.stepDone);
      reports.push(report);
      winner = (yield context.df.Task.any(stopping ? [report] : [report, abort])) as Task;
    }
    if (winner === abort) {
      const by = (abort.result as { by?: string; reason?: string } | undefined) ?? {};
      stopping = `aborted by ${by.by ?? 'someone'}${by.reason ? `: ${by.reason}` : ''}`;
      yield* interrupt(context, runbook.windowId, [...running], stopping);
      status.state = 'stopping';
      status.stopReason = stopping;
      publish();
      continue;
    }
    reports.splice(reports.indexOf(winner), 1);
    const result = winner.result as StepResult;
    if (!running.has(result.stepId)) continue; // a duplicate report of a step already counted
    running.delete(result.stepId);
    results.set(result.stepId, result);
    states.set(result.stepId, result.state);
    const step = byId.get(result.stepId)!;
    if (result.state === 'failed' && !step.continueOnFailure && !stopping) {
      stopping = `step ${result.stepId} failed: ${result.summary}`;
      yield* interrupt(context, runbook.windowId, [...running], stopping);
      status.state = 'stopping';
      status.stopReason = stopping;
    }
    publish();
  }

  // Anything that never ran is reported, not silently dropped.
  for (const [id, state] of states) if (state === 'pending') states.set(id, stopping ? 'aborted' : 'blocked');
  status.state = 'restoring';
  publish();

  const restore = (yield context.df.callSubOrchestrator(
    Orchestrations.restore,
    { windowId: runbook.windowId, failureChannels: runbook.channels.failures, reason: stopping ?? 'end of window' },
    InstanceIds.restore(runbook.windowId),
  )) as RestoreResult;

  const failed = [...states].filter(([, s]) => s === 'failed').map(([id]) => id);
  const notDone = [...states].filter(([, s]) => s === 'blocked' || s === 'aborted').map(([id]) => id);
  const aborted = stopping?.startsWith('aborted') ?? false;
  const outcome: WindowResult['state'] = aborted ? 'aborted' : failed.some((id) => !byId.get(id)!.continueOnFailure) || restore.failed.length > 0 ? 'failed' : 'succeeded';
  const summary = summarise(runbook, states, results, restore, outcome, stopping);

  status.state = outcome;
  if (stopping) status.stopReason = stopping;
  publish();

  yield context.df.callActivityWithRetry(Activities.recordRun, RetryPolicies.store(), {
    windowId: runbook.windowId,
    state: outcome,
    at: nowIso(context),
    summary,
  });
  // The report replaces the hand-written wiki page; the finish notice links it. A report that
  // cannot be written must not hide the outcome: the notice goes out either way and says so.
  let report: { html: string } | null = null;
  try {
    report = (yield context.df.callActivityWithRetry(Activities.writeReport, RetryPolicies.store(), {
      windowId: runbook.windowId,
      state: outcome,
      steps: Object.fromEntries(states),
    })) as { html: string } | null;
  } catch {
    report = null;
  }
  const reportLine = report ? `*The window report:* <${report.html}|${runbook.title} report>` : 'The window report could not be written; see the status page.';
  yield context.df.callActivityWithRetry(Activities.notify, RetryPolicies.chat(), {
    windowId: runbook.windowId,
    key: 'window-finish',
    channels: outcome === 'succeeded' ? runbook.channels.milestones : [...new Set([...runbook.channels.milestones, ...runbook.channels.failures])],
    text: `${summary}\n${reportLine}`,
    // Block Kit sections: the outcome, the counts, each problem on its own, the report.
    sections: [...summary.split('\n'), reportLine],
  });

  return {
    windowId: runbook.windowId,
    state: outcome,
    steps: Object.fromEntries([...states].map(([id, s]) => [id, s === 'pending' || s === 'waiting' || s === 'doing' || s === 'waiting-for-approval' ? 'blocked' : s])) as WindowResult['steps'],
    failed,
    notDone,
    restore,
    summary,
  };
}

/** Tells running steps to stop at their next safe point. */
function* interrupt(context: OrchestrationContext, windowId: string, stepIds: string[], reason: string): Generator<Task, void, unknown> {
  if (stepIds.length === 0) return;
  yield context.df.callActivityWithRetry(Activities.signalInstances, RetryPolicies.store(), {
    instanceIds: stepIds.map((id) => InstanceIds.step(windowId, id)),
    eventName: Events.abort,
    data: { by: 'window', reason },
  });
}

function summarise(
  runbook: Runbook,
  states: Map<string, StepState>,
  results: Map<string, StepResult>,
  restore: RestoreResult,
  outcome: WindowResult['state'],
  stopping: string | undefined,
): string {
  const count = (s: StepState) => [...states.values()].filter((x) => x === s).length;
  const icon = outcome === 'succeeded' ? ':white_check_mark:' : outcome === 'aborted' ? ':octagonal_sign:' : ':x:';
  const lines = [
    `${icon} ${runbook.title} ${outcome}${stopping ? ` (${stopping})` : ''}.`,
    `Done ${count('done')}, not doing ${count('not-doing')}, failed ${count('failed')}, not run ${count('blocked') + count('aborted')}.`,
  ];
  for (const [id, r] of results) if (r.state === 'failed') lines.push(`FAILED ${id}: ${r.summary}`);
  for (const [, r] of results) for (const k of r.keptOut ?? []) lines.push(`OUT OF POOL ${k.server} (${k.pools.join(', ')}): ${k.reason}`);
  for (const k of restore.kept) lines.push(`LEFT AS IS (not undone: ${k.description}): ${k.note}`);
  for (const f of restore.failed) lines.push(`RESTORE FAILED ${f.description}: ${f.error} — needs a human now`);
  return lines.join('\n');
}
