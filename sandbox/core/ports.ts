/**
 * Listener names and their fixed offsets from the base port. Ports are fixed because pollers
 * and SDKs keep absolute URLs, so state can survive a restart.
 */
export const LISTENERS = {
  control: 0,
  arm: 1,
  login: 2,
  keyvault: 3,
  cloudflare: 4,
  slack: 5,
  devops: 6,
  pingdom: 7,
  mailgun: 8,
  consul: 9,
  probes: 10,
  opsgenie: 11,
} as const;

/** A listener name: 'control', 'arm', 'login', ... */
export type ListenerName = keyof typeof LISTENERS;

/** Default base port (`--base-port`). */
export const DEFAULT_BASE_PORT = 7440;

/** Every listener name, in port order. */
export const LISTENER_NAMES = Object.keys(LISTENERS) as ListenerName[];

/** True when `name` is one of the fixed listeners. */
export function isListenerName(name: string): name is ListenerName {
  return Object.prototype.hasOwnProperty.call(LISTENERS, name);
}
