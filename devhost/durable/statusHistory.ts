/**
 * History as the status API shows it (`showHistory=true`), shaped the way the extension
 * reshapes DTFx's history (DurableClient.GetDurableOrchestrationStatusAsync):
 *
 * - EventType by name; EventId and IsPlayed dropped; OrchestratorStarted/Completed dropped;
 * - TaskScheduled and SubOrchestrationInstanceCreated are merged into the event that
 *   completes them (FunctionName, ScheduledTime and, with showInput, Input) and dropped;
 *   only a scheduling still open stays, without Version;
 * - ExecutionStarted names the orchestrator `FunctionName` (no OrchestrationInstance,
 *   ParentInstance, Version, Tags); TimerFired has no TimerId; completions lose TaskScheduledId;
 * - Result only with showHistoryOutput (and then parsed); every Input dropped with
 *   showInput=false; Input values otherwise stay the JSON text history holds.
 */
import { EventType, type HistoryEvent } from './history';

const NAMES = Object.fromEntries(Object.entries(EventType).map(([k, v]) => [v, k])) as Record<number, string>;

/** `ParseToJToken`: JSON when it parses, the raw string otherwise. */
function parseToken(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

/** The DTFx fields of one event, as the tracking store returns them. */
function fields(e: HistoryEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { EventType: NAMES[e.EventType] ?? String(e.EventType) };
  switch (e.EventType) {
    case EventType.ExecutionStarted:
      out.FunctionName = e.Name;
      out.Input = e.Input ?? null;
      break;
    case EventType.ExecutionCompleted:
      out.OrchestrationStatus = e.OrchestrationStatus;
      out.Result = e.Result ?? null;
      break;
    case EventType.ExecutionTerminated:
      out.Input = e.Input ?? null;
      break;
    case EventType.ExecutionSuspended:
    case EventType.ExecutionResumed:
      out.Reason = e.Reason ?? null;
      break;
    case EventType.TaskScheduled:
      out.Name = e.Name;
      out.Input = e.Input ?? null;
      break;
    case EventType.TaskCompleted:
    case EventType.SubOrchestrationInstanceCompleted:
      out.TaskScheduledId = e.TaskScheduledId;
      out.Result = e.Result ?? null;
      break;
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceFailed:
      out.TaskScheduledId = e.TaskScheduledId;
      out.Reason = e.Reason ?? null;
      out.Details = e.Details ?? null;
      break;
    case EventType.SubOrchestrationInstanceCreated:
      out.Name = e.Name;
      out.InstanceId = e.InstanceId;
      out.Input = e.Input ?? null;
      break;
    case EventType.TimerCreated:
    case EventType.TimerFired:
      out.FireAt = e.FireAt;
      break;
    case EventType.EventRaised:
      out.Name = e.Name;
      out.Input = e.Input ?? null;
      break;
    case EventType.EventSent:
      out.InstanceId = e.InstanceId;
      out.Name = e.Name;
      out.Input = e.Input ?? null;
      break;
    case EventType.GenericEvent:
      out.Data = e.Data ?? null;
      break;
    default:
      break;
  }
  out.Timestamp = e.Timestamp;
  return out;
}

/** The `historyEvents` array of a status response. */
export function toStatusHistory(history: readonly HistoryEvent[], opts: { showHistoryOutput: boolean; showInput: boolean }): unknown[] {
  const scheduled = new Map<string, { index: number; name: unknown; at: string; input: unknown }>();
  const items: (Record<string, unknown> | undefined)[] = [];
  history.forEach((e, i) => {
    if (e.EventType === EventType.OrchestratorStarted || e.EventType === EventType.OrchestratorCompleted) {
      items.push(undefined);
      return;
    }
    const item = fields(e);
    const merge = (prefix: string): void => {
      const from = scheduled.get(`${prefix}_${String(e.TaskScheduledId)}`);
      delete item.TaskScheduledId;
      if (!from) return;
      item.ScheduledTime = from.at;
      item.FunctionName = from.name;
      if (opts.showInput) item.Input = from.input;
      items[from.index] = undefined;
    };
    switch (e.EventType) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(`${NAMES[e.EventType]}_${e.EventId}`, { index: i, name: item.Name, at: e.Timestamp, input: item.Input });
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
        merge('TaskScheduled');
        break;
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        merge('SubOrchestrationInstanceCreated');
        break;
      default:
        break;
    }
    const completion = e.EventType === EventType.TaskCompleted || e.EventType === EventType.SubOrchestrationInstanceCompleted || e.EventType === EventType.ExecutionCompleted;
    if (completion) {
      if (opts.showHistoryOutput) item.Result = parseToken(e.Result);
      else delete item.Result;
    }
    if (!opts.showInput) delete item.Input;
    items.push(item);
  });
  return items.filter((x): x is Record<string, unknown> => x !== undefined);
}
