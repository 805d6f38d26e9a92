/**
 * DurableTask.Core history events as the durable-functions SDK reads them (JSON field
 * names and numeric EventType values of DurableTask.Core.History.EventType).
 */

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeValue = (typeof EventType)[keyof typeof EventType];

/** One history event; extra fields depend on EventType (see the reference, section 2). */
export interface HistoryEvent {
  EventType: EventTypeValue;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Version?: string;
  Input?: string | null;
  Result?: string | null;
  Reason?: string;
  Details?: string;
  /** GenericEvent payload (the rewind reason). */
  Data?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  ParentInstance?: { Name: string; OrchestrationInstance: { InstanceId: string; ExecutionId: string }; TaskScheduleId: number } | null;
  OrchestrationStatus?: string;
}

/** Build an event with the common fields. */
export function makeEvent(type: EventTypeValue, timestampMs: number, fields: Partial<HistoryEvent> = {}, eventId = -1): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: new Date(timestampMs).toISOString(), ...fields };
}

/** Runtime status names, as the management API reports them. */
export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended' | 'Canceled';

/** Whether an instance in this status will not run again. */
export function isTerminal(status: RuntimeStatus): boolean {
  return status === 'Completed' || status === 'Failed' || status === 'Terminated' || status === 'Canceled';
}

/** Serialize a JS value as the JSON text history carries (undefined -> "null"). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value) ?? 'null';
}

/**
 * Inputs in actions: the SDK pre-stringifies string inputs for activities and
 * continueAsNew (`Utils.processInput`), so a string is already JSON text.
 */
export function actionInputToJson(input: unknown, preStringified: boolean): string {
  if (preStringified && typeof input === 'string') return input;
  return toJsonText(input);
}
