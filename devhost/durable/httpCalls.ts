/**
 * Durable HTTP (`context.df.callHttp`), as the Durable extension runs it:
 *
 * - The orchestrator's CallHttp action becomes an activity named `BuiltIn::HttpActivity`
 *   whose input is `[DurableHttpRequest]` (DurableOrchestrationContext.ScheduleDurableHttpActivityAsync,
 *   HttpOptions.HttpTaskActivityReservedName).
 * - While the response is 202 and the request enables the asynchronous pattern, a timer
 *   waits `Retry-After` seconds (else httpSettings.defaultAsyncRequestSleepTimeMilliseconds,
 *   30 s) from the orchestration's current time, then the `Location` is polled with GET,
 *   the original headers less `x-functions-key`, the same token source and timeout
 *   (CallHttpAsync, CreateLocationPollRequest). The JS library mirrors this loop in
 *   CallHttpWithPollingTask so both sides allocate the same sequence numbers.
 * - The activity sends the request and returns `DurableHttpResponse` JSON: statusCode,
 *   the response headers (not the content headers), content as text
 *   (TaskHttpActivityShim, DurableHttpResponse.CreateDurableHttpResponseWithHttpResponseMessage).
 */

export const HTTP_ACTIVITY = 'BuiltIn::HttpActivity';
/** DurableTaskOptions.HttpSettings.DefaultAsyncRequestSleepTimeMilliseconds. */
export const DEFAULT_ASYNC_SLEEP_MS = 30_000;

type Headers = Record<string, string | string[]>;

/** DurableHttpRequest as the extension serializes it (JsonProperty names, in order). */
export interface DurableHttpRequest {
  method: string;
  uri: string;
  headers: Headers;
  content: string | null;
  tokenSource: { kind?: string; resource?: string; [k: string]: unknown } | null;
  asynchronousPatternEnabled: boolean;
  retryOptions: unknown;
  timeout: string | null;
}

/** DurableHttpResponse as the activity returns it. */
export interface DurableHttpResponse {
  statusCode: number;
  headers: Headers;
  content: string;
}

/** The JS library's `httpRequest` of a CallHttp action, in the extension's shape; errors say what is wrong. */
export function normalizeHttpRequest(raw: unknown): DurableHttpRequest {
  if (!raw || typeof raw !== 'object') throw new TypeError('CallHttp action has no httpRequest.');
  const r = raw as Record<string, unknown>;
  if (typeof r.uri !== 'string' || r.uri === '') throw new TypeError('callHttp: the request has no url.');
  return {
    method: typeof r.method === 'string' && r.method !== '' ? r.method.toUpperCase() : 'GET',
    uri: r.uri,
    headers: (r.headers && typeof r.headers === 'object' ? r.headers : {}) as Headers,
    content: typeof r.content === 'string' ? r.content : null,
    tokenSource: (r.tokenSource && typeof r.tokenSource === 'object' ? r.tokenSource : null) as DurableHttpRequest['tokenSource'],
    asynchronousPatternEnabled: r.asynchronousPatternEnabled !== false,
    retryOptions: r.retryOptions ?? null,
    timeout: typeof r.timeout === 'string' ? r.timeout : null,
  };
}

function header(headers: Headers, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return undefined;
  const v = headers[key];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * After an HTTP activity completed: poll again (with the timer's delay and the next
 * request) or finish. A 202 without `Location` finishes with the 202: the extension's
 * loop faults on the missing key, the out-of-process shim ignores that fault, and the
 * JS library completes the task with the response.
 */
export function nextPoll(original: DurableHttpRequest, resultJson: string | undefined, defaultSleepMs: number): { delayMs: number; request: DurableHttpRequest } | undefined {
  if (!original.asynchronousPatternEnabled || resultJson === undefined) return undefined;
  let response: DurableHttpResponse;
  try {
    response = JSON.parse(resultJson) as DurableHttpResponse;
  } catch {
    return undefined;
  }
  if (response.statusCode !== 202) return undefined;
  const location = header(response.headers ?? {}, 'Location');
  if (!location) return undefined;
  const retryAfter = header(response.headers ?? {}, 'Retry-After');
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  const headers: Headers = {};
  for (const [k, v] of Object.entries(original.headers)) if (k.toLowerCase() !== 'x-functions-key') headers[k] = v;
  return {
    delayMs: seconds !== undefined ? seconds * 1000 : defaultSleepMs,
    // A relative Location is resolved against the request (the extension needs an absolute URI).
    request: { ...original, method: 'GET', uri: new URL(location, original.uri).href, headers, content: null },
  };
}

/** .NET content headers: HttpResponseMessage.Headers does not carry them, so neither does the response. */
const CONTENT_HEADERS = new Set(['allow', 'content-disposition', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'expires', 'last-modified']);

/** `hh:mm:ss[.fff]` or `d.hh:mm:ss` (a serialized TimeSpan) in milliseconds. */
function timeSpanMs(value: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return undefined;
  const [, d, h, mi, s, f] = m;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + (f ? Number(`0.${f}`) * 1000 : 0);
}

/**
 * The built-in HTTP activity: send the request, answer DurableHttpResponse JSON. Throws
 * (the activity fails) for what the extension fails: multipart content, a timeout, a
 * transport error; and for a managed-identity token source, which has no identity to
 * ask for a token here.
 */
export async function runHttpActivity(input: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    throw new Error(`${HTTP_ACTIVITY}: the input is not JSON.`);
  }
  const req = normalizeHttpRequest(Array.isArray(parsed) ? parsed[0] : parsed);
  if (req.tokenSource) {
    throw new Error(
      `callHttp: the token source '${String(req.tokenSource.kind ?? 'unknown')}' (resource '${String(req.tokenSource.resource ?? '')}') is not available locally: ` +
        'the local host has no managed identity to get a token from. Send an Authorization header instead, or call the service from an activity.',
    );
  }
  const headers = new Headers();
  let contentType = '';
  for (const [k, v] of Object.entries(req.headers)) {
    const values = Array.isArray(v) ? v : [v];
    if (k.toLowerCase() === 'content-type') {
      for (const value of values) {
        if (value.includes('multipart')) throw new Error('Multipart content is not supported with CallHttpAsync.');
        contentType = value;
      }
    } else for (const value of values) headers.append(k, value);
  }
  if (req.content !== null) headers.set('content-type', contentType || 'text/plain');
  const timeoutMs = req.timeout ? timeSpanMs(req.timeout) : undefined;
  let response: Response;
  try {
    response = await fetch(req.uri, {
      method: req.method,
      headers,
      body: req.content ?? undefined,
      ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new Error(`The operation was canceled. Reached user specified timeout: ${req.timeout ?? ''}.`);
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new Error(`${req.method} ${req.uri} failed: ${cause ?? (err as Error).message}`);
  }
  const out: Headers = {};
  response.headers.forEach((value, name) => {
    if (CONTENT_HEADERS.has(name) || name === 'set-cookie') return;
    out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies.length === 1 ? (cookies[0] ?? '') : cookies;
  const result: DurableHttpResponse = { statusCode: response.status, headers: out, content: await response.text() };
  return JSON.stringify(result);
}
