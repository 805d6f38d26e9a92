/**
 * The simulated estate in a process of its own (`npm start -- --estate-process`), so a chaos
 * run can SIGKILL it without the host: `node dist/sandbox/main.js` on the rehearsal's ports and
 * state folder, reading the host's virtual clock before every request. When it dies it is
 * started again on the same ports and folder, resuming from its state.json (saved before every
 * answer, so nothing it acknowledged is lost), and the caller's `onDown` holds the clock
 * meanwhile: a vendor that is down for a few real seconds must not burn the app's durable retry
 * budget in virtual minutes skipped past while nothing else runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { LISTENER_NAMES, LISTENERS, type ListenerName } from '../sandbox/core/ports';
import type { RunningSandbox } from '../sandbox/core/sandbox';
import type { CallRecord } from '../sandbox/core/calls';

// dist/sandbox/main.js beside this file when compiled; from the sources (jest), the build's.
const MAIN = [path.join(__dirname, '..', 'sandbox', 'main.js'), path.join(__dirname, '..', 'dist', 'sandbox', 'main.js')].find((f) => existsSync(f)) ?? path.join(__dirname, '..', 'sandbox', 'main.js');
/** How long a start may take (TLS material, the estate, the spec validator) on a loaded machine. */
const START_MS = 120_000;

export interface EstateProcessOptions {
  basePort: number;
  estateFile: string;
  stateDir: string;
  /** The host's clock (`/admin/devhost/clock`); `startMs` until it answers. */
  clockUrl: string;
  startMs: number;
  /** Start from the estate file, not from the folder's state. */
  fresh: boolean;
  /** The clock's virtual now, for the handle's `clock`. */
  now: () => number;
  log?: (line: string) => void;
  /** Called when the estate dies unexpectedly; the function it returns is called once it listens again. */
  onDown?: () => () => void;
}

/** A RunningSandbox whose estate runs in a child process, and that process's id. */
export interface EstateProcess extends RunningSandbox {
  pid(): number | undefined;
  /** How many times it was started again after dying. */
  restarts(): number;
}

/** The file the running estate's process id is in (for a chaos run to kill it). */
export const estatePidFile = (stateDir: string) => path.join(stateDir, 'estate.pid');

export async function startEstateProcess(o: EstateProcessOptions): Promise<EstateProcess> {
  const urls = Object.fromEntries(LISTENER_NAMES.map((n: ListenerName) => [n, `https://127.0.0.1:${o.basePort + LISTENERS[n]}`])) as Record<ListenerName, string>;
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;

  const launch = (fresh: boolean): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const args = [MAIN, '--base-port', String(o.basePort), '--estate', o.estateFile, '--state-dir', o.stateDir, '--clock-url', o.clockUrl, '--clock-per-request', '--clock-start-ms', String(o.startMs), '--exit-with-stdin', ...(fresh ? ['--fresh'] : [])];
      // stdin is a pipe the estate watches: when this process dies, even by SIGKILL, it closes and the estate stops.
      const c = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      const timer = setTimeout(() => (c.kill('SIGKILL'), reject(new Error(`the estate did not start in ${START_MS / 1000} s: ${out.slice(-1000)}`))), START_MS);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('mw sandbox listening')) {
          clearTimeout(timer);
          c.stdout?.off('data', onData);
          resolve(c);
        }
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      c.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the estate exited (${signal ?? code}) while starting: ${out.slice(-1000)}`));
      });
    });

  const watch = (c: ChildProcess): void => {
    child = c;
    writeFileSync(estatePidFile(o.stateDir), String(c.pid));
    c.once('exit', (code, signal) => {
      if (stopping) return;
      const release = o.onDown?.();
      o.log?.(`the estate (pid ${c.pid}) ended (${signal ?? `exit ${code}`}); starting it again on the same ports and state`);
      void (async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            const next = await launch(false);
            if (stopping) {
              // Stopped while it was coming back: it goes too.
              next.kill('SIGTERM');
              break;
            }
            restarts++;
            watch(next);
            o.log?.(`the estate is back (pid ${next.pid})`);
            break;
          } catch (error) {
            // Its ports may take a moment to be free; a start that keeps failing is reported and retried.
            o.log?.(`the estate did not start again (attempt ${attempt}): ${error instanceof Error ? error.message : String(error)}`);
            await new Promise((r) => setTimeout(r, Math.min(5_000, 500 * attempt)));
            if (stopping) break;
          }
        }
        release?.();
      })();
    });
  };

  watch(await launch(o.fresh));
  const caFile = path.join(o.stateDir, 'ca.pem');
  const caPem = readFileSync(caFile, 'utf8');

  const control = (method: string, route: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(route, urls.control), { method, ca: caPem }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve(text ? (JSON.parse(text) as unknown) : undefined) : reject(new Error(`estate ${method} ${route}: ${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end();
    });
  // state() and calls() are synchronous in RunningSandbox: they answer from the last save().
  let lastState: Record<string, unknown> = {};
  let lastCalls: CallRecord[] = [];

  return {
    urls,
    caPem,
    caFile,
    stateDir: o.stateDir,
    clock: { now: o.now },
    state: () => lastState,
    calls: () => lastCalls,
    reset: () => Promise.reject(new Error('reset the estate process over POST /_sandbox/reset')),
    // The estate saves before every answer; here save() reads what it holds for state() and calls().
    async save() {
      lastState = (await control('GET', '/_sandbox/state')) as Record<string, unknown>;
      lastCalls = ((await control('GET', '/_sandbox/calls')) as { value: CallRecord[] }).value;
    },
    async stop() {
      stopping = true;
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
    pid: () => child?.pid,
    restarts: () => restarts,
  };
}
