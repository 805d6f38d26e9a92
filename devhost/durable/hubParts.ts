/**
 * The task hub's options, the shapes it answers with, and the small pure helpers of its engine
 * (hubEngine.ts), kept apart so the engine reads as the state machine it is.
 */
import type { FunctionRegistry, RegisteredFunction } from '../core/functionsCore';
import type { VirtualClock } from '../clock';
import type { HostLogger } from '../log';
import { EventType, type HistoryEvent, type RuntimeStatus, makeEvent } from './history';
import type { InstanceData, JournalBackend } from './journal';

/** Options for {@link TaskHub}. */
export interface TaskHubOptions {
  name: string;
  registry: FunctionRegistry;
  clock: VirtualClock;
  backend: JournalBackend;
  logger: HostLogger;
  /** Activities running at once (host.json maxConcurrentActivityFunctions). */
  maxConcurrentActivities?: number;
  /** Orchestrator episodes running at once. */
  maxConcurrentOrchestrations?: number;
  /**
   * Event names a person raises (approvals, ticks). When set, time skips whenever the hub is
   * quiescent and no instance waits for one of these (an empty list: whenever it is quiescent;
   * participants then answer for the people). Unset: skip only when every live instance
   * waits on a timer (anyone might raise an event an instance waits for alone).
   */
  holdSkipOnEvents?: string[];
  /** Slow every activity by a random 0..N real milliseconds before it runs (proves outcomes do not depend on activity duration). */
  activityJitterMs?: number;
  /** Run one work item at a time in a fixed order (see dispatchOrdered): reproducible runs, at the cost of concurrency. */
  ordered?: boolean;
  /**
   * Ordered mode only: activity functions whose calls commute with each other (each touches only
   * what its own input names, e.g. one server). Consecutive queued calls of one such function run
   * together, up to `maxConcurrentActivities`, and their results are delivered in queue order, so
   * runs stay reproducible. The app vouches for the list; the host cannot check it.
   */
  parallelActivities?: readonly string[];
  /** host.json durableTask.overridableExistingInstanceStates: may a start replace a running instance? */
  overridableExistingInstanceStates?: 'NonRunningStates' | 'AnyState';
}

/** Status as the management API returns it. */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: unknown[];
}

export interface ActivityWork {
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  input: string;
}

/** Thrown for requests the caller got wrong; carries the HTTP status to answer with. */
export class TaskHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The .NET exception the extension would report (its error body names it), if any. */
    readonly exceptionType?: string,
  ) {
    super(message);
  }
}

/**
 * What DTFx records for terminate, suspend and resume, in an episode of their own:
 * ExecutionTerminated (Input = reason) then ExecutionCompleted (Terminated, Result = reason);
 * ExecutionSuspended / ExecutionResumed (Reason).
 */
export function controlEvents(op: 'terminate' | 'suspend' | 'resume', reason: string | null, at: number): HistoryEvent[] {
  const events =
    op === 'terminate'
      ? [makeEvent(EventType.ExecutionTerminated, at, { Input: reason }), makeEvent(EventType.ExecutionCompleted, at, { OrchestrationStatus: 'Terminated', Result: reason })]
      : [makeEvent(op === 'suspend' ? EventType.ExecutionSuspended : EventType.ExecutionResumed, at, reason === null ? {} : { Reason: reason })];
  return [makeEvent(EventType.OrchestratorStarted, at), ...events, makeEvent(EventType.OrchestratorCompleted, at)];
}

/**
 * What an activity trigger offers to binding expressions (ActivityTriggerAttributeBindingProvider
 * in the Durable extension): `instanceId`, the input under the trigger's name, and `data`.
 */
export function activityBindingData(fn: RegisteredFunction, work: ActivityWork): Record<string, unknown> {
  let input: unknown = null;
  try {
    input = JSON.parse(work.input);
  } catch {
    input = work.input;
  }
  return { instanceId: work.instanceId, [fn.triggerName]: input, data: input };
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function lastStartedMs(inst: InstanceData): number {
  for (let i = inst.history.length - 1; i >= 0; i--) {
    const e = inst.history[i];
    if (e && e.EventType === EventType.OrchestratorStarted) return Date.parse(e.Timestamp);
  }
  return 0;
}

export function parseOrNull(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
