/**
 * The host side of an orchestration episode, modelled on the Durable extension's
 * OutOfProcOrchestrationShim running inside DurableTask.Core: the actions the SDK
 * returned are replayed, one top-level action at a time, against the history. Each
 * durable call takes the next sequence number exactly where DurableTask.Core would
 * (retry timers and attempts, long-timer segments, entity messages), history events
 * are checked against them (the determinism check, with DurableTask.Core's messages),
 * and whatever is left unmatched at the end is the new work of this episode.
 */
import { randomUUID } from 'node:crypto';
import { EventType, type HistoryEvent, actionInputToJson, toJsonText } from './history';
import { DEFAULT_ASYNC_SLEEP_MS, type DurableHttpRequest, HTTP_ACTIVITY, nextPoll, normalizeHttpRequest } from './httpCalls';

/** An action as the SDK serializes it (see the reference, section 2). */
export interface SdkAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  version?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  operation?: string;
  /** CallHttp: the DurableHttpRequest (method, uri, headers, content, tokenSource, asynchronousPatternEnabled). */
  httpRequest?: unknown;
  retryOptions?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
  };
  compoundActions?: SdkAction[];
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  ScheduledSignalEntity: 10,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

/** New durable work decided in this episode, in sequence-number order. */
export type ScheduledWork =
  | { kind: 'ScheduleTask'; id: number; name: string; input: string }
  | { kind: 'CreateTimer'; id: number; fireAtMs: number }
  | { kind: 'CreateSubOrchestration'; id: number; name: string; instanceId: string; input: string; version: string }
  | { kind: 'SendEvent'; id: number; targetInstanceId: string; name: string; input: string; entity: EntityRequest };

/** An operation request sent to an entity. */
export interface EntityRequest {
  id: string;
  op: string;
  signal: boolean;
  input?: string;
  parent?: string;
}

/** .NET action class names used in DurableTask.Core's messages. */
const ACTION_CLASS: Record<ScheduledWork['kind'], string> = {
  ScheduleTask: 'ScheduleTaskOrchestratorAction',
  CreateTimer: 'CreateTimerOrchestratorAction',
  CreateSubOrchestration: 'CreateSubOrchestrationAction',
  SendEvent: 'SendEventOrchestratorAction',
};

/** Options for {@link replayEpisode}. */
export interface ReplayOptions {
  instanceId: string;
  executionId: string;
  /** Timers further away than this are split (maximumShortTimerDuration, ms). */
  maxShortTimerMs: number;
  /** Segment length for long timers (longRunningTimerIntervalDuration, ms). */
  longTimerIntervalMs: number;
  /** Wait between 202 polls of callHttp without Retry-After (default 30 s, as the extension). */
  httpAsyncSleepMs?: number;
}

/** Result of replaying one episode. */
export interface ReplayResult {
  /** Work to start now (sequence-number order). */
  scheduled: ScheduledWork[];
  /** Timer ids the orchestrator cancelled. */
  canceledTimerIds: number[];
  /** The "Non-Deterministic workflow detected: ..." message, when the history does not match. */
  nonDeterminism?: string;
  /** A protocol problem the host cannot run (e.g. an unsupported action type). */
  unsupported?: string;
  /** Input for the next execution when the orchestrator called continueAsNew. */
  continueAsNewInput?: string;
  /** Event names the orchestrator is still waiting for (lower case). */
  waitingFor?: string[];
}

class NonDeterminismError extends Error {}
class UnsupportedError extends Error {}

/** A durable task on the host side: completes (or fails) once, then tells its listeners. */
class HostTask {
  done = false;
  failed = false;
  /** The completion's Result (JSON text), where the host needs it (callHttp's status code). */
  result: string | undefined;
  private listeners: (() => void)[] = [];
  complete(failed: boolean, result?: string): void {
    if (this.done) return;
    this.done = true;
    this.failed = failed;
    this.result = result;
    const ls = this.listeners;
    this.listeners = [];
    for (const l of ls) l();
  }
  then(listener: () => void): void {
    if (this.done) listener();
    else this.listeners.push(listener);
  }
}

