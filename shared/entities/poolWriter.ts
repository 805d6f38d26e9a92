/**
 * A lease on one gateway or load balancer: whole-object PUTs conflict when two land
 * at once, so every pool write in the app holds this lease first. One operation at a
 * time per entity makes acquire/release atomic; the expiry frees a lease whose holder
 * crashed. Time comes from the caller (orchestration time), never the clock here.
 */
export interface LeaseState {
  owner?: string;
  untilMs?: number;
  /** Writers served, for the status page and tests. */
  grants: number;
}

export type LeaseOperation =
  | { name: 'acquire'; input: { owner: string; nowMs: number; ttlMs: number } }
  | { name: 'release'; input: { owner: string } }
  | { name: 'get'; input?: undefined };

export function applyLeaseOperation(state: LeaseState | undefined, op: LeaseOperation): { state: LeaseState; result: unknown } {
  const current: LeaseState = state ?? { grants: 0 };
  switch (op.name) {
    case 'acquire': {
      const free = !current.owner || current.owner === op.input.owner || (current.untilMs ?? 0) <= op.input.nowMs;
      if (!free) return { state: current, result: false };
      const granted = current.owner !== op.input.owner;
      return { state: { owner: op.input.owner, untilMs: op.input.nowMs + op.input.ttlMs, grants: current.grants + (granted ? 1 : 0) }, result: true };
    }
    case 'release':
      if (current.owner !== op.input.owner) return { state: current, result: false };
      return { state: { grants: current.grants }, result: true };
    case 'get':
      return { state: current, result: current };
  }
}
