/**
 * Drives the local host in a child process (`node dist/devhost/main.js`), as the
 * Functions worker boundary only exists in a real Node process. Requires `npm run build`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
export const CONFORMANCE_APP = path.join(ROOT, 'test', 'fixtures', 'conformance-app');
const MAIN = path.join(ROOT, 'dist', 'devhost', 'main.js');

/** Options for {@link spawnHost}. */
export interface SpawnHostOptions {
  taskHub: string;
  /** Extra CLI flags. */
  args?: string[];
  /** Log every invocation, not only failed ones (no `--quiet`). */
  logInvocations?: boolean;
  env?: Record<string, string>;
  /** Use in-memory storage instead of the shared Azurite. */
  memory?: boolean;
  /** Function app directory (default: the conformance app). */
  app?: string;
}

/** A host running in a child process. */
export interface HostProcess {
  url: string;
  child: ChildProcess;
  logFile: string;
  /** JSON helpers against the host. */
  get(p: string): Promise<{ status: number; body: unknown; headers: Headers }>;
  post(p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown; headers: Headers }>;
  del(p: string): Promise<{ status: number; body: unknown }>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful) and wait for exit. */
  stop(): Promise<void>;
}

/** The storage connection string of the run (jest global setup). */
export function testStorage(): string {
  const conn = process.env.DEVHOST_TEST_STORAGE;
  if (!conn) throw new Error('DEVHOST_TEST_STORAGE is not set: run through jest (test/support/azuriteGlobal.ts starts Azurite).');
  return conn;
}

/** A task hub name unique to this run (hubs must be 3-45 letters and digits). */
export function uniqueHub(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.replace(/[^A-Za-z0-9]/g, '').slice(0, 45);
}

/** Start the host on the conformance app; resolves once it listens. */
export async function spawnHost(options: SpawnHostOptions): Promise<HostProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first.`);
  const logFile = path.join(os.tmpdir(), `devhost-${options.taskHub}-${process.pid}-${Date.now()}.log`);
  const app = options.app ?? CONFORMANCE_APP;
  const args = [MAIN, '--app', app, '--port', '0', '--task-hub', options.taskHub, '--log-file', logFile, ...(options.logInvocations ? [] : ['--quiet'])];
  if (options.memory) args.push('--storage', 'memory');
  else args.push('--connection', testStorage(), '--no-start-azurite');
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: app,
    env: { ...process.env, CONFORMANCE_HUB: options.taskHub, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test whose setup timed out never stops its host: it goes with the test worker, not on retrying a storage that is gone.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) {
        child.stdout?.off('data', onData);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`devhost exited with ${String(code)} before listening: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const request = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${p}`, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    url,
    child,
    logFile,
    get: (p) => request('GET', p),
    post: (p, body, headers) => request('POST', p, body, headers),
    del: (p) => request('DELETE', p),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Status of an instance as the management API returns it. */
export interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: HistoryItem[];
}

/** One `historyEvents` entry, as the extension shapes it (see devhost/durable/statusHistory.ts). */
export interface HistoryItem {
  EventType: string;
  Timestamp: string;
  Name?: string;
  FunctionName?: string;
  ScheduledTime?: string;
  Input?: unknown;
  Result?: unknown;
  Reason?: string;
  Details?: string;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationStatus?: string;
  Data?: unknown;
}

const WEBHOOKS = '/runtime/webhooks/durabletask';

/** Start an orchestration through the management API; returns its id. */
export async function startOrchestration(host: HostProcess, name: string, input?: unknown, instanceId?: string): Promise<string> {
  const res = await host.post(`${WEBHOOKS}/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`, input === undefined ? '' : JSON.stringify(input));
  if (res.status !== 202) throw new Error(`start ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

/** Current status (throws on 404). */
export async function getStatus(host: HostProcess, id: string, history = false): Promise<Status> {
  const res = await host.get(`${WEBHOOKS}/instances/${id}${history ? '?showHistory=true&showHistoryOutput=true' : ''}`);
  if (res.status !== 200 && res.status !== 202) throw new Error(`status ${id}: HTTP ${res.status}`);
  return res.body as Status;
}

/** Poll until the instance satisfies `until` (default: terminal), or fail after `timeoutInMs`. */
export async function waitFor(host: HostProcess, id: string, until: (s: Status) => boolean = isDone, timeoutInMs = 120_000, history = true): Promise<Status> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const res = await host.get(`${WEBHOOKS}/instances/${id}${history ? '?showHistory=true&showHistoryOutput=true' : ''}`);
    if (res.status === 200 || res.status === 202) {
      const status = res.body as Status;
      if (until(status)) return status;
    }
    if (Date.now() > deadline) throw new Error(`instance ${id} did not reach the expected state within ${timeoutInMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function isDone(s: Status): boolean {
  return ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus);
}

/** Raise an event through the management API. */
export async function raiseEvent(host: HostProcess, id: string, name: string, data: unknown): Promise<number> {
  return (await host.post(`${WEBHOOKS}/instances/${id}/raiseEvent/${name}`, JSON.stringify(data ?? null))).status;
}

export { WEBHOOKS };
