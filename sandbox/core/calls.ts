/** One request as recorded in /_sandbox/calls (bodies redacted). */
export interface CallRecord {
  seq: number;
  listener: string;
  method: string;
  path: string;
  /** The Host header (which machine a request meant, where one listener serves several, e.g. Consul agents). */
  host?: string;
  query: Record<string, string>;
  /** Route pattern that handled it, if any. */
  route?: string;
  status: number;
  /** Virtual time of arrival (ISO). */
  time: string;
  /** Real wall-clock time of arrival (ISO), to order retries that share a virtual instant. */
  realTime: string;
  /** Id of the fault that answered instead of the service, if one did. */
  faultId?: string;
  /** The connection was reset instead of answered: 'before' (not applied) or 'after' (applied, reply lost; `status` is the one lost). */
  reset?: 'before' | 'after';
  /** Whether an Authorization header was present (its value is never recorded). */
  authorized: boolean;
  /** Request body with secret-looking fields redacted. */
  body?: unknown;
  /** The vendor spec operation that covers the call (sandbox/specs), when contracts are checked. */
  operation?: string;
  spec?: string;
  /** Where the request or the response broke the vendor's spec. */
  violations?: { where: 'request' | 'response'; operation: string; field: string; rule: string }[];
}

/** Filter for {@link CallLog.list}; every field optional. */
export interface CallFilter {
  listener?: string;
  method?: string;
  /** Substring or glob (`*`) matched against the path, case-insensitively. */
  path?: string;
  since?: number;
}

/** Field names whose string values are never recorded. */
const SECRET_KEY = /(secret|password|passwd|token|apikey|api_key|authorization|credential|private|^value$|^key$|^pat$)/i;

export const REDACTED = '[redacted]';

/**
 * Replaces string values of secret-looking fields (and nested ones) with a marker. Arrays and
 * objects under such names are walked, not dropped, so ARM `value: [...]` lists stay readable.
 */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') ? REDACTED : redact(v);
    }
    return out;
  }
  return value;
}

/** Converts a glob (`*` = anything) to an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** In-memory call log, bounded so a long rehearsal cannot exhaust memory. */
export class CallLog {
  private records: CallRecord[] = [];
  private seq = 0;

  constructor(private readonly limit = 20000) {}

  /** Appends a record (its seq is assigned here). */
  add(record: Omit<CallRecord, 'seq'>): CallRecord {
    const full = { seq: ++this.seq, ...record };
    this.records.push(full);
    // Trimmed a tenth at a time: trimming one record per call moved the whole array on every call.
    if (this.records.length > this.limit + Math.ceil(this.limit / 10)) this.records.splice(0, this.records.length - this.limit);
    return full;
  }

  /** Records matching `filter`, oldest first. */
  list(filter: CallFilter = {}): CallRecord[] {
    const pathRe = filter.path === undefined ? undefined : filter.path.includes('*') ? globToRegExp(filter.path) : undefined;
    const kept = this.records.length > this.limit ? this.records.slice(-this.limit) : this.records;
    return kept.filter(
      (r) =>
        (filter.listener === undefined || r.listener === filter.listener) &&
        (filter.method === undefined || r.method.toUpperCase() === filter.method.toUpperCase()) &&
        (filter.since === undefined || r.seq > filter.since) &&
        (filter.path === undefined || (pathRe ? pathRe.test(r.path) : r.path.toLowerCase().includes(filter.path.toLowerCase()))),
    );
  }

  /** Forgets every record (seq keeps counting so `since` stays meaningful). */
  clear(): void {
    this.records = [];
  }
}
