import type { Clock } from '../clock';
import type { ChatClient } from '../ports/chat';
import type { WindowStore } from '../store/windowStore';
import type { WindowInput } from '../orchestrations/contracts';
import { InstanceIds, Orchestrations } from '../orchestrations/names';
import { loadWindowText } from '../window/load';
import { channelsOf } from '../window/runbook';
import { formatZoneTime, planWindow } from '../window/plan';
import type { WindowSource } from '../window/source';
import type { WindowDef } from '../window/schema';
import { PREFLIGHT_FROM_HOURS, PREFLIGHT_UNTIL_HOURS } from '../preflight/scheduled';
import { AlreadyStartedError, type OrchestrationControl } from './windows';

/** The window orchestrator starts this long before the first step (it posts the start notice, steps wait on their own times). */
export const START_LEAD_MINUTES = 30;

/** A window is announced this long before its first step: who must be around, when it should end. */
export const HEADS_UP_HOURS = 24;

/** Posts once per window, key and channel, so every five-minute fire may ask again. */
export type Announce = (input: { windowId: string; key: string; channels: string[]; text: string }) => Promise<unknown>;

/**
 * Claim, then post: two fires at once (a duplicate or a catch-up after downtime) post once. A post
 * that fails gives its claim back, so the next fire tries again rather than staying silent.
 */
export function announceOnce(deps: { store: Pick<WindowStore, 'claimMark' | 'clearMark'>; chat: Pick<ChatClient, 'postMessage'> }): Announce {
  return async ({ windowId, key, channels, text }) => {
    for (const channel of channels) {
      const mark = `announce:${key}@${channel}`;
      if (!(await deps.store.claimMark(windowId, mark, 'posting'))) continue;
      try {
        await deps.chat.postMessage(channel, text);
      } catch (error) {
        await deps.store.clearMark(windowId, mark);
        throw error;
      }
    }
  };
}

/** Loaded and planned windows by file and text: every fire re-reads the files, but plans a changed one only. */
const planned = new Map<string, ReturnType<typeof loadWindowText> & { plan?: ReturnType<typeof planWindow> }>();

function loadAndPlan(file: string, text: string): ReturnType<typeof loadWindowText> & { plan?: ReturnType<typeof planWindow> } {
  const key = `${file}\u0000${text}`;
  const hit = planned.get(key);
  if (hit) return hit;
  const loaded = loadWindowText(text, file);
  const out = { ...loaded, ...(loaded.window ? { plan: planWindow(loaded.window, { recommend: false }) } : {}) };
  if (planned.size >= 64) planned.clear();
  planned.set(key, out);
  return out;
}

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
export async function startDueWindows(deps: {
  windows: WindowSource;
  durable: OrchestrationControl;
  clock: Clock;
  announce?: Announce;
  /** The day-before pre-flight, posted to the window's channels once (preflight/scheduled.ts `preflightOnce`). */
  preflight?: (windowId: string, window: WindowDef, channels: string[]) => Promise<unknown>;
}): Promise<ScheduleDecision[]> {
  const now = await deps.clock.now();
  const decisions: ScheduleDecision[] = [];
  for (const { windowId } of await deps.windows.list()) {
    const found = await deps.windows.read(windowId);
    const loaded = found ? loadAndPlan(found.file, found.text) : undefined;
    if (!loaded?.window || !loaded.plan) {
      decisions.push({ windowId, action: 'invalid', detail: `${loaded?.problems.length ?? 0} problem(s); run mw validate` });
      continue;
    }
    const { window, plan } = loaded;
    const startAt = plan.start.epochMs - START_LEAD_MINUTES * 60_000;
    const endAt = plan.budget?.deadline.epochMs ?? plan.end.epochMs;
    const { milestones, failures } = channelsOf(window);
    // The day before: who must be around and when it should end, so nobody learns of it at 7 pm on Saturday.
    // Only before a run exists: a run owns the window's record from then on.
    const at = (ms: number) => [plan.timeZone, ...plan.displayZones].map((z) => formatZoneTime(ms, z)).join(' | ');
    const headsUp = async (): Promise<void> => {
      if (!deps.announce || milestones.length === 0 || now < plan.start.epochMs - HEADS_UP_HOURS * 3_600_000) return;
      const people = [...new Set(Object.values(window.roles).flatMap((r) => r.members))].map((p) => window.people[p]?.name ?? p);
      await deps.announce({
        windowId,
        key: 'heads-up',
        channels: milestones,
        text: `:calendar: ${window.title} starts ${at(plan.start.epochMs)} and should end ${at(plan.end.epochMs)} (${plan.steps.length} steps). People named in it: ${people.join(', ') || 'none'}. Follow it with: mw status ${windowId}`,
      });
    };
    if (now < startAt) {
      await headsUp();
      // The day before, while there is still time to renew a token or put a server back: the pre-flight, beside the heads-up.
      let preflightProblem = '';
      const dayBefore = now >= plan.start.epochMs - PREFLIGHT_FROM_HOURS * 3_600_000 && now < plan.start.epochMs - PREFLIGHT_UNTIL_HOURS * 3_600_000;
      if (deps.preflight && dayBefore && milestones.length > 0) {
        try {
          await deps.preflight(windowId, window, milestones);
        } catch (error) {
          preflightProblem = `; pre-flight not posted: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      decisions.push({ windowId, action: 'not-due', detail: `starts ${new Date(startAt).toISOString()}${preflightProblem}` });
      continue;
    }
    const instanceId = InstanceIds.window(windowId);
    const existing = await deps.durable.getStatus(instanceId);
    if (existing && ['Running', 'Pending', 'Suspended', 'ContinuedAsNew'].includes(existing.runtimeStatus)) {
      decisions.push({ windowId, action: 'running', detail: existing.runtimeStatus });
      continue;
    }
    // A run started within a day of the window (by hand, early, or by an earlier fire) is its run; one
    // from before that (a rehearsal days ahead in the same task hub) is not, and the window starts on time.
    const earlier = existing?.createdTime !== undefined && Date.parse(existing.createdTime) < plan.start.epochMs - HEADS_UP_HOURS * 3_600_000;
    if (existing && !earlier) {
      decisions.push({ windowId, action: 'already-ran', detail: existing.runtimeStatus });
      continue;
    }
    if (now >= endAt) {
      // Loud, once: a window that never ran (the app was down, the schedule was off) is news.
      if (deps.announce && failures.length > 0) {
        await deps.announce({ windowId, key: 'missed', channels: failures, text: `:rotating_light: ${window.title} did not start: its time ended ${at(endAt)} and no run exists. Start it by hand or reschedule it.` });
      }
      decisions.push({ windowId, action: 'missed', detail: `its budget ended ${new Date(endAt).toISOString()}` });
      continue;
    }
    // A fire inside the lead time with no heads-up yet (the app was down the day before) still gives one.
    await headsUp();
    const input: WindowInput = { windowId, startedBy: 'scheduler', mode: 'scheduled', revision: found!.revision };
    try {
      await deps.durable.startNew(Orchestrations.window, instanceId, input);
      decisions.push({ windowId, action: 'started' });
    } catch (error) {
      if (!(error instanceof AlreadyStartedError)) throw error;
      decisions.push({ windowId, action: 'running', detail: 'started by a concurrent fire' });
    }
  }
  return decisions;
}
