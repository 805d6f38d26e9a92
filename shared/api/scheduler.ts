import type { Clock } from '../clock';
import type { WindowInput } from '../orchestrations/contracts';
import { InstanceIds, Orchestrations } from '../orchestrations/names';
import { loadWindowText } from '../window/load';
import { planWindow } from '../window/plan';
import type { WindowSource } from '../window/source';
import type { OrchestrationControl } from './windows';

/** The window orchestrator starts this long before the first step (it posts the start notice, steps wait on their own times). */
export const START_LEAD_MINUTES = 30;

export interface ScheduleDecision {
  windowId: string;
  action: 'started' | 'running' | 'already-ran' | 'not-due' | 'missed' | 'invalid';
  detail?: string;
}

/**
 * What the timer trigger does: start every valid window whose time has come, once.
 * The instance id is deterministic, so a duplicate or late fire finds the instance
 * and starts nothing; a window whose whole budget has passed is reported as missed.
 */
export async function startDueWindows(deps: { windows: WindowSource; durable: OrchestrationControl; clock: Clock }): Promise<ScheduleDecision[]> {
  const now = await deps.clock.now();
  const decisions: ScheduleDecision[] = [];
  for (const { windowId } of deps.windows.list()) {
    const found = deps.windows.read(windowId);
    const loaded = found ? loadWindowText(found.text, found.file) : undefined;
    if (!loaded?.window) {
      decisions.push({ windowId, action: 'invalid', detail: `${loaded?.problems.length ?? 0} problem(s); run mw validate` });
      continue;
    }
    const plan = planWindow(loaded.window, { recommend: false });
    const startAt = plan.start.epochMs - START_LEAD_MINUTES * 60_000;
    const endAt = plan.budget?.deadline.epochMs ?? plan.end.epochMs;
    if (now < startAt) {
      decisions.push({ windowId, action: 'not-due', detail: `starts ${new Date(startAt).toISOString()}` });
      continue;
    }
    const instanceId = InstanceIds.window(windowId);
    const existing = await deps.durable.getStatus(instanceId);
    if (existing) {
      decisions.push({ windowId, action: ['Running', 'Pending', 'Suspended', 'ContinuedAsNew'].includes(existing.runtimeStatus) ? 'running' : 'already-ran', detail: existing.runtimeStatus });
      continue;
    }
    if (now >= endAt) {
      decisions.push({ windowId, action: 'missed', detail: `its budget ended ${new Date(endAt).toISOString()}` });
      continue;
    }
    const input: WindowInput = { windowId, startedBy: 'scheduler', mode: 'scheduled' };
    try {
      await deps.durable.startNew(Orchestrations.window, instanceId, input);
      decisions.push({ windowId, action: 'started' });
    } catch (error) {
      if ((error as Error).name !== 'AlreadyStartedError') throw error;
      decisions.push({ windowId, action: 'running', detail: 'started by a concurrent fire' });
    }
  }
  return decisions;
}
