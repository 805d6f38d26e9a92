/**
 * Binding expressions in binding properties (e.g. a blob output `path`), resolved per
 * invocation as the Functions host does ("Azure Functions binding expression patterns",
 * learn.microsoft.com/azure/azure-functions/functions-bindings-expressions-patterns):
 * `%Setting%` from app settings, `{name}` from the trigger's binding data (dotted paths
 * reach into JSON payloads), `{rand-guid}` / `{sys.randguid}` a new GUID, and
 * `{DateTime}` / `{sys.utcnow}` the current time (the host's virtual clock here).
 */
import { randomUUID } from 'node:crypto';
import { expandAppSettings } from '../core/settings';

/** Values a trigger offers to binding expressions (route parameters, activity input, ...). */
export type BindingData = Record<string, unknown>;

/** Thrown when an expression names a value the trigger does not provide. */
export class BindingExpressionError extends Error {}

function lookup(data: BindingData, path: string): unknown {
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    // Binding data keys are case-insensitive in the host (StringComparer.OrdinalIgnoreCase).
    const entry = Object.entries(current as Record<string, unknown>).find(([k]) => k.toLowerCase() === part.toLowerCase());
    current = entry?.[1];
  }
  return current;
}

/** `yyyy-MM-ddTHH-mm-ssZ`, the format of `{DateTime}` in the binding-expressions page. */
function dateTimeToken(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Resolve `template` for one invocation. `where` names the function and binding property
 * in errors, so a missing value says which binding asked for it.
 */
export function resolveBindingExpression(template: string, data: BindingData, nowMs: number, where: string): string {
  const withSettings = expandAppSettings(template, process.env, where);
  return withSettings.replace(/\{([^{}]+)\}/g, (_m, raw: string) => {
    const expr = raw.trim();
    const lower = expr.toLowerCase();
    if (lower === 'rand-guid' || lower === 'sys.randguid') return randomUUID();
    if (lower === 'datetime' || lower === 'sys.utcnow') return dateTimeToken(nowMs);
    const value = lookup(data, expr);
    if (value === undefined || value === null) {
      const known = Object.keys(data).join(', ') || 'none';
      throw new BindingExpressionError(`${where}: no value for the binding expression {${expr}} (this trigger provides: ${known}).`);
    }
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
