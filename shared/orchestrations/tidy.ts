import type { OrchestrationContext, Task } from 'durable-functions';
import type { Outcome, Runbook } from './contracts';
import { Activities } from './names';
import { RetryPolicies } from './retry';

/** A run command tidy-up that did not finish on one VM: a warning for the summary, never a failure. */
export interface TidyWarning {
  vm: string;
  message: string;
}

const VM_ID = /\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+$/i;

/** Every VM id the runbook's steps name (servers to patch, script, recycle or validate on), once each. */
export function runbookVms(runbook: Runbook): string[] {
  const found = new Map<string, string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key !== 'vmId') walk(v);
        else if (typeof v === 'string' && VM_ID.test(v) && !found.has(v.toLowerCase())) found.set(v.toLowerCase(), v);
      }
    }
  };
  for (const step of runbook.steps) walk(step.spec);
  return [...found.values()];
}

/**
 * Machines a take-down runs commands on by name (its workers and scheduled-task box), once each:
 * the activity finds their VMs in configuration (`MW_WINDOWS_VMS`, `MW_WINDOWS_VM_ID_TEMPLATE`).
 */
export function runbookHosts(runbook: Runbook): string[] {
  const found = new Map<string, string>();
  for (const step of runbook.steps) {
    if (step.spec.kind !== 'takedown') continue;
    const e = step.spec.estate;
    for (const node of [...e.workers.map((w) => w.node), ...(e.scheduledTasks ? [e.scheduledTasks.node] : [])]) if (!found.has(node.toLowerCase())) found.set(node.toLowerCase(), node);
  }
  return [...found.values()];
}

/** VMs one tidy activity takes, one after another: a 1,000-server window adds 40 activities to its history, not 1,000. */
export const TIDY_CHUNK = 25;

/** One tidy activity's answer: each VM's outcome (shared/activities/estate.ts). */
type TidyAnswer = { ok: true; vms: ({ vmId: string } & Outcome<object>)[] };

/**
 * After the restore walk: activities of up to {@link TIDY_CHUNK} VMs each delete the window's finished run commands (managed
 * run commands stay on the VM until deleted; docs/idempotency.md). Run on every VM server of the
 * runbook, whether or not a step ran a script there (a list is cheap; a leftover from an earlier
 * run of the window goes too). Whatever goes wrong comes back as warnings naming the VM.
 */
export function* tidyRunCommands(context: OrchestrationContext, runbook: Runbook): Generator<Task, TidyWarning[], unknown> {
  // VM ids first, then take-down machines by name: chunks of TIDY_CHUNK of both together.
  const targets = [...runbookVms(runbook).map((vmId) => ({ vmId })), ...runbookHosts(runbook).map((node) => ({ node }))];
  if (targets.length === 0) return [];
  const nameOf = (vmId: string): string => vmId.split('/').pop() ?? vmId;
  try {
    const chunks: (typeof targets)[] = [];
    for (let i = 0; i < targets.length; i += TIDY_CHUNK) chunks.push(targets.slice(i, i + TIDY_CHUNK));
    const inputOf = (chunk: typeof targets) => {
      const vmIds = chunk.flatMap((t) => ('vmId' in t ? [t.vmId] : []));
      const nodes = chunk.flatMap((t) => ('node' in t ? [t.node] : []));
      return { windowId: runbook.windowId, vmIds, ...(nodes.length > 0 ? { nodes } : {}) };
    };
    const answers = (yield context.df.Task.all(chunks.map((chunk) => context.df.callActivityWithRetry(Activities.tidyRunCommands, RetryPolicies.vendorRead(), inputOf(chunk))))) as TidyAnswer[];
    return answers.flatMap((a) => a.vms.flatMap((o) => (o.ok ? [] : [{ vm: nameOf(o.vmId), message: o.message }])));
  } catch (error) {
    const message = String((error as Error).message ?? error).split('\n')[0]!.slice(0, 200);
    return targets.map((t) => ({ vm: 'vmId' in t ? nameOf(t.vmId) : t.node, message }));
  }
}
