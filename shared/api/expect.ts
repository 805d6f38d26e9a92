import type { StepRecord } from '../store/windowStore';
import type { RunbookStep } from '../window/runbook';

/**
 * A step against the seed's time for it (`expect:`): when it began, or, not begun yet, now. Late
 * is the minutes past that time; nothing when the step has no `expect:` or is on time.
 */
export function expectation(step: RunbookStep, record: StepRecord | undefined, nowMs: number): { expectedBy?: string; lateMinutes?: number; lateBecause?: string } {
  if (!step.expectBy) return {};
  const due = Date.parse(step.expectBy);
  const begun = record?.startedAt ? Date.parse(record.startedAt) : undefined;
  const closed = record && ['done', 'failed', 'not-doing', 'deferred', 'blocked', 'aborted'].includes(record.state);
  const at = begun ?? (closed ? undefined : nowMs);
  const late = at !== undefined ? Math.floor((at - due) / 60_000) : 0;
  return { expectedBy: step.expectBy, ...(late > 0 ? { lateMinutes: late, ...(step.expectLateBecause ? { lateBecause: step.expectLateBecause } : {}) } : {}) };
}
