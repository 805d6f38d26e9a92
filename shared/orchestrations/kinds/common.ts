import type * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ChatButton } from '../../ports/chat';
import type { LedgerAction, LedgerEntry, NotifyInput, Outcome, Progress, ResolvedPipeline, ResolvedPool, StepInput, StepResult, StepState } from '../contracts';
import type { StepSpec } from '../../window/runbook';
import { Activities, type ActivityName } from '../names';
import { acquirePoolLease, releasePoolLease } from '../lease';
import { RetryPolicies } from '../retry';
import { untilDone } from '../resumable';
import { nowIso, sleep } from '../waits';

/** What every step kind gets: the durable context, its input, the abort waiter and a few helpers. */
export interface StepContext {
  context: OrchestrationContext;
  input: StepInput;
  abort: Task;
  spec: StepSpec;
  /** Set once an abort has been seen while the step kept going (work already started on servers). */
  abortRequested: boolean;
  /** A ledger order: orchestration time, then a counter, so restore walks back in the order things were done. */
  nextOrder(): number;
  record(state: StepState, detail?: string): Generator<Task, void, unknown>;
}

/** The step context of an orchestration running (part of) a step: its own ledger order counter, records under the step's id. */
export function stepContext(context: OrchestrationContext, input: StepInput, abort: Task): StepContext {
  let seq = 0;
  return {
    context,
    input,
    abort,
    spec: input.step.spec,
    abortRequested: false,
    nextOrder: () => context.df.currentUtcDateTime.getTime() * 1000 + (seq++ % 1000),
    record: function* (state: StepState, detail?: string) {
      yield context.df.callActivityWithRetry(Activities.recordStep, RetryPolicies.store(), {
        windowId: input.windowId,
        stepId: input.step.id,
        state,
        at: nowIso(context),
        ...(detail ? { detail } : {}),
      });
    },
  };
}

export type KindRunner<K extends StepSpec['kind']> = (sc: StepContext, spec: Extract<StepSpec, { kind: K }>) => Generator<Task, StepResult, unknown>;

export function ok(sc: StepContext, summary: string, extra: Partial<StepResult> = {}): StepResult {
  return { stepId: sc.input.step.id, state: 'done', summary, ...extra };
}

export function failed(sc: StepContext, summary: string, extra: Partial<StepResult> = {}): StepResult {
  return { stepId: sc.input.step.id, state: 'failed', summary, ...extra };
}

export function aborted(sc: StepContext, what: string): StepResult {
  return { stepId: sc.input.step.id, state: 'aborted', summary: `aborted ${what}` };
}

/** Calls an activity with a named retry policy. */
export function call(sc: StepContext, name: ActivityName, input: unknown, policy: df.RetryOptions = RetryPolicies.vendorWrite()): Task {
  return sc.context.df.callActivityWithRetry(name, policy, input);
}

/**
 * A deterministic key for things this step does (idempotency and ledger), scoped to the run: a
 * later run of the window starts its own pipeline runs, secret versions and notices, and its
 * ledger entries never merge with what an earlier run left changed.
 */
export function keyOf(sc: StepContext, ...parts: (string | number)[]): string {
  return [sc.input.runId, sc.input.step.id, ...parts].join(':');
}

/** How a notice names a page, alert set or estate: its id (what the CLI takes), then its title when the window gives one. */
export function named(id: string, title: string | undefined): string {
  return title ? `${id} (${title})` : id;
}

/** Where news goes that is not a failure (the window's channels): failure channels get only failures. */
export function milestones(sc: StepContext): string[] {
  return sc.input.milestoneChannels ?? [];
}

export function* notify(sc: StepContext, channels: string[], text: string, ...keyParts: (string | number)[]): Generator<Task, void, unknown> {
  yield* post(sc, channels, text, keyParts);
}

/** A notice with buttons under it (shown where the app can take their clicks); the text must stand without them. */
export function* ask(sc: StepContext, channels: string[], text: string, buttons: ChatButton[], ...keyParts: (string | number)[]): Generator<Task, void, unknown> {
  yield* post(sc, channels, text, keyParts, buttons);
}

/** The deterministic key of a notice, for closing it later (`closeNotice`). */
export function noticeKey(sc: StepContext, ...keyParts: (string | number)[]): string {
  return keyOf(sc, 'notify', ...keyParts);
}

function* post(sc: StepContext, channels: string[], text: string, keyParts: (string | number)[], buttons?: ChatButton[]): Generator<Task, void, unknown> {
  if (channels.length === 0) return;
  const input: NotifyInput = { windowId: sc.input.windowId, key: noticeKey(sc, ...keyParts), channels, text, ...(buttons ? { buttons } : {}) };
  yield call(sc, Activities.notify, input, RetryPolicies.chat());
}

