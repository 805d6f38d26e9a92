import type { RunbookStep } from './contracts';

/**
 * The time budget at run time, as pure functions of the runbook, the states and what steps took
 * (orchestrators call them; no clock here). A step fits when it, and what must follow it, can be
 * done by the window's end; followers that may be deferred are left out, since they can make room.
 */

const MINUTE = 60_000;

/**
 * Steps the budget holds back. Not those that put things back (a page down, alerts back on, a
 * take-down's restore: the window must not end with them undone for want of time) and not notices.
 */
export function heldToBudget(step: RunbookStep): boolean {
  const spec = step.spec;
  if (spec.kind === 'notify') return false;
  if (spec.kind === 'maintenance-page' && spec.action === 'down') return false;
  if (spec.kind === 'alerts' && spec.action === 'resume') return false;
  if (spec.kind === 'takedown' && spec.action === 'restore') return false;
  return true;
}

/** A step's estimate in this run: measured from another step when it says so and that one has ended. */
export function estimateOf(step: RunbookStep, tookMinutes: ReadonlyMap<string, number>): number {
  const measured = step.estimateFrom ? tookMinutes.get(step.estimateFrom.step) : undefined;
  return measured !== undefined ? Math.ceil(measured * step.estimateFrom!.factor) : step.estimateMinutes;
}

/**
 * Minutes from `stepId` starting at `startMs` until it and every step that waits for it, directly
 * or not, can be done: each follower starts when the last of its followed steps inside this set
 * ends (or at its own not-before time), runs its estimate. Deferrable followers and steps already
 * settled are left out.
 */
export function minutesNeeded(steps: RunbookStep[], stepId: string, startMs: number, tookMinutes: ReadonlyMap<string, number>, settled: (id: string) => boolean): number {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const inSet = new Set([stepId]);
  const ends = new Map<string, number>();
  const self = byId.get(stepId)!;
  ends.set(stepId, startMs + estimateOf(self, tookMinutes) * MINUTE);
  let end = ends.get(stepId)!;
  // Steps come in dependency order, so every followed step is placed before its followers.
  for (const step of steps) {
    if (step.id === stepId || settled(step.id)) continue;
    const inside = step.deps.filter((d) => inSet.has(d));
    if (inside.length === 0) continue;
    inSet.add(step.id);
    const start = Math.max(...inside.map((d) => ends.get(d)!), step.notBefore ? Date.parse(step.notBefore) : 0);
    // A deferrable follower can give its time back, and a skipped one takes none; what follows them still counts.
    const takes = step.deferrable || step.skip !== undefined ? 0 : estimateOf(step, tookMinutes);
    const finish = start + takes * MINUTE;
    ends.set(step.id, finish);
    end = Math.max(end, finish);
  }
  return Math.ceil((end - startMs) / MINUTE);
}

/** The approval gate a step that no longer fits asks, when it may not be deferred: one of the budget's approvers. */
export function overrunGate(approvers: { role: string; approvers: string[] }, channels: string[], message: string) {
  return {
    kind: 'approval' as const,
    roles: [{ role: approvers.role, quorum: 1, approvers: approvers.approvers }],
    timeoutMinutes: OVERRUN_ANSWER_MINUTES,
    onTimeout: 'reject' as const,
    maxEscalations: 0,
    channels,
    message,
  };
}

/** How long an overrun question waits before the step is deferred. */
export const OVERRUN_ANSWER_MINUTES = 30;
