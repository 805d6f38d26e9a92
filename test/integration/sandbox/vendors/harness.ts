import { promises as fs } from 'fs';
import os from 'os';
import path from 'path';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/core';
import type { CallRecord } from '../../../../sandbox/core';
import type { ClockSource, ServiceFactory } from '../../../../sandbox/core/types';
import { defaultEstateFile, loadEstateFile } from '../../../../sandbox/estate/load';
import { createHttpsFetch } from '../../../../shared/adapters/http/https';
import { createCloudflareService } from '../../../../sandbox/cloudflare/service';
import { createSlackService } from '../../../../sandbox/slack/service';
import { createDevOpsService } from '../../../../sandbox/devops/service';
import { createPingdomService } from '../../../../sandbox/pingdom/service';
import { createMailgunService } from '../../../../sandbox/mailgun/service';
import { createConsulService } from '../../../../sandbox/consul/service';

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

/** The vendor services this suite covers (the Azure half has its own tests). */
export const VENDOR_SERVICES: Record<string, ServiceFactory> = {
  cloudflare: createCloudflareService,
  slack: createSlackService,
  devops: createDevOpsService,
  pingdom: createPingdomService,
  mailgun: createMailgunService,
  consul: createConsulService,
};

/** A running sandbox with the vendor services, and HTTPS access to its control API. */
export interface VendorSandbox {
  sandbox: RunningSandbox;
  clock: ManualClock;
  estate: Readonly<Record<string, unknown>>;
  /** GET /_sandbox/state over HTTPS, section `name`. */
  state<T>(name: string): Promise<T>;
  /** GET /_sandbox/calls over HTTPS. */
  calls(filter?: { listener?: string; method?: string; path?: string }): Promise<CallRecord[]>;
  /** POST /_sandbox/faults over HTTPS. */
  addFaults(spec: unknown): Promise<{ status: number; body: unknown }>;
  clearFaults(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox in-process on ephemeral ports with the default estate
 * (sandbox/estate/default.yaml), the vendor services and a manual clock. Given a `stateDir`,
 * it resumes from the state saved there (a restart).
 */
export async function startVendorSandbox(options: { stateDir?: string; clock?: ManualClock } = {}): Promise<VendorSandbox> {
  const stateDir = options.stateDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'mw-vendors-')));
  const clock = options.clock ?? new ManualClock();
  const estate = await loadEstateFile(defaultEstateFile());
  const resume = options.stateDir !== undefined;
  const sandbox = await startSandbox({ basePort: 0, estate: { ...estate }, clock, stateDir, resume, services: VENDOR_SERVICES });
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
    estate,
    state: async <T>(name: string) => ((await getJson(`${control}/_sandbox/state`)) as Record<string, unknown>)[name] as T,
    calls: async (filter = {}) => {
      const q = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
      return ((await getJson(`${control}/_sandbox/calls?${q.toString()}`)) as { value: CallRecord[] }).value;
    },
    addFaults: async (spec) => {
      const res = await fetchCa(`${control}/_sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spec) });
      return { status: res.status, body: await res.json() };
    },
    clearFaults: async () => {
      await fetchCa(`${control}/_sandbox/faults`, { method: 'DELETE' });
    },
    stop: async () => {
      await sandbox.stop();
      // A caller-provided state dir is the caller's to keep (restart tests).
      if (!options.stateDir) await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
