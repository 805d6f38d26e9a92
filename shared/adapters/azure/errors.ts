import { TransientVendorError } from '../../ports/operations';
import { networkErrorCode } from '../http/errors';

/** The vendor name every Azure adapter reports in its errors. */
export const AZURE = 'azure';

/**
 * ARM error codes that mean "another operation holds this resource, try later": gateways answer
 * concurrent PUTs with these, and a retry after the other operation ends succeeds.
 */
const BUSY_CODES = new Set(['AnotherOperationInProgress', 'RetryableErrorDueToAnotherOperation', 'OperationPreempted', 'ConcurrentRequestConflict']);

/** The fields of a RestError (core-rest-pipeline) or an identity AuthenticationError the mapping reads. */
interface HttpishError {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
}

function httpish(e: unknown): HttpishError | undefined {
  if (!(e instanceof Error)) return undefined;
  // Matched by name: the SDKs may load different copies of core-rest-pipeline, so instanceof is unreliable.
  if (e.name !== 'RestError' && e.name !== 'AuthenticationError') return undefined;
  const { code, statusCode } = e as { code?: unknown; statusCode?: unknown };
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}), ...(typeof statusCode === 'number' ? { statusCode } : {}) };
}

/** True when `e` is an HTTP failure from the SDK pipeline (as opposed to a failed long-running operation). */
export function isHttpError(e: unknown): boolean {
  return httpish(e) !== undefined;
}

/** First line, bounded: ARM messages can be long, and nothing but the service's own words goes in. */
function short(message: string): string {
  return (message.split('\n')[0] ?? '').slice(0, 400);
}

/**
 * Maps an error from an Azure SDK call to the ports' contract. The SDK pipeline has already
 * applied its own retries (429 with Retry-After, 5xx, connection failures), so what reaches us is
 * final: 408/429/5xx, a resource busy with another operation, and no answer at all become
 * {@link TransientVendorError}; anything else is a plain Error naming the action and ARM's code.
 * Messages carry the service's error text only, never a request (its headers or body: a secret
 * value or a token), and the original error is not attached as `cause` for the same reason.
 */
export function toAzurePortError(action: string, e: unknown): Error {
  if (e instanceof TransientVendorError) return e;
  const h = httpish(e);
  if (h) {
    const status = h.statusCode;
    const code = h.code ?? (status !== undefined ? `Status${status}` : 'NoStatus');
    if (status === undefined) {
      // No HTTP answer: a connection failure is worth a retry, a TLS or request-building failure is not.
      const network = networkErrorCode(e);
      if (network) return new TransientVendorError(AZURE, `could not ${action}: no answer (${network})`);
      return Object.assign(new Error(`${AZURE}: could not ${action}: ${code}: ${short(h.message)}`), { code });
    }
    const why = `${status} ${code}: ${short(h.message)}`;
    if (status === 408 || status === 429 || status >= 500 || BUSY_CODES.has(code) || (status === 409 && /in progress/i.test(h.message))) {
      return new TransientVendorError(AZURE, `could not ${action}: ${why}`, status);
    }
    const hint = status === 401 || status === 403 ? ' (check the identity and its role assignments)' : '';
    return Object.assign(new Error(`${AZURE}: could not ${action}: ${why}${hint}`), { code });
  }
  const network = networkErrorCode(e);
  if (network) return new TransientVendorError(AZURE, `could not ${action}: no answer (${network})`);
  if (e instanceof TypeError || e instanceof RangeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new Error(`${AZURE}: could not ${action}: ${short(message)}`);
}

/** Runs one Azure SDK call and maps its failure with {@link toAzurePortError}. */
export async function callAzure<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toAzurePortError(action, e);
  }
}

/** True for a RestError 404 (any ARM code: ResourceNotFound, NotFound, SecretNotFound). */
export function isNotFound(e: unknown): boolean {
  return httpish(e)?.statusCode === 404;
}

/** The ARM error code of an SDK HTTP failure, when it has one. */
export function errorCodeOf(e: unknown): string | undefined {
  return httpish(e)?.code;
}
