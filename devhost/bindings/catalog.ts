/**
 * The bindings this host honours. Anything else is refused when the app loads, naming
 * the function and the binding: a binding the host would silently drop (a Twilio SMS,
 * a queue message) makes an app look right locally and behave differently on Azure.
 */
import type { CoreBinding, FunctionRegistry } from '../core/functionsCore';
import { parseBlobPath } from './blobOutput';

const TRIGGERS = ['httpTrigger', 'timerTrigger', 'orchestrationTrigger', 'activityTrigger', 'entityTrigger'];
const INPUTS = ['durableClient', 'orchestrationClient'];
/** Output binding types written after a successful invocation (see outputs.ts). */
export const WRITTEN_OUTPUTS = ['blob'];

const lower = (list: string[]): Set<string> => new Set(list.map((t) => t.toLowerCase()));
const TRIGGER_SET = lower(TRIGGERS);
const INPUT_SET = lower(INPUTS);
const OUTPUT_SET = lower(WRITTEN_OUTPUTS);

/** Why a binding cannot be honoured here, or undefined when it can. */
function problem(fnName: string, triggerType: string, name: string, b: CoreBinding): string | undefined {
  const type = String(b.type);
  const t = type.toLowerCase();
  const label = `function '${fnName}': binding '${name}' (type '${type}', direction '${b.direction}')`;
  if (/trigger$/i.test(type)) return TRIGGER_SET.has(t) ? undefined : `${label}: this trigger is not run by the local host.`;
  if (b.direction === 'in') return INPUT_SET.has(t) ? undefined : `${label}: input bindings other than the durable client are not provided by the local host.`;
  if (t === 'http') return triggerType === 'httptrigger' ? undefined : `${label}: an HTTP output needs an HTTP trigger.`;
  if (!OUTPUT_SET.has(t)) return `${label}: the local host writes only ${WRITTEN_OUTPUTS.join(', ')} and HTTP outputs.`;
  if (triggerType === 'orchestrationtrigger' || triggerType === 'entitytrigger') {
    return `${label}: orchestrator and entity functions cannot use output bindings (their return value belongs to the Durable extension).`;
  }
  if (t === 'blob') {
    if (typeof b.path !== 'string' || b.path === '') return `${label}: 'path' is required ('container/blob').`;
    try {
      parseBlobPath(b.path, label);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return undefined;
}

/**
 * Throw one error listing every binding the host cannot honour (triggers it does not run,
 * inputs it does not provide, outputs it does not write).
 */
export function assertSupportedBindings(registry: FunctionRegistry): void {
  const problems: string[] = [];
  for (const fn of registry.functions.values()) {
    const triggerType = fn.trigger.type.toLowerCase();
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      const p = problem(fn.name, triggerType, name, binding);
      if (p) problems.push(p);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `The local host refuses to load the app rather than drop bindings it cannot honour:\n  - ${problems.join('\n  - ')}\n` +
        `Supported: triggers ${TRIGGERS.join(', ')}; inputs ${INPUTS.join(', ')}; outputs http, ${WRITTEN_OUTPUTS.join(', ')}.`,
    );
  }
}