/** Records the inverse of a change the step is about to make. */
export function* remember(sc: StepContext, key: string, action: LedgerAction, description: string): Generator<Task, void, unknown> {
  const entry: LedgerEntry = { key, stepId: sc.input.step.id, order: sc.nextOrder(), action, description, state: 'open' };
  yield call(sc, Activities.recordLedger, { windowId: sc.input.windowId, entry }, RetryPolicies.store());
}

/**
 * One alert processing rule over `scopes`, its inverse recorded first (ledger `key`); the rule
 * name is derived from `nameParts`, so a retry upserts the same rule. Returns the rule name.
 */
export function* suppressAlerts(sc: StepContext, key: string, nameParts: string[], scopes: string[], description: string, undoDescription: string): Generator<Task, string, unknown> {
  const ruleName = ['mw', ...nameParts].join('-').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 80);
  yield* remember(sc, key, { type: 'lift-alerts', ruleName }, undoDescription);
  yield call(sc, Activities.suppressAlerts, { ruleName, scopes, description });
  return ruleName;
}

/**
 * Undoes ledger entries by key (missing ones are fine: nothing was changed); returns what failed.
 * `force` undoes entries kept on purpose too: the step is an explicit order to put them back.
 */
export function* undoAll(sc: StepContext, keys: string[], options: { force?: boolean } = {}): Generator<Task, string[], unknown> {
  const problems: string[] = [];
  for (const key of keys) {
    const undone = yield* untilDone<object>(sc.context, (resume) => call(sc, Activities.undoLedger, { windowId: sc.input.windowId, key, at: nowIso(sc.context), ...(options.force ? { force: true } : {}), ...(resume !== undefined ? { resume } : {}) }));
    if (!undone.ok) problems.push(`${key}: ${undone.message}`);
  }
  return problems;
}

/** Marks a ledger entry undone (the step reversed it itself) or kept (left on purpose, reported). */
export function* settle(sc: StepContext, key: string, state: 'undone' | 'kept', note?: string): Generator<Task, void, unknown> {
  yield call(sc, Activities.settleLedger, { windowId: sc.input.windowId, key, state, ...(note ? { note } : {}) }, RetryPolicies.store());
}

/**
 * Waits for `task` to its end; an abort meanwhile is only noted (`abortRequested`), so work
 * already started on servers is seen through and the caller starts nothing new.
 */
export function* throughAbort(sc: StepContext, task: Task): Generator<Task, void, unknown> {
  if (!sc.abortRequested && !sc.abort.isCompleted) {
    const winner = (yield sc.context.df.Task.any([task, sc.abort])) as Task;
    if (winner !== sc.abort) return;
    sc.abortRequested = true;
  }
  yield task;
}

/** The longest gap between two polls of a watch that expects its operations to take long, in poll intervals. */
export const SPARSE_POLLS = 6;
/** Share of the expected duration polled sparsely; from there on every interval, as without a hint. */
export const SPARSE_SHARE = 0.75;

/**
 * When the next poll of a watch comes, in minutes from its start, after one at `prev` (0: none
 * yet). Without `expectMinutes`, every `every` minutes. With it (the shortest duration of this
 * kind of operation seen so far, e.g. an earlier batch's patches): the gaps double from `every`
 * up to {@link SPARSE_POLLS} intervals until {@link SPARSE_SHARE} of the expected duration, then
 * every interval again. Every poll stays on the `every` grid, so an operation that ends after
 * that point is seen exactly when the plain schedule would see it; one that ends earlier (a
 * failure) is seen at most {@link SPARSE_POLLS} intervals late. A 200-minute patch is polled 23
 * times instead of 45 (docs/benchmarks.md): each poll is a timer, an activity and two episodes.
 */
export function nextPollMinutes(prev: number, every: number, expectMinutes?: number): number {
  const plain = prev + every;
  if (expectMinutes === undefined || !(expectMinutes > 0)) return plain;
  const dense = Math.floor((SPARSE_SHARE * expectMinutes) / every) * every;
  if (plain >= dense) return plain;
  return Math.min(Math.max(plain, Math.min(2 * prev, prev + SPARSE_POLLS * every)), dense);
}

/**
 * Watches long operations: durable timer, then one activity that checks them all,
 * until none is running, the deadline passes or the step is aborted. `doneAt` says when each
 * was seen ended, in minutes from the start of the watch (on the poll schedule).
 */
