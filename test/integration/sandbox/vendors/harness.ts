import { serviceFactories } from '../../../../sandbox/services';
import { ManualClock, startControlledSandbox, useStarted, type ControlledSandbox } from '../common';

export { ManualClock };

/** The vendor listeners this suite covers (the Azure half has its own tests). */
export const VENDOR_LISTENERS = ['cloudflare', 'slack', 'devops', 'pingdom', 'mailgun', 'consul'] as const;

const VENDOR_SERVICES = Object.fromEntries(Object.entries(serviceFactories).filter(([name]) => (VENDOR_LISTENERS as readonly string[]).includes(name)));

/** A running sandbox with the vendor services, and HTTPS access to its control API. */
export type VendorSandbox = ControlledSandbox;

/**
 * Starts the sandbox in-process on ephemeral ports with the default estate, the vendor services
 * and a manual clock. Given a `stateDir`, it resumes from the state saved there (a restart).
 */
export function startVendorSandbox(options: { stateDir?: string; clock?: ManualClock } = {}): Promise<VendorSandbox> {
  return startControlledSandbox({ ...options, tmpPrefix: 'mw-vendors-', services: VENDOR_SERVICES });
}

/** One vendor sandbox for the test file, started before its tests and stopped after. */
export function useVendorSandbox(): VendorSandbox {
  return useStarted(() => startVendorSandbox(), {
    // Every call the test made keeps to the vendors' published specs (sandbox/specs).
    afterEach: async (env) => expect(env.newContractViolations()).toEqual([]),
    stop: (env) => env.stop(),
  });
}
