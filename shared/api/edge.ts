import type { ApiResponse } from './windows';

/**
 * The API's front edge, before any handler: route values, body size and content type. Azure's
 * own limit is 100 MB per request (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT), far more than any
 * answer, tick or window file needs, so the app sets its own and says so with a 413.
 */

/** The largest body any route takes: a window file being published (its own cap is 1 MB of text, JSON-escaped). */
export const MAX_BODY_BYTES = 2_000_000;

/** Route values are ids as the window language writes them (letters, digits, "-", "_", "."). */
const ROUTE_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface EdgeRequest {
  params: Record<string, string | undefined>;
  method: string;
  contentType: string | null;
  bodyBytes: number;
  /** What the route takes: JSON (the API) or a Slack form post. */
  accepts: 'json' | 'form';
}

/** Undefined when the request may go on to its handler; otherwise the 4xx that says why. */
export function checkEdge(req: EdgeRequest): ApiResponse | undefined {
  for (const [name, value] of Object.entries(req.params)) {
    if (value === undefined) continue;
    if (!ROUTE_VALUE.test(value)) {
      return refuse(400, 'InvalidParameter', `${name}: "${printable(value)}" is not an id (letters, digits, "-", "_" and ".", at most 128)`, name);
    }
  }
  if (req.bodyBytes > MAX_BODY_BYTES) return refuse(413, 'PayloadTooLarge', `the body is ${req.bodyBytes} bytes; this API takes at most ${MAX_BODY_BYTES}`, '(body)');
  if (req.method !== 'GET' && req.bodyBytes > 0) {
    const type = (req.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const wanted = req.accepts === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    if (type !== wanted) return refuse(415, 'UnsupportedMediaType', `content-type: send ${wanted}${type ? `, not ${type}` : ''}`, 'content-type');
  }
  return undefined;
}

function printable(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  // Control characters are shown escaped, never echoed raw into a log or a terminal.
  return [...shown].map((c) => (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
}

function refuse(status: number, code: string, message: string, field: string): ApiResponse {
  return { status, jsonBody: { error: { code, message, field } } };
}
