import { ZodError } from 'zod';
import { TransientVendorError } from '../../ports/operations';
import { HttpStatusError } from './https';

/** Socket-level codes that mean "no answer from the vendor at all" (Node, undici and TLS handshake timeouts). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

function codeOf(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The network-level code of an error (its own, or its `cause`'s, as fetch wraps them), when the
 * failure was that the vendor could not be reached or did not answer in time.
 */
export function networkErrorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = codeOf(cur);
    if (code && NETWORK_CODES.has(code)) return code;
    const name = (cur as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return 'ETIMEDOUT';
  }
  return undefined;
}

/** Drops a leading `vendor: ` that the vendor clients' messages already carry. */
function detail(vendor: string, message: string): string {
  return message.startsWith(`${vendor}: `) ? message.slice(vendor.length + 2) : message;
}

/**
 * Maps an error from one of the JSON vendor clients (Pingdom, Mailgun, Consul) to the ports'
 * contract: `TransientVendorError` for 429/5xx (after the client's own retries) and for no answer
 * at all; a plain Error naming the action and the vendor's reason for everything a retry cannot
 * fix. Messages carry the vendor's answer, never a request header, so no credential leaks.
 */
export function toPortError(vendor: string, action: string, e: unknown): Error {
  if (e instanceof TransientVendorError) return e;
  if (e instanceof HttpStatusError) {
    const reason = detail(vendor, e.message);
    return e.transient ? new TransientVendorError(vendor, `could not ${action}: ${reason}`, e.status) : new Error(`${vendor}: could not ${action}: ${reason}`);
  }
  const network = networkErrorCode(e);
  if (network) return new TransientVendorError(vendor, `could not ${action}: no answer (${network})`);
  if (e instanceof ZodError) {
    const issue = e.issues[0];
    return new Error(`${vendor}: could not ${action}: unexpected response (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`);
  }
  return e instanceof Error ? e : new Error(`${vendor}: could not ${action}: ${String(e)}`);
}

/** Runs one vendor call and maps its failure with {@link toPortError}. */
export async function callVendor<T>(vendor: string, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toPortError(vendor, action, e);
  }
}
