/**
 * Storage for the task hub: a configured connection string, or Azurite, started
 * here when nothing listens on its blob port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** The well-known development storage account key (public, documented by Microsoft). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Connection string for Azurite on the given ports. */
export function azuriteConnectionString(ports: { blob: number; queue?: number; table?: number }, host = '127.0.0.1'): string {
  let s = `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://${host}:${ports.blob}/${DEV_ACCOUNT};`;
  if (ports.queue) s += `QueueEndpoint=http://${host}:${ports.queue}/${DEV_ACCOUNT};`;
  if (ports.table) s += `TableEndpoint=http://${host}:${ports.table}/${DEV_ACCOUNT};`;
  return s;
}

/** Expand `UseDevelopmentStorage=true` (which the storage SDK accepts only partly) to explicit endpoints. */
export function resolveConnectionString(value: string): string {
  if (/^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(value)) return azuriteConnectionString({ blob: 10000, queue: 10001, table: 10002 });
  return value;
}

/** The blob endpoint's host and port of a connection string. */
export function blobEndpoint(connectionString: string): { host: string; port: number } | undefined {
  const m = /BlobEndpoint=([^;]+)/i.exec(connectionString);
  if (!m?.[1]) return undefined;
  const url = new URL(m[1]);
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

/** Whether something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutInMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutInMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Options for {@link startAzurite}. */
export interface StartAzuriteOptions {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Directory for data; omitted: in-memory. */
  location?: string;
  /** Start only the Blob service (what the task hub needs); default false. */
  blobOnly?: boolean;
  /** Keep running after this process exits (default false). */
  detached?: boolean;
  timeoutInMs?: number;
}

/** A started Azurite. */
export interface AzuriteProcess {
  connectionString: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within `timeoutInMs` (default 5000). */
  stop(timeoutInMs?: number): Promise<void>;
}

/**
 * Runs Azurite's entry script (argv[1]) in a child that also ends when its parent goes away,
 * even by SIGKILL: its stdin is a pipe from the parent, which the OS closes then. Azurite's
 * own SIGTERM handler closes its servers; the timer makes sure it exits after that.
 */
const WATCHDOG = [
  "process.stdin.on('end', () => { process.kill(process.pid, 'SIGTERM'); setTimeout(() => process.exit(0), 5000).unref(); });",
  "process.stdin.on('error', () => undefined);",
  'process.stdin.resume();',
  'process.stdin.unref();',
  'require(process.argv[1]);',
].join('\n');

/** Start Azurite from node_modules and wait until its blob port accepts connections. */
export async function startAzurite(options: StartAzuriteOptions): Promise<AzuriteProcess> {
  const pkgDir = path.dirname(require.resolve('azurite/package.json'));
  const script = path.join(pkgDir, 'dist', 'src', options.blobOnly ? 'blob/main.js' : 'azurite.js');
  const args = ['--silent', '--skipApiVersionCheck', '--disableTelemetry', '--blobPort', String(options.blobPort)];
  if (!options.blobOnly) args.push('--queuePort', String(options.queuePort), '--tablePort', String(options.tablePort));
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');
  // A detached Azurite is meant to outlive this process; any other one must not.
  const child = options.detached
    ? spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    : spawn(process.execPath, ['-e', WATCHDOG, script, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  // process.exit() (a bounded shutdown giving up) skips every stop(): signal the child on the way out.
  const onExit = (): void => {
    if (running()) child.kill('SIGTERM');
  };
  if (!options.detached) {
    process.once('exit', onExit);
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.once('exit', () => process.off('exit', onExit));
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  if (options.detached) child.unref();
  const deadline = Date.now() + (options.timeoutInMs ?? 30_000);
  while (!(await isListening(options.blobPort))) {
    if (!running()) throw new Error(`Azurite exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`Azurite did not listen on port ${options.blobPort} within ${options.timeoutInMs ?? 30_000} ms.`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    connectionString: azuriteConnectionString({ blob: options.blobPort, queue: options.blobOnly ? undefined : options.queuePort, table: options.blobOnly ? undefined : options.tablePort }),
    child,
    stop: (timeoutInMs = 5000) =>
      new Promise<void>((resolve) => {
        // Killed by a signal, a child has signalCode set and exitCode null.
        if (!running()) return resolve();
        // Azurite's graceful close waits for open connections; past the deadline it is killed.
        const kill = setTimeout(() => child.kill('SIGKILL'), timeoutInMs);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