export function* monitor<T>(
  sc: StepContext,
  pollActivity: ActivityName,
  tokens: Record<string, string>,
  deadline: Date,
  options: { interruptible: boolean; expectMinutes?: number } = { interruptible: true },
): Generator<Task, { aborted: boolean; timedOut: string[]; outcomes: Record<string, Progress<T>>; doneAt: Record<string, number> }, unknown> {
  const outcomes: Record<string, Progress<T>> = {};
  const doneAt: Record<string, number> = {};
  let pending = { ...tokens };
  let at = 0;
  while (Object.keys(pending).length > 0) {
    const now = sc.context.df.currentUtcDateTime.getTime();
    if (now >= deadline.getTime()) {
      return { aborted: false, timedOut: Object.keys(pending), outcomes, doneAt };
    }
    const every = sc.input.pollMinutes;
    // Never a sparse gap past the deadline: the plain schedule's first poll after it comes as before.
    const firstAfterDeadline = at + Math.max(1, Math.ceil((deadline.getTime() - now) / 60_000 / every)) * every;
    const next = Math.min(nextPollMinutes(at, every, options.expectMinutes), firstAfterDeadline);
    // The gap from now, as before: a poll whose retries took time moves the rest of the schedule.
    const gap = next - at;
    if (options.interruptible) {
      const slept = yield* sleep(sc.context, sc.abort, gap);
      if (!slept) return { aborted: true, timedOut: [], outcomes, doneAt };
    } else {
      // Work already started on a server (a patch) is watched to its end even after an abort,
      // which is only noted here so the caller starts nothing new.
      yield* throughAbort(sc, sc.context.df.createTimer(new Date(now + gap * 60_000)));
    }
    at = next;
    const polled = (yield call(sc, pollActivity, { tokens: pending }, RetryPolicies.vendorRead())) as Record<string, Progress<T>>;
    const running: Record<string, string> = {};
    for (const [id, progress] of Object.entries(polled)) {
      if (progress.state === 'running') running[id] = progress.resumeToken ?? pending[id]!;
      else {
        outcomes[id] = progress;
        doneAt[id] = at;
      }
    }
    pending = running;
  }
  return { aborted: false, timedOut: [], outcomes, doneAt };
}

/**
 * One backend pool write, serialised with every other write to the same gateway
 * or load balancer across the whole app (whole-object PUTs conflict otherwise).
 */
export function* writePool(sc: StepContext, input: { key: string; pool: ResolvedPool; remove: string[]; add: string[] }): Generator<Task, Outcome<{ members: number }>, unknown> {
  const owner = `${sc.context.df.instanceId}|${input.key}`;
  yield* acquirePoolLease(sc.context, input.pool.resourceId, owner);
  try {
    const begun = (yield call(sc, Activities.beginPoolWrite, { windowId: sc.input.windowId, ...input })) as Outcome<{ token?: string; members: number }>;
    if (!begun.ok) return begun;
    if (!begun.token) return { ok: true, members: begun.members };
    let token = begun.token;
    // Gateway updates take a few minutes; poll briefly (abort waits for the write to finish).
    for (let i = 0; i < 60; i++) {
      yield sc.context.df.createTimer(new Date(sc.context.df.currentUtcDateTime.getTime() + 30_000));
      const progress = (yield call(sc, Activities.pollPoolWrite, { token }, RetryPolicies.vendorRead())) as Progress<{ members: number }>;
      if (progress.state === 'succeeded') return { ok: true, members: progress.result.members };
      if (progress.state === 'failed') return { ok: false, code: progress.code, message: progress.message };
      token = progress.resumeToken ?? token;
    }
    return { ok: false, code: 'PoolWriteTimeout', message: `the write to ${input.pool.id} did not finish in 30 minutes` };
  } finally {
    releasePoolLease(sc.context, input.pool.resourceId, owner);
  }
}

/** Runs a pipeline and waits for it; returns a failure message or undefined. */
export function* runPipelineToEnd(sc: StepContext, pipeline: ResolvedPipeline, key: string): Generator<Task, { aborted: boolean; error?: string; runId?: number }, unknown> {
  const started = (yield call(sc, Activities.startPipeline, { windowId: sc.input.windowId, key, pipeline })) as Outcome<{ runId: number; pipelineId: number; url?: string }>;
  if (!started.ok) return { aborted: false, error: started.message };
  const deadline = new Date(sc.context.df.currentUtcDateTime.getTime() + 12 * 3600_000);
  for (;;) {
    const slept = yield* sleep(sc.context, sc.abort, Math.min(sc.input.pollMinutes, 2));
    if (!slept) return { aborted: true, runId: started.runId };
    const run = (yield call(sc, Activities.getPipelineRun, { project: pipeline.project, pipelineId: started.pipelineId, runId: started.runId }, RetryPolicies.vendorRead())) as {
      state: string;
      result?: string;
    };
    if (run.state === 'completed') {
      return run.result === 'succeeded' ? { aborted: false, runId: started.runId } : { aborted: false, runId: started.runId, error: `run ${started.runId} ended ${run.result ?? 'without a result'}` };
    }
    if (sc.context.df.currentUtcDateTime.getTime() > deadline.getTime()) return { aborted: false, runId: started.runId, error: `run ${started.runId} still running after 12 hours` };
  }
}
