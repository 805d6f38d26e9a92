import { TransientVendorError } from '../ports/operations';
import type { Failure } from '../orchestrations/contracts';

/** HTTP statuses worth another try (durable retry policies take it from there). */
const TRANSIENT_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** True for failures a retry may fix: outages, throttling, conflicts with a concurrent operation. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientVendorError) return true;
  const e = error as { statusCode?: number; status?: number; code?: string; name?: string } | undefined;
  if (!e) return false;
  const status = e.statusCode ?? e.status;
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return true;
  if (e.code && (TRANSIENT_CODES.has(e.code) || e.code === 'AnotherOperationInProgress' || e.code === 'RetryableErrorDueToAnotherOperation')) return true;
  return e.name === 'AbortError' || e.name === 'TimeoutError';
}

/**
 * Runs an activity body: transient errors are rethrown for the durable retry policy,
 * permanent ones become `{ ok: false }` so the orchestrator decides, with the class intact.
 */
export async function outcome<T extends object>(body: () => Promise<T>): Promise<({ ok: true } & T) | Failure> {
  try {
    return { ok: true, ...(await body()) };
  } catch (error) {
    if (isTransient(error)) throw error;
    return failure(error);
  }
}

export function failure(error: unknown): Failure {
  const e = error as { code?: string; name?: string; message?: string };
  return { ok: false, code: String(e?.code ?? e?.name ?? 'Error'), message: String(e?.message ?? error).split('\n')[0]!.slice(0, 500) };
}
