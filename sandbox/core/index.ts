/** Public surface of the sandbox core: start it, and the types services implement. */
export { startSandbox, type RunningSandbox, type StartSandboxOptions } from './sandbox';
export { LISTENERS, LISTENER_NAMES, DEFAULT_BASE_PORT, type ListenerName } from './ports';
export type { CallRecord, CallFilter } from './calls';
export type { ControlTarget, FaultTarget } from './extensions';
export type * from './types';
