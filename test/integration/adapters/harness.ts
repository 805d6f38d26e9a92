import { promises as fs } from 'fs';
import os from 'os';
import path from 'path';
import { startSandbox, type CallRecord, type RunningSandbox } from '../../../sandbox/core';
import type { ClockSource } from '../../../sandbox/core/types';
import { defaultEstateFile, loadEstateFile } from '../../../sandbox/estate/load';
import { createHttpsFetch } from '../../../shared/adapters/http/https';
import { TransientVendorError } from '../../../shared/ports/operations';

/** A clock the test moves by hand (virtual time). */
export class ManualClock implements ClockSource {
  constructor(private ms = Date.parse('2025-06-22T08:00:00.000Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A sandbox with every service (the probes need the Azure model) and HTTPS access to its control API. */
export interface AdapterSandbox {
  sandbox: RunningSandbox;
  clock: ManualClock;
  /** GET /_sandbox/state over HTTPS, section `name`. */
  state<T>(name: string): Promise<T>;
  /** GET /_sandbox/calls over HTTPS. */
  calls(filter?: { listener?: string; method?: string; path?: string }): Promise<CallRecord[]>;
  /** POST /_sandbox/faults over HTTPS; throws unless the sandbox accepted it. */
  addFaults(spec: unknown): Promise<void>;
  clearFaults(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the sandbox in-process on ephemeral ports with the default estate and a manual clock. */
export async function startAdapterSandbox(): Promise<AdapterSandbox> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mw-adapters-'));
  const clock = new ManualClock();
  const estate = await loadEstateFile(defaultEstateFile());
  const sandbox = await startSandbox({ basePort: 0, estate: { ...estate }, clock, stateDir, resume: false });
  const fetchCa = createHttpsFetch({ caPem: sandbox.caPem });
  const control = sandbox.urls.control;
  const getJson = async (url: string): Promise<unknown> => {
    const res = await fetchCa(url);
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    return res.json();
  };
  return {
    sandbox,
    clock,
    state: async <T>(name: string) => ((await getJson(`${control}/_sandbox/state`)) as Record<string, unknown>)[name] as T,
    calls: async (filter = {}) => {
      const q = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
      return ((await getJson(`${control}/_sandbox/calls?${q.toString()}`)) as { value: CallRecord[] }).value;
    },
    addFaults: async (spec) => {
      const res = await fetchCa(`${control}/_sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spec) });
      if (res.status !== 201) throw new Error(`fault refused: ${res.status} ${await res.text()}`);
    },
    clearFaults: async () => {
      await fetchCa(`${control}/_sandbox/faults`, { method: 'DELETE' });
    },
    stop: async () => {
      await sandbox.stop();
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
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
