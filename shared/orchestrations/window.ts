import type { OrchestrationContext, Task } from 'durable-functions';
import type { Outcome, RestoreResult, Runbook, RunbookStep, StepBudget, StepInput, StepResult, StepState, WindowInput, WindowResult } from './contracts';
import { heldToBudget, minutesNeeded } from './budget';
import { settleRetirements, type Retirement } from './retire';
import { Activities, Events, InstanceIds, Orchestrations, runIdOf } from './names';
import { RetryPolicies } from './retry';
import type { RestoreInput } from './restore';
import { tidyRunCommands, type TidyWarning } from './tidy';
import { nowIso } from './waits';

/** Custom status of a window run: small, no secrets, read by the status API and page. */
export interface WindowStatus {
  windowId: string;
  /** This run of the window (a window may run again after an abort, a failure or a rehearsal). */
  runId: string;
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
  const runId = runIdOf(startedAt);
  const prepared = (yield context.df.callActivityWithRetry(Activities.prepareRun, RetryPolicies.store(), {
    ...input,
    instanceId: context.df.instanceId,
    runId,
    at: startedAt,
  })) as Outcome<{ runbook: Runbook }>;

  if (!prepared.ok) {
    const summary = `window ${input.windowId} could not start: ${prepared.message}`;
    context.df.setCustomStatus({ windowId: input.windowId, runId, state: 'failed', stopReason: summary, updatedAt: nowIso(context) });
    return { windowId: input.windowId, runId, state: 'failed', steps: {}, failed: [], notDone: [], restore: { undone: [], kept: [], failed: [] }, summary };
  }

  const runbook = prepared.runbook;
  const states = new Map<string, StepState>(runbook.steps.map((s) => [s.id, 'pending']));
  const results = new Map<string, StepResult>();
  const byId = new Map(runbook.steps.map((s) => [s.id, s]));
  const status: WindowStatus = {
    windowId: runbook.windowId,
    runId,
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
    key: `${runId}:window-start`,
    channels: runbook.channels.milestones,
    text: `:construction: ${runbook.title} has started (${input.mode}, by ${input.startedBy}; run ${runId}). ${runbook.steps.length} steps, planned to end ${runbook.plannedEndAt}${runbook.budgetEndsAt ? `, by ${runbook.budgetEndsAt} at the latest` : ''}.`,
  });

  // Steps run as their own orchestrations and report back with a `step-done` event. Each
  // report waiter is yielded in one WhenAny only and kept until it fires: yielded again while
  // open, it would get a second slot in the SDK's and the extension's waiter stacks, and that
  // slot would later swallow a report meant for a newer waiter. A waiter that lost a race (to
  // the abort) still takes a later report, which is read from it here.
  const running = new Set<string>();
  const abort = context.df.waitForExternalEvent(Events.abort);
  const reports: Task[] = [];
  let stopping: string | undefined;

  const settled = (id: string): boolean => ['done', 'failed', 'not-doing', 'deferred', 'blocked', 'aborted'].includes(states.get(id)!);
  // A deferred step is pushed to a following window; what waits for it goes on, as after a step not done.
  const blocks = (dep: RunbookStep): boolean => !['done', 'not-doing', 'deferred'].includes(states.get(dep.id)!) && !(states.get(dep.id) === 'failed' && dep.continueOnFailure);
  /** Minutes each ended step took, for `estimateFrom`. */
  const took = new Map<string, number>();
  /** Old Mailgun keys waiting for the steps that update their other consumers. */
  const retirements: Retirement[] = [];

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
          instanceId: InstanceIds.step(runbook.windowId, runId, step.id),
          input: {
            windowId: runbook.windowId,
            runId,
            parentInstanceId: context.df.instanceId,
            revision: runbook.revision,
            startedBy: input.startedBy,
            step,
            timeZone: runbook.timeZone,
            displayZones: runbook.displayZones,
            failureChannels: runbook.channels.failures,
            milestoneChannels: runbook.channels.milestones,
            pollMinutes: POLL_MINUTES,
            // The phase is announced by whichever of its steps begins work first, not when steps are scheduled.
            ...(runbook.channels.milestones.length > 0
              ? { phaseNotice: { key: `${runId}:phase:${step.phaseId}`, channels: runbook.channels.milestones, text: `:arrow_forward: ${runbook.title}: phase "${runbook.phases.find((p) => p.id === step.phaseId)?.title ?? step.phaseId}" has begun`, since: startedAt } }
              : {}),
            ...(runbook.budgetEndsAt && heldToBudget(step) ? { budget: budgetOf(runbook, step, context.df.currentUtcDateTime.getTime(), took, settled) } : {}),
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
      yield* interrupt(context, runbook.windowId, runId, [...running], stopping);
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
    if (result.startedAt && result.finishedAt) took.set(result.stepId, (Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 60_000);
    if (result.retireKey) retirements.push({ stepId: result.stepId, ...result.retireKey });
    states.set(result.stepId, result.state);
    const step = byId.get(result.stepId)!;
    if (result.state === 'failed' && !step.continueOnFailure && !stopping) {
      stopping = `step ${result.stepId} failed: ${result.summary}`;
      yield* interrupt(context, runbook.windowId, runId, [...running], stopping);
      status.state = 'stopping';
      status.stopReason = stopping;
    }
    publish();
    // An old key whose consumers are now all done (or one of them ended otherwise) is settled at once.
    if (retirements.some((r) => !r.outcome)) yield* settleRetirements(context, runbook, runId, retirements, states, false);
  }

  // Anything that never ran is reported, not silently dropped.
  for (const [id, state] of states) if (state === 'pending') states.set(id, stopping ? 'aborted' : 'blocked');
  yield* settleRetirements(context, runbook, runId, retirements, states, true);
  status.state = 'restoring';
  publish();

  const restore = (yield context.df.callSubOrchestrator(
    Orchestrations.restore,
    {
      windowId: runbook.windowId,
      runId,
      failureChannels: runbook.channels.failures,
      reason: stopping ?? 'end of window',
      keepCustomersOut: stopping !== undefined,
      noticeChannels: [...runbook.channels.milestones, ...runbook.steps.flatMap((s) => (s.spec.kind === 'maintenance-page' ? s.spec.channels : []))],
    } satisfies RestoreInput,
    InstanceIds.restore(runbook.windowId, runId),
  )) as RestoreResult;
  // The window's finished run commands, deleted from its VMs; a failure here is only a warning.
  const tidy = yield* tidyRunCommands(context, runbook);

  const failed = [...states].filter(([, s]) => s === 'failed').map(([id]) => id);
  const notDone = [...states].filter(([, s]) => s === 'blocked' || s === 'aborted').map(([id]) => id);
  const aborted = stopping?.startsWith('aborted') ?? false;
  const outcome: WindowResult['state'] = aborted ? 'aborted' : failed.some((id) => !byId.get(id)!.continueOnFailure) || restore.failed.length > 0 ? 'failed' : 'succeeded';
  const summary = summarise(runbook, states, results, restore, outcome, stopping, retirements, tidy);

  status.state = outcome;
  if (stopping) status.stopReason = stopping;
  publish();

  yield context.df.callActivityWithRetry(Activities.recordRun, RetryPolicies.store(), {
    windowId: runbook.windowId,
    runId,
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
    key: `${runId}:window-finish`,
    channels: outcome === 'succeeded' ? runbook.channels.milestones : [...new Set([...runbook.channels.milestones, ...runbook.channels.failures])],
    text: `${summary}\n${reportLine}`,
    // Block Kit sections: the outcome, the counts, each problem on its own, the report.
    sections: [...summary.split('\n'), reportLine],
  });

  return {
    windowId: runbook.windowId,
    runId,
    state: outcome,
    steps: Object.fromEntries([...states].map(([id, s]) => [id, s === 'pending' || s === 'waiting' || s === 'doing' || s === 'waiting-for-approval' ? 'blocked' : s])) as WindowResult['steps'],
    failed,
    notDone,
    restore,
    summary,
  };
}

