/**
 * Optional capabilities a service may add beyond the contract in ./types. The core checks for
 * them at run time, so services that do not need them stay unchanged.
 */
import type { Router } from './types';

/** A service that owns non-HTTP faults (e.g. "this VM's patching always fails"). */
export interface FaultTarget {
  /** Values of `kind` in POST /_sandbox/faults that this service handles, e.g. ['vm']. */
  readonly faultKinds: readonly string[];
  /** Validates and applies one fault; throws a ZodError on bad input. Returns the stored fault with its id. */
  addFault(spec: unknown): { id: string } & Record<string, unknown>;
  removeFault(id: string): boolean;
  clearFaults(): void;
  listFaults(): unknown[];
}

/** True when `service` implements {@link FaultTarget}. */
export function isFaultTarget(service: unknown): service is FaultTarget {
  return (
    typeof service === 'object' &&
    service !== null &&
    Array.isArray((service as Partial<FaultTarget>).faultKinds) &&
    typeof (service as Partial<FaultTarget>).addFault === 'function'
  );
}

/**
 * A service with its own control routes (test and rehearsal levers such as "click this button"),
 * served like the core's /_sandbox routes on every listener. Patterns must start with
 * `/_sandbox/<service name>/` so services cannot shadow the core's routes or each other's.
 * Non-GET control requests are persisted like vendor calls, since they change service state.
 */
export interface ControlTarget {
  registerControl(router: Router): void;
}

/** True when `service` implements {@link ControlTarget}. */
export function isControlTarget(service: unknown): service is ControlTarget {
  return typeof service === 'object' && service !== null && typeof (service as Partial<ControlTarget>).registerControl === 'function';
}
