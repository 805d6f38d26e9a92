import { overrunGate } from '../orchestrations/budget';
import type { Runbook, RunbookStep } from '../window/runbook';

/**
 * The approval gate a step id names: an `approval` step, or a step that may not be deferred
 * asking one of `budget.approvers` whether it runs past the budget (the same gate the step
 * orchestrator opens, so the same approver rules apply to both).
 */
export function gateOf(runbook: Runbook, stepId: string | undefined): (RunbookStep & { spec: Extract<RunbookStep['spec'], { kind: 'approval' }> }) | undefined {
  const step = runbook.steps.find((s) => s.id === stepId);
  if (!step) return undefined;
  if (step.spec.kind === 'approval') return step as RunbookStep & { spec: Extract<RunbookStep['spec'], { kind: 'approval' }> };
  if (!runbook.budgetEndsAt || !runbook.budgetApprovers || step.deferrable) return undefined;
  return { ...step, spec: overrunGate(runbook.budgetApprovers, runbook.channels.milestones, `${step.title} runs past the budget`) };
}
