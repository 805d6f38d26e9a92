/**
 * Child processes for the benchmark suite: `npm start`'s rehearsal in its own process group
 * (so a SIGKILL takes its Azurite with it), what it prints, and the peak memory of its tree.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REHEARSAL_NODE_FLAGS } from '../devhost/heap';

export const ROOT = path.resolve(__dirname, '..', '..');
export const REHEARSE = path.join(ROOT, 'dist', 'devhost', 'rehearse.js');

export interface Rehearsing {
  child: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
  /** Resolves with the first match of `pattern` in what it printed, or undefined when it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray | undefined>;
  /** SIGKILL (or another signal) to the whole process group. */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `node dist/devhost/rehearse.js <args>` in its own process group, with `npm start`'s node flags. */
export function startRehearse(args: string[]): Rehearsing {
  const child = spawn(process.execPath, [...REHEARSAL_NODE_FLAGS, REHEARSE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => ((exited = true), resolve(code))));
  return {
    child,
    output: () => out,
    exit,
    async waitFor(pattern, timeoutMs) {
      const until = performance.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (exited || performance.now() > until) return undefined;
        await sleep(100);
      }
    },
    kill(signal = 'SIGKILL') {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Every process below `pid` (its Azurite), deepest last. */
export function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);
}

/** Resolves once none of `pids` is alive any more (or after `timeoutMs`). */
export async function gone(pids: number[], timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  const alive = (pid: number) => {
    try {
      // A zombie (Z) has exited; only its parent's wait is missing.
      return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return false;
    }
  };
  while (pids.some(alive)) {
    if (performance.now() > until) return false;
    await sleep(100);
  }
  return true;
}

/** User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15, in USER_HZ = 100 ticks a second on Linux); 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Samples a process and its descendants (Azurite) every 250 ms: the main process's peak
 * (VmHWM, the kernel's own high-water mark) and the largest sum of the tree's resident sets.
 */
export class RssSampler {
  private timer: NodeJS.Timeout;
  mainPeakMb = 0;
  treePeakMb = 0;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }
  sample(): void {
    const hwm = statusKb(this.pid, 'VmHWM') / 1024;
    if (hwm > this.mainPeakMb) this.mainPeakMb = hwm;
    const tree: number[] = [];
    const walk = (p: number) => {
      tree.push(p);
      for (const c of childrenOf(p)) walk(c);
    };
    walk(this.pid);
    const sum = tree.reduce((s, p) => s + statusKb(p, 'VmRSS'), 0) / 1024;
    if (sum > this.treePeakMb) this.treePeakMb = sum;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** Resolves true once `condition` holds, false after `timeoutMs`; checked every 100 ms. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) return false;
    await sleep(100);
  }
  return true;
}

/** The most steps any progress line of a rehearsal's output shows done. */
export const stepsDone = (out: string): number => Math.max(0, ...[...out.matchAll(/done (\d+)\//g)].map((m) => Number(m[1])));

/** `count` distinct numbers from `from` to `to`, drawn by `random` (seeded), in rising order. */
export function seededPicks(random: () => number, from: number, to: number, count: number): number[] {
  const pool = Array.from({ length: to - from + 1 }, (_, i) => i + from);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, Math.min(count, pool.length)).sort((a, b) => a - b);
}
