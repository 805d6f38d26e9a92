import type { SandboxResponse } from '../core/types';

/** Slack reports method errors as HTTP 200 `{ ok: false, error }`; the SDK turns them into WebAPIPlatformError. */
export function slackError(error: string, extra: Record<string, unknown> = {}): SandboxResponse {
  return { status: 200, body: { ok: false, error, ...extra } };
}

/** Slack's 429: `Retry-After` in seconds and `{ ok: false, error: 'ratelimited' }`. */
export function slackRateLimited(retryAfterSeconds: number): SandboxResponse {
  return { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) }, body: { ok: false, error: 'ratelimited' } };
}
