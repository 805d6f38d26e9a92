import { promises as fs } from 'fs';
import https from 'https';
import os from 'os';
import path from 'path';
import { startSandbox, type CallRecord, type RunningSandbox } from '../../../sandbox/core';
import type { ClockSource, ServiceFactory } from '../../../sandbox/core/types';
import { defaultEstateFile, loadEstateFile } from '../../../sandbox/estate/load';
import { createHttpsFetch } from '../../../shared/adapters/http/https';

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

/** A running sandbox, its clock and estate, and HTTPS access to its control API. */
export interface ControlledSandbox {
  sandbox: RunningSandbox;
  clock: ManualClock;
  estate: Readonly<Record<string, unknown>>;
  /** GET /_sandbox/state over HTTPS, section `name`. */
  state<T>(name: string): Promise<T>;
  /** GET /_sandbox/calls over HTTPS. */
  calls(filter?: { listener?: string; method?: string; path?: string }): Promise<CallRecord[]>;
  /** POST /_sandbox/faults over HTTPS: the sandbox's answer, accepted or not. */
  addFaults(spec: unknown): Promise<{ status: number; body: unknown }>;
  clearFaults(): Promise<void>;
  /**
   * Contract violations (sandbox/specs) recorded since the last call, one line each: a response
   * that breaks its vendor's spec, or a request that does and that the estate accepted (a
   * request it refused with 4xx is the estate rejecting it as the vendor would).
   */
  newContractViolations(): string[];
  stop(): Promise<void>;
}

export interface ControlledSandboxOptions {
  /** Prefix of the temporary state dir made when `stateDir` is not given. */
  tmpPrefix: string;
  /** Default: every service. */
  services?: Record<string, ServiceFactory>;
  /** Given, the sandbox resumes from the state saved there (a restart) and leaves it in place. */
  stateDir?: string;
  clock?: ManualClock;
}

/** Starts the sandbox in-process on ephemeral ports with the default estate (sandbox/estate/default.yaml). */
export async function startControlledSandbox(options: ControlledSandboxOptions): Promise<ControlledSandbox> {
  const stateDir = options.stateDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), options.tmpPrefix)));
  const clock = options.clock ?? new ManualClock();
  const estate = await loadEstateFile(defaultEstateFile());
  const resume = options.stateDir !== undefined;
  const sandbox = await startSandbox({ basePort: 0, estate: { ...estate }, clock, stateDir, resume, services: options.services });
  const fetchCa = createHttpsFetch({ caPem: sandbox.caPem });
  const control = sandbox.urls.control;
  const getJson = async (url: string): Promise<unknown> => {
    const res = await fetchCa(url);
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    return res.json();
  };
  let seen = 0;
  return {
    sandbox,
    clock,
    estate,
    newContractViolations: () => {
      const calls = sandbox.calls({ since: seen });
      seen = calls.at(-1)?.seq ?? seen;
      return calls.flatMap((c) =>
        (c.violations ?? []).filter((v) => v.where === 'response' || c.status < 400).map((v) => `${c.listener} ${c.method} ${c.path} (${c.status}): ${v.where} ${v.operation} ${v.field}: ${v.rule}`),
      );
    },
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

/**
 * Registers jest hooks in the enclosing file or describe block: `start` before its tests,
 * `afterEach` after each test, `stop` after the last. The hooks run after this returns, so the
 * returned object forwards every property read to the started value, and tests can keep
 * writing `env.calls(...)` rather than `env().calls(...)`.
 */
export function useStarted<T extends object>(start: () => Promise<T>, hooks: { afterEach?: (started: T) => Promise<void>; stop: (started: T) => Promise<void> }): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  const { afterEach: each, stop } = hooks;
  if (each) {
    afterEach(async () => {
      if (started) await each(started);
    });
  }
  afterAll(async () => {
    // Nothing to stop when the start failed (that failure is the one to report).
    if (started) await stop(started);
    started = undefined;
  });
  return new Proxy({} as T, {
    get(_target, key) {
      if (!started) throw new Error(`read ${String(key)} before the sandbox started (or after it stopped): use it in tests and hooks only`);
      const value: unknown = Reflect.get(started, key);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}

/** Plain HTTPS JSON call trusting the sandbox CA. */
export function httpsJson<T = unknown>(ca: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, servername: 'localhost', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* plain text body */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
