/**
 * Status reads at a fixed cost. A window's status takes several storage reads and a call to
 * the orchestration's status; two hundred people polling it must not make two hundred of
 * each per second. However many ask, a window's status is computed at most once at a time
 * and the answer reused for `maxAgeInMs`; a reader that must see the latest state (an agent
 * acting on it, as a rehearsal's people do) asks with `Cache-Control: no-cache`.
 */
import type { ApiResponse } from './windows';

/** Options for {@link StatusCache}. */
export interface StatusCacheOptions {
  /** How long an answer is reused (default 1000 ms). */
  maxAgeInMs?: number;
  /** Windows remembered at once; the oldest goes first (default 256). */
  maxEntries?: number;
  /** Real time in ms (tests pass their own). */
  nowMs?: () => number;
}

/** One answer per window, shared by every reader within its age. Treat what it returns as read-only. */
export class StatusCache {
  private readonly entries = new Map<string, { startedAt: number; answer: Promise<ApiResponse> }>();
  private readonly maxAgeInMs: number;
  private readonly maxEntries: number;
  private readonly nowMs: () => number;

  constructor(options: StatusCacheOptions = {}) {
    this.maxAgeInMs = options.maxAgeInMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 256;
    this.nowMs = options.nowMs ?? (() => Date.now());
    if (!(this.maxAgeInMs >= 0)) throw new RangeError(`maxAgeInMs: expected 0 or more, got ${String(options.maxAgeInMs)}`);
    if (!(this.maxEntries >= 1)) throw new RangeError(`maxEntries: expected 1 or more, got ${String(options.maxEntries)}`);
  }

  /**
   * The status of `windowId`: the shared answer when one was started within the age (still
   * running or done), else a new one. `fresh` always computes one that starts now (and
   * shares it with the readers after it).
   */
  get(windowId: string, compute: () => Promise<ApiResponse>, fresh = false): Promise<ApiResponse> {
    const now = this.nowMs();
    const hit = this.entries.get(windowId);
    if (hit && !fresh && now - hit.startedAt < this.maxAgeInMs) return hit.answer;
    const answer = compute();
    const entry = { startedAt: now, answer };
    this.entries.delete(windowId);
    this.entries.set(windowId, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    // A failure is nobody's answer: the next reader tries again.
    answer.catch(() => {
      if (this.entries.get(windowId) === entry) this.entries.delete(windowId);
    });
    return answer;
  }
}

/** Whether the request asks for the latest state (`Cache-Control: no-cache`, or `max-age=0`). */
export function wantsFresh(headers: { get(name: string): string | null }): boolean {
  return /(^|,)\s*(no-cache|max-age=0)\s*(,|$)/i.test(headers.get('cache-control') ?? '');
}

/** Bodies serialized once per shared answer: the status is 30 KB of JSON, written for every poller otherwise. */
const serialized = new WeakMap<object, Buffer>();

/**
 * The same answer with its JSON body already serialized (UTF-8 bytes kept per shared answer,
 * so a reused answer is written once, not per reader); `content-type` as the Functions library
 * sets it for `jsonBody`. Answers without an object body are returned as they are.
 */
export function serializedOnce(response: ApiResponse): ApiResponse {
  const json = response.jsonBody;
  if (json === null || typeof json !== 'object') return response;
  let bytes = serialized.get(json);
  if (!bytes) serialized.set(json, (bytes = Buffer.from(JSON.stringify(json))));
  const headers = { ...response.headers };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return { status: response.status, headers, body: bytes };
}
