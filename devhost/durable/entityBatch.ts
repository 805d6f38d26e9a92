/**
 * One entity batch: invoke the entity function with its state and up to 100 queued operations,
 * and turn its answer into the responses and signals it sends. The hub journals the result.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionRegistry } from '../core/functionsCore';
import { errorMessage, fromTypedData, invokeFunction } from '../core/invoke';
import { EventType, makeEvent } from './history';
import type { EntityData, OutgoingRecord } from './journal';
import type { EntityRequest } from './replay';

/** Parse "@name@key". */
export function parseEntityId(id: string): { name: string; key: string } {
  const pos = id.indexOf('@', 1);
  return { name: id.substring(1, pos), key: id.substring(pos + 1) };
}

/** The batch's new state and messages; `failed` when an operation failed, `errorText` when the whole batch did. */
export interface EntityBatchResult {
  exists: boolean;
  state: string | undefined;
  out: OutgoingRecord[];
  failed: boolean;
  errorText?: string;
}

export async function runEntityBatch(host: { registry: FunctionRegistry; log: (level: string, category: string, message: string) => void }, ent: EntityData, ops: EntityRequest[], now: number): Promise<EntityBatchResult> {
  const { name, key } = parseEntityId(ent.id);
  let outcome: 'succeeded' | 'failed' = 'succeeded';
  let errorText: string | undefined;
    const fn = host.registry.get(name);
    let exists = ent.exists;
    let state = ent.state;
    let results: { isError: boolean; result?: string }[] = [];
    let signals: { target: { name: string; key: string }; name: string; input?: string }[] = [];
    if (!fn || fn.trigger.type !== 'entityTrigger') {
      outcome = 'failed';
      errorText = `The function '${name}' doesn't exist, is disabled, or is not an entity function.`;
      results = ops.map(() => ({ isError: true, result: JSON.stringify(errorText) }));
    } else {
      const binding = { self: { name, key }, exists: ent.exists, state: ent.state, batch: ops.map((o) => ({ id: o.id, name: o.op, signal: o.signal, input: o.input })) };
      const result = await invokeFunction(host.registry, fn, { string: JSON.stringify(binding) }, { log: host.log });
      if (result.error !== undefined) {
        outcome = 'failed';
        errorText = errorMessage(result.error);
        results = ops.map(() => ({ isError: true, result: JSON.stringify(errorText) }));
      } else {
        const r = fromTypedData(result.returnValue) as {
          entityExists: boolean;
          entityState?: string;
          results: { isError: boolean; result?: string }[];
          signals: { target: { name: string; key: string }; name: string; input?: string }[];
        };
        exists = r.entityExists;
        state = r.entityExists ? r.entityState : undefined;
        results = r.results;
        signals = r.signals ?? [];
        if (results.some((x) => x.isError)) outcome = 'failed';
      }
    }
    const out: OutgoingRecord[] = [];
    ops.forEach((op, i) => {
      if (op.signal || !op.parent) return;
      const res = results[i] ?? { isError: false };
      const response: { result?: string; exceptionType?: string } = {};
      if (res.result !== undefined) response.result = res.result;
      if (res.isError) response.exceptionType = 'System.Exception';
      out.push({ k: 'msg', id: op.parent, ev: makeEvent(EventType.EventRaised, now, { Name: op.id, Input: JSON.stringify(response) }) });
    });
    for (const s of signals) {
      const target = `@${s.target.name.toLowerCase()}@${s.target.key}`;
      const req: EntityRequest = { id: randomUUID(), op: s.name, signal: true };
      if (s.input) req.input = s.input;
      out.push({ k: 'ereq', id: target, req, at: now });
    }
  return { exists, state, out, failed: outcome === 'failed', ...(errorText !== undefined ? { errorText } : {}) };
}
