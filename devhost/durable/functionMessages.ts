/**
 * The extension's messages for a function that is not there
 * (DurableTaskExtension.GetInvalidOrchestratorFunctionMessage and its activity and entity
 * siblings), listing the known functions of that kind.
 */
import type { FunctionRegistry } from '../core/functionsCore';

const KINDS = {
  orchestrator: { trigger: 'orchestrationTrigger', label: 'orchestrator' },
  activity: { trigger: 'activityTrigger', label: 'activity' },
  entity: { trigger: 'entityTrigger', label: 'entity' },
} as const;

/** "The function 'X' doesn't exist, is disabled, or is not an orchestrator function. Additional info: ..." */
export function invalidFunctionMessage(registry: FunctionRegistry, name: string, kind: keyof typeof KINDS): string {
  const { trigger, label } = KINDS[kind];
  const known = registry.byTrigger(trigger).map((f) => f.name);
  const info = known.length > 0 ? `The following are the known ${label} functions: '${known.join("', '")}'.` : `No ${label} functions are currently registered!`;
  return `The function '${name}' doesn't exist, is disabled, or is not an ${label} function. Additional info: ${info}`;
}
