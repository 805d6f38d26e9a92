import { z } from 'zod';
import { globToRegExp } from './calls';
import { seededRandom } from '../../shared/random';

/** An HTTP fault injected by listener + method + path pattern (POST /_sandbox/faults). */
export const HttpFaultSpec = z
  .object({
    /** Listener name ('arm', 'slack', ...) or '*' for all. */
    listener: z.string().min(1).default('*'),
    /** HTTP method or '*'. */
    method: z.string().min(1).default('*'),
    /** Glob on the request path (`*` matches anything, including '/'), case-insensitive. */
    path: z.string().min(1).default('*'),
    /** Chance that a matching request is faulted, drawn from the seeded RNG. */
    probability: z.number().min(0).max(1).default(1),
    /** Status to answer with; omit for a latency-only fault. */
    status: z.number().int().min(100).max(599).optional(),
    /** Response body; the listener's vendor error shape is used when omitted. */
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** Retry-After header, seconds. */
    retryAfter: z.number().int().min(0).optional(),
    /** Real milliseconds to wait before answering (or before passing the request on). */
    latencyMs: z.number().int().min(0).max(120000).optional(),
    /** How many times the fault may fire; unlimited when omitted. */
    count: z.number().int().positive().optional(),
    /**
     * Fire on every Nth matching request only (the Nth, 2Nth, ...), counting only requests this
     * fault matches; `probability` still applies to those.
     */
    every: z.number().int().positive().optional(),
    /**
     * Reset the connection (TCP RST) instead of answering: 'before' drops the request unapplied,
     * 'after' applies it (state, call log, persistence) and then loses the reply.
     */
    reset: z.enum(['before', 'after']).optional(),
  })
  .strict()
  .refine((f) => f.status !== undefined || f.latencyMs !== undefined || f.reset !== undefined, { message: 'a fault needs a status, a reset or a latencyMs', path: ['status'] })
  .refine((f) => f.status === undefined || f.reset === undefined, { message: 'a fault answers with a status or resets the connection, not both', path: ['reset'] });
export type HttpFaultSpec = z.infer<typeof HttpFaultSpec>;

/** An active fault with its bookkeeping. */
export interface ActiveFault extends HttpFaultSpec {
  id: string;
  fired: number;
  /** Requests this fault matched (for `every`). */
  matched: number;
}


/** The fault that fires for one request, if any. */
export interface FaultDecision {
  fault: ActiveFault;
}

/** Holds the active HTTP faults and decides, per request, whether one fires. */
export class FaultTable {
  private faults: ActiveFault[] = [];
  private random: () => number;
  private counter = 0;

  constructor(private seed = 1) {
    this.random = seededRandom(seed);
  }

  /** Adds a fault; returns it with its id. */
  add(spec: HttpFaultSpec): ActiveFault {
    const fault = { ...spec, id: `fault-${++this.counter}`, fired: 0, matched: 0 };
    this.faults.push(fault);
    return fault;
  }

  /** Re-seeds the RNG (POST /_sandbox/faults with `seed`). */
  reseed(seed: number): void {
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  /** Removes one fault by id; false when unknown. */
  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  /** Removes every fault and restarts the RNG from its seed. */
  clear(): void {
    this.faults = [];
    this.random = seededRandom(this.seed);
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The first matching fault that fires for this request (consuming its count), if any. */
  decide(listener: string, method: string, path: string): FaultDecision | undefined {
    for (const fault of this.faults) {
      if (fault.count !== undefined && fault.fired >= fault.count) continue;
      if (fault.listener !== '*' && fault.listener !== listener) continue;
      if (fault.method !== '*' && fault.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!globToRegExp(fault.path).test(path)) continue;
      fault.matched++;
      if (fault.every !== undefined && fault.matched % fault.every !== 0) continue;
      // Draw only for matching requests so one route's traffic does not shift another's pattern.
      if (fault.probability < 1 && this.random() >= fault.probability) continue;
      fault.fired++;
      return { fault };
    }
    return undefined;
  }
}

const REASONS: Record<number, { code: string; message: string }> = {
  400: { code: 'BadRequest', message: 'Injected fault: bad request.' },
  404: { code: 'NotFound', message: 'Injected fault: not found.' },
  409: { code: 'Conflict', message: 'Injected fault: conflict.' },
  429: { code: 'TooManyRequests', message: 'Injected fault: too many requests.' },
  500: { code: 'InternalServerError', message: 'Injected fault: internal server error.' },
  502: { code: 'BadGateway', message: 'Injected fault: bad gateway.' },
  503: { code: 'ServiceUnavailable', message: 'Injected fault: service unavailable.' },
  504: { code: 'GatewayTimeout', message: 'Injected fault: gateway timeout.' },
};

/**
 * The body an injected fault sends when the spec gives none: each vendor's own error shape, so
 * the SDK under test parses it the way it parses the real service's errors.
 */
export function defaultFaultBody(listener: string, status: number): unknown {
  const reason = REASONS[status] ?? { code: `Status${status}`, message: `Injected fault: HTTP ${status}.` };
  switch (listener) {
    case 'slack':
      return { ok: false, error: status === 429 ? 'ratelimited' : 'fatal_error' };
    case 'cloudflare':
      return { success: false, errors: [{ code: 10000 + status, message: reason.message }], messages: [], result: null };
    case 'login':
      return { error: status >= 500 ? 'temporarily_unavailable' : 'invalid_request', error_description: reason.message };
    case 'devops':
      return { $id: '1', message: reason.message, typeKey: reason.code, errorCode: 0, eventId: 3000 };
    default:
      return { error: reason };
  }
}
