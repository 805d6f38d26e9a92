import type { TokenCredential } from '@azure/identity';
import { TransientVendorError } from '../../../shared/ports/operations';
import { estateCredential } from '../sandbox/azure/harness';
import { startControlledSandbox, useStarted, type ControlledSandbox } from '../sandbox/common';

/** A sandbox with every service (the probes need the Azure model) and HTTPS access to its control API. */
export interface AdapterSandbox extends Omit<ControlledSandbox, 'addFaults'> {
  /** POST /_sandbox/faults over HTTPS; throws unless the sandbox accepted it. */
  addFaults(spec: unknown): Promise<void>;
  /** A new credential for the estate's first Azure client, as a fresh activity process would build it. */
  armCredential(): TokenCredential;
}

/** Starts the sandbox in-process on ephemeral ports with the default estate and a manual clock. */
export async function startAdapterSandbox(): Promise<AdapterSandbox> {
  const env = await startControlledSandbox({ tmpPrefix: 'mw-adapters-' });
  return {
    ...env,
    addFaults: async (spec) => {
      const res = await env.addFaults(spec);
      if (res.status !== 201) throw new Error(`fault refused: ${res.status} ${JSON.stringify(res.body)}`);
    },
    armCredential: () => estateCredential(env.sandbox),
  };
}

/** The sandbox for this test file: started before its tests, faults cleared after each test, stopped after the last. */
export function useAdapterSandbox(): AdapterSandbox {
  return useStarted(startAdapterSandbox, {
    afterEach: async (env) => {
      await env.clearFaults();
      // Every call the test made keeps to the vendors' published specs (sandbox/specs).
      expect(env.newContractViolations()).toEqual([]);
    },
    stop: (env) => env.stop(),
  });
}

/** The rejection of `p` (fails the test when it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`rejected with a non-Error: ${String(e)}`);
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Asserts a permanent failure: a plain Error (not transient) whose message matches and carries no secret. */
export async function expectPermanent(p: Promise<unknown>, message: RegExp, secrets: string[] = []): Promise<Error> {
  const err = await rejectionOf(p);
  expect(err).not.toBeInstanceOf(TransientVendorError);
  expect(err.message).toMatch(message);
  for (const s of secrets) expect(err.message).not.toContain(s);
  return err;
}

/** Asserts a transient failure with the given status (or none for "no answer"). */
export async function expectTransient(p: Promise<unknown>, vendor: string, statusCode?: number): Promise<TransientVendorError> {
  const err = await rejectionOf(p);
  expect(err).toBeInstanceOf(TransientVendorError);
  const t = err as TransientVendorError;
  expect(t.vendor).toBe(vendor);
  expect(t.statusCode).toBe(statusCode);
  return t;
}