const SUFFIX = 'Was a change made to the orchestrator code after this instance had already started running?';

/** Replay `actions` against `past` + `fresh` history; see the module comment. */
export function replayEpisode(past: readonly HistoryEvent[], fresh: readonly HistoryEvent[], actions: readonly SdkAction[], options: ReplayOptions): ReplayResult {
  let idCounter = 0;
  let currentTime = 0;
  const pending = new Map<number, ScheduledWork>();
  const open = new Map<number, HostTask>();
  const eventWaiters = new Map<string, HostTask[]>();
  const bufferedEvents = new Map<string, number>();
  const entityResponses = new Map<string, HostTask>();
  const entityCallBySeq = new Map<number, HostTask>();
  const canceled: number[] = [];
  let continueAsNewInput: string | undefined;
  let cursor = 0;

  const alloc = (work: (id: number) => ScheduledWork, task: HostTask | undefined): number => {
    const id = idCounter++;
    pending.set(id, work(id));
    if (task) open.set(id, task);
    return id;
  };

  const timer = (fireAtMs: number): { task: HostTask; id: number } => {
    const task = new HostTask();
    const id = alloc((i) => ({ kind: 'CreateTimer', id: i, fireAtMs }), task);
    return { task, id };
  };

  const withRetry = (action: SdkAction, attempt: () => HostTask): HostTask => {
    const options = action.retryOptions;
    if (!options) throw new UnsupportedError(`Action ${action.actionType} has no retryOptions.`);
    const result = new HostTask();
    let attemptNumber = 1;
    const run = (): void => {
      const inner = attempt();
      inner.then(() => {
        if (!inner.failed) return result.complete(false);
        // DurableTask.Core's RetryInterceptor: a timer follows every failed attempt, the last one too.
        const k = attemptNumber - 1;
        attemptNumber++;
        const coefficient = options.backoffCoefficient ?? 1;
        let delay = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, k);
        if (options.maxRetryIntervalInMilliseconds && options.maxRetryIntervalInMilliseconds > 0) delay = Math.min(delay, options.maxRetryIntervalInMilliseconds);
        const t = timer(currentTime + delay);
        t.task.then(() => {
          if (attemptNumber > options.maxNumberOfAttempts) result.complete(true);
          else run();
        });
      });
    };
    run();
    return result;
  };

  const activity = (action: SdkAction): HostTask => {
    const task = new HostTask();
    const name = action.functionName ?? '';
    // The input's text is only needed for a task not yet in history: replay checks names, not inputs.
    alloc((id) => {
      let input: string | undefined;
      return {
        kind: 'ScheduleTask',
        id,
        name,
        get input(): string {
          return (input ??= actionInputToJson(action.input, true));
        },
      };
    }, task);
    return task;
  };

  // DurableOrchestrationContext.CallHttpAsync: the built-in activity, then timer + GET Location while 202.
  const callHttp = (action: SdkAction): HostTask => {
    let original: DurableHttpRequest;
    try {
      original = normalizeHttpRequest(action.httpRequest);
    } catch (err) {
      throw new UnsupportedError((err as Error).message);
    }
    const result = new HostTask();
    const send = (request: DurableHttpRequest): void => {
      const call = new HostTask();
      alloc((id) => ({ kind: 'ScheduleTask', id, name: HTTP_ACTIVITY, input: JSON.stringify([request]) }), call);
      call.then(() => {
        if (call.failed) return result.complete(true);
        const poll = nextPoll(original, call.result, options.httpAsyncSleepMs ?? DEFAULT_ASYNC_SLEEP_MS);
        if (!poll) return result.complete(false, call.result);
        timer(currentTime + poll.delayMs).task.then(() => send(poll.request));
      });
    };
    send(original);
    return result;
  };

  const subOrchestration = (action: SdkAction): HostTask => {
    const task = new HostTask();
    const name = action.functionName ?? '';
    alloc(
      (id) => ({
        kind: 'CreateSubOrchestration',
        id,
        name,
        instanceId: action.instanceId || `${options.executionId}:${id}`,
        input: toJsonText(action.input),
        version: action.version ?? '',
      }),
      task,
    );
    return task;
  };

  const entityMessage = (action: SdkAction, signal: boolean): HostTask => {
    const task = new HostTask();
    const target = action.instanceId ?? '';
    const request: EntityRequest = { id: randomUUID(), op: action.operation ?? '', signal, parent: signal ? undefined : options.instanceId };
    if (action.input !== undefined) request.input = toJsonText(action.input);
    const id = alloc((i) => ({ kind: 'SendEvent', id: i, targetInstanceId: target, name: 'op', input: JSON.stringify(request), entity: request }), undefined);
    if (signal) task.complete(false);
    else {
      entityCallBySeq.set(id, task);
      entityResponses.set(request.id, task);
    }
    return task;
  };

  const createTimer = (action: SdkAction): HostTask => {
    const finalMs = Date.parse(action.fireAt ?? '');
    if (Number.isNaN(finalMs)) throw new UnsupportedError(`CreateTimer action has an invalid fireAt: ${String(action.fireAt)}`);
    const segmentFireAt = (): number => (finalMs - currentTime > options.maxShortTimerMs ? currentTime + options.longTimerIntervalMs : finalMs);
    if (finalMs - currentTime <= options.maxShortTimerMs) {
      const t = timer(finalMs);
      if (action.isCanceled) {
        canceled.push(t.id);
        t.task.complete(false);
      }
      return t.task;
    }
    // A long timer: segments until the final fire time is reached (LongTimerTask).
    // A cancelled one still replays the segments its history shows; only the open one is dropped.
    const result = new HostTask();
    const segment = (): void => {
      const t = timer(segmentFireAt());
      if (action.isCanceled) canceled.push(t.id);
      t.task.then(() => {
        if (finalMs > currentTime) segment();
        else result.complete(false);
      });
    };
    segment();
    if (action.isCanceled) result.complete(false);
    return result;
  };

  // Event waiters created while invoking the top-level action at the cursor: what the
  // orchestrator is blocked on when the episode ends.
  let cursorWaiters: { name: string; task: HostTask }[] = [];

  const waitForEvent = (action: SdkAction): HostTask => {
    const name = (action.externalEventName ?? '').toLowerCase();
    const task = new HostTask();
    cursorWaiters.push({ name, task });
    const buffered = bufferedEvents.get(name) ?? 0;
    if (buffered > 0) {
      bufferedEvents.set(name, buffered - 1);
      task.complete(false);
    } else {
      const list = eventWaiters.get(name) ?? [];
      list.push(task);
      eventWaiters.set(name, list);
    }
    return task;
  };

  const invoke = (action: SdkAction): HostTask => {
    switch (action.actionType) {
      case ActionType.CallActivity:
        return activity(action);
      case ActionType.CallActivityWithRetry:
        return withRetry(action, () => activity(action));
      case ActionType.CallSubOrchestrator:
        return subOrchestration(action);
      case ActionType.CallSubOrchestratorWithRetry:
        return withRetry(action, () => subOrchestration(action));
      case ActionType.ContinueAsNew: {
        continueAsNewInput = actionInputToJson(action.input, true);
        const t = new HostTask();
        t.complete(false);
        return t;
      }
      case ActionType.CreateTimer:
        return createTimer(action);
      case ActionType.WaitForExternalEvent:
        return waitForEvent(action);
      case ActionType.CallEntity:
        return entityMessage(action, false);
      case ActionType.SignalEntity:
      case ActionType.ScheduledSignalEntity:
        return entityMessage(action, true);
      case ActionType.WhenAll:
      case ActionType.WhenAny: {
        const children = (action.compoundActions ?? []).map(invoke);
        const result = new HostTask();
        const any = action.actionType === ActionType.WhenAny;
        const check = (): void => {
          if (any ? children.some((c) => c.done) : children.every((c) => c.done)) result.complete(false);
        };
        if (children.length === 0) result.complete(false);
        for (const c of children) c.then(check);
        return result;
      }
      case ActionType.CallHttp:
        return callHttp(action);
      case ActionType.LockEntities:
      case ActionType.ReleaseEntities:
        throw new UnsupportedError('Entity locks (critical sections) are not supported by the local host.');
      default:
        throw new UnsupportedError(`Unknown action type ${String(action.actionType)}.`);
    }
  };

  // The shim awaits each top-level action before invoking the next one.
  const advance = (): void => {
    while (cursor < actions.length) {
      const action = actions[cursor];
      if (!action) break;
      cursorWaiters = [];
      const task = invoke(action);
      if (!task.done) {
        task.then(() => {
          cursor++;
          advance();
        });
        return;
      }
      cursor++;
    }
  };

  const matchScheduled = (e: HistoryEvent): void => {
    const id = e.EventId;
    const work = pending.get(id);
    switch (e.EventType) {
      case EventType.TaskScheduled:
        if (!work) {
          throw new NonDeterminismError(
            `A previous execution of this orchestration scheduled an activity task with sequence ID ${id} and name '${e.Name ?? ''}' (version '${e.Version ?? ''}'), but the current replay execution hasn't (yet?) scheduled this task. ${SUFFIX}`,
          );
        }
        if (work.kind !== 'ScheduleTask') {
          throw new NonDeterminismError(
            `A previous execution of this orchestration scheduled an activity task with sequence number ${id} named '${e.Name ?? ''}', but the current orchestration replay instead produced a ${ACTION_CLASS[work.kind]} action with this sequence number. ${SUFFIX}`,
          );
        }
        if ((e.Name ?? '').toLowerCase() !== work.name.toLowerCase()) {
          throw new NonDeterminismError(
            `A previous execution of this orchestration scheduled an activity task with sequence number ${id} named '${e.Name ?? ''}', but the current orchestration replay instead scheduled an activity task named '${work.name}' with this sequence number.  ${SUFFIX}`,
          );
        }
        break;
      case EventType.TimerCreated:
        if (!work) {
          throw new NonDeterminismError(
            `A previous execution of this orchestration scheduled a timer task with sequence number ${id} but the current replay execution hasn't (yet?) scheduled this task. ${SUFFIX}`,
          );
        }
        if (work.kind !== 'CreateTimer') {
          throw new NonDeterminismError(
            `A previous execution of this orchestration scheduled a timer task with sequence number ${id} named but the current orchestration replay instead produced a ${ACTION_CLASS[work.kind]} action with this sequence number. ${SUFFIX}`,
          );
        }
        break;
      case EventType.SubOrchestrationInstanceCreated: {
        const head = `A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID ${id} and name '${e.Name ?? ''}' (version '${e.Version ?? ''}', instance ID '${e.InstanceId ?? ''}'), but the current`;
        if (!work) throw new NonDeterminismError(`${head} replay execution hasn't (yet?) scheduled this task. ${SUFFIX}`);
        if (work.kind !== 'CreateSubOrchestration') {
          throw new NonDeterminismError(`${head} orchestration replay instead produced a ${ACTION_CLASS[work.kind]} action at this sequence number. ${SUFFIX}`);
        }
        if ((e.Name ?? '').toLowerCase() !== work.name.toLowerCase()) {
          throw new NonDeterminismError(`${head} orchestration replay instead scheduled a sub-orchestration task with name ${work.name} at this sequence number. ${SUFFIX}`);
        }
        break;
      }
      case EventType.EventSent: {
        const head = `A previous execution of this orchestration scheduled a send event task with sequence ID ${id}, type '${e.EventType}'`;
        if (!work) {
          throw new NonDeterminismError(`${head} name '${e.Name ?? ''}', instance ID '${e.InstanceId ?? ''}', but the current replay execution hasn't (yet?) scheduled this task. ${SUFFIX}`);
        }
        if (work.kind !== 'SendEvent') {
          throw new NonDeterminismError(
            `${head}, name '${e.Name ?? ''}', instance ID '${e.InstanceId ?? ''}', but the current orchestration replay instead scheduled a ${ACTION_CLASS[work.kind]} task at this sequence number. ${SUFFIX}`,
          );
        }
        // The request id in history wins: the response is correlated by it.
        const call = entityCallBySeq.get(id);
        if (call) {
          entityResponses.delete(work.entity.id);
          try {
            const recorded = JSON.parse(e.Input ?? '{}') as { id?: string };
            if (recorded.id) entityResponses.set(recorded.id, call);
          } catch {
            // A malformed recorded request cannot be answered; the call then never completes.
          }
        }
        break;
      }
      default:
        return;
    }
    pending.delete(id);
  };

  const deliver = (e: HistoryEvent): void => {
    switch (e.EventType) {
      case EventType.OrchestratorStarted:
        currentTime = Date.parse(e.Timestamp);
        return;
      case EventType.ExecutionStarted:
        advance();
        return;
      case EventType.TaskScheduled:
      case EventType.TimerCreated:
      case EventType.SubOrchestrationInstanceCreated:
      case EventType.EventSent:
        matchScheduled(e);
        return;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
      case EventType.TimerFired: {
        const id = (e.EventType === EventType.TimerFired ? e.TimerId : e.TaskScheduledId) ?? -1;
        const task = open.get(id);
        if (!task) return; // a duplicate or a cancelled timer: ignored, as DurableTask.Core does
        open.delete(id);
        task.complete(e.EventType === EventType.TaskFailed || e.EventType === EventType.SubOrchestrationInstanceFailed, e.Result ?? undefined);
        return;
      }
      case EventType.EventRaised: {
        const name = e.Name ?? '';
        const response = entityResponses.get(name);
        if (response) {
          entityResponses.delete(name);
          response.complete(false);
          return;
        }
        // The extension keeps waiters on a stack (DurableOrchestrationContext.RaiseEvent): the
        // newest takes the event. A waiter re-listed in a later WhenAny is a new entry on top,
        // so the compound the orchestrator is blocked on gets the event, not an older one it
        // already left behind.
        const key = name.toLowerCase();
        const waiters = eventWaiters.get(key);
        const waiter = waiters?.pop();
        if (waiter) waiter.complete(false);
        else bufferedEvents.set(key, (bufferedEvents.get(key) ?? 0) + 1);
        return;
      }
      default:
        return;
    }
  };

  try {
    for (const e of past) deliver(e);
    for (const e of fresh) deliver(e);
  } catch (err) {
    if (err instanceof NonDeterminismError) {
      return { scheduled: [], canceledTimerIds: [], nonDeterminism: `Non-Deterministic workflow detected: ${err.message}` };
    }
    if (err instanceof UnsupportedError) return { scheduled: [], canceledTimerIds: [], unsupported: err.message };
    throw err;
  }
  const scheduled = [...pending.values()].sort((a, b) => a.id - b.id);
  // Older waiters left open by a WhenAny that another task won stay on the stack but are not
  // what the orchestrator waits for now. With every action done, the orchestrator may be
  // waiting on a task it yielded again (no new action): then any open waiter counts.
  const blocked =
    cursor < actions.length
      ? cursorWaiters.filter((w) => !w.task.done).map((w) => w.name)
      : [...eventWaiters.entries()].filter(([, list]) => list.some((t) => !t.done)).map(([name]) => name);
  const waitingFor = [...new Set(blocked)];
  return { scheduled, canceledTimerIds: canceled, continueAsNewInput, waitingFor };
}