/** What a step needs of the budget if it starts now (or at its not-before time). */
function budgetOf(runbook: Runbook, step: RunbookStep, nowMs: number, took: ReadonlyMap<string, number>, settled: (id: string) => boolean): StepBudget {
  const startMs = Math.max(nowMs, step.notBefore ? Date.parse(step.notBefore) : 0);
  return {
    endsAt: runbook.budgetEndsAt!,
    needsMinutes: minutesNeeded(runbook.steps, step.id, startMs, took, settled),
    ...(runbook.budgetApprovers ? { approvers: runbook.budgetApprovers } : {}),
  };
}

function byTickets(runbook: Runbook, id: string): string {
  const tickets = runbook.steps.find((s) => s.id === id)?.tickets ?? [];
  return tickets.length > 0 ? ` (${tickets.join(', ')})` : '';
}

/** Tells running steps to stop at their next safe point. */
function* interrupt(context: OrchestrationContext, windowId: string, runId: string, stepIds: string[], reason: string): Generator<Task, void, unknown> {
  if (stepIds.length === 0) return;
  yield context.df.callActivityWithRetry(Activities.signalInstances, RetryPolicies.store(), {
    instanceIds: stepIds.map((id) => InstanceIds.step(windowId, runId, id)),
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
  retirements: Retirement[],
  tidy: TidyWarning[],
): string {
  const count = (s: StepState) => [...states.values()].filter((x) => x === s).length;
  const icon = outcome === 'succeeded' ? ':white_check_mark:' : outcome === 'aborted' ? ':octagonal_sign:' : ':x:';
  const lines = [
    `${icon} ${runbook.title} ${outcome}${stopping ? ` (${stopping})` : ''}.`,
    `Done ${count('done')}, not doing ${count('not-doing')}, failed ${count('failed')}, not run ${count('blocked') + count('aborted')}${count('deferred') ? `, deferred ${count('deferred')}` : ''}.`,
  ];
  for (const [id, r] of results) if (r.state === 'failed') lines.push(`FAILED ${id}: ${r.summary}`);
  // The list for the next window.
  for (const [id, r] of results) if (r.state === 'deferred') lines.push(`DEFERRED ${id}${byTickets(runbook, id)}: ${r.summary.replace(/^deferred to a following window: /, '')}`);
  for (const [, r] of results) for (const k of r.keptOut ?? []) lines.push(`OUT OF POOL ${k.server} (${k.pools.join(', ')}): ${k.reason}`);
  for (const r of retirements) if (r.outcome && !r.outcome.deleted) lines.push(`OLD KEY KEPT (${r.stepId}): ${r.outcome.note}`);
  for (const k of restore.kept) lines.push(`LEFT AS IS (not undone: ${k.description}): ${k.note}`);
  for (const f of restore.failed) lines.push(`RESTORE FAILED ${f.description}: ${f.error} — needs a human now`);
  for (const t of tidy) lines.push(`WARNING run commands not tidied on ${t.vm} (they stay on the VM until deleted; a re-run of this window retries): ${t.message}`);
  return lines.join('\n');
}
