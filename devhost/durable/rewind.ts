/**
 * Rewind of a Failed instance, as the Azure Storage provider does it
 * (Azure/durabletask, DurableTask.AzureStorage `AzureTableTrackingStore.RewindHistoryAsync`
 * and `AzureStorageOrchestrationService.RewindTaskOrchestrationAsync`):
 *
 * - in the latest execution, every TaskFailed and the TaskScheduled it answers become
 *   GenericEvents (replay ignores them, so the orchestrator schedules the activity again
 *   under the same sequence number), and so does the failed ExecutionCompleted;
 * - a SubOrchestrationInstanceFailed becomes a GenericEvent too, its
 *   SubOrchestrationInstanceCreated stays (marked "Rewound: ...") and the child is rewound
 *   the same way, recursively;
 * - every rewound instance is set to Pending, and the deepest failed instances on each
 *   branch (the leaves) receive a GenericEvent carrying the reason, which wakes them; a
 *   parent wakes when its rewound child reports back.
 */
import { EventType, type HistoryEvent, makeEvent } from './history';
import type { InstanceData } from './journal';

/** Instances changed by a rewind, and the leaves that were sent the wake-up event. */
export interface RewindOutcome {
  touched: string[];
  leaves: string[];
}

function toGeneric(e: HistoryEvent): void {
  e.Reason = `Rewound: ${Object.entries(EventType).find(([, v]) => v === e.EventType)?.[0] ?? String(e.EventType)}`;
  e.EventType = EventType.GenericEvent;
}

/** Rewind `id` and its failed children in `instances` (mutated); deterministic, so recovery can re-apply it. */
export function applyRewind(instances: Map<string, InstanceData>, id: string, reason: string | null, at: number): RewindOutcome {
  const outcome: RewindOutcome = { touched: [], leaves: [] };
  const visit = (instanceId: string): void => {
    const inst = instances.get(instanceId);
    if (!inst || outcome.touched.includes(instanceId)) return;
    outcome.touched.push(instanceId);
    // A new array: events are rewritten in place below, and an episode's text of the history is kept by array.
    inst.history = [...inst.history];
    let hasFailedChildren = false;
    const scheduled = (type: number, eventId: number | undefined): HistoryEvent | undefined =>
      inst.history.find((h) => h.EventType === type && h.EventId === eventId);
    for (const e of inst.history) {
      if (e.EventType === EventType.TaskFailed) {
        const task = scheduled(EventType.TaskScheduled, e.TaskScheduledId);
        if (task) toGeneric(task);
        toGeneric(e);
      } else if (e.EventType === EventType.SubOrchestrationInstanceFailed) {
        const created = scheduled(EventType.SubOrchestrationInstanceCreated, e.TaskScheduledId);
        // A purged child cannot be rewound: its failure stays, and the parent fails again.
        if (!created || !instances.has(created.InstanceId ?? '')) continue;
        hasFailedChildren = true;
        created.Reason = 'Rewound: SubOrchestrationInstanceCreated';
        visit(created.InstanceId ?? '');
        toGeneric(e);
      } else if (e.EventType === EventType.ExecutionCompleted && e.OrchestrationStatus === 'Failed') {
        toGeneric(e);
      }
    }
    inst.status = 'Pending';
    inst.updatedAt = at;
    if (!hasFailedChildren) {
      outcome.leaves.push(instanceId);
      inst.inbox.push(makeEvent(EventType.GenericEvent, at, { Data: reason ?? '' }));
    }
  };
  visit(id);
  return outcome;
}
