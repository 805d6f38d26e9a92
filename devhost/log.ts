/**
 * Structured host logs: one JSON object per line (to stderr or a file), one line per
 * invocation with function, instance id, duration and outcome; plus an optional live
 * progress line for long runs.
 */
import fs from 'node:fs';

/** A structured log entry; `msg` is short, the rest is machine-readable context. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

/** Where host logs go. */
export interface HostLogger {
  log(entry: LogEntry): void;
  /** One finished invocation. */
  invocation(entry: { function: string; kind: string; instanceId?: string; durationMs: number; outcome: 'succeeded' | 'failed'; error?: string; invocationId?: string; bindingChars?: number }): void;
  close(): void;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** File to append JSON lines to; default stderr. */
  file?: string;
  /** Drop per-invocation lines (they dominate during benchmarks). */
  quietInvocations?: boolean;
  /** Virtual time, stamped on every entry next to real time. */
  virtualNow?: () => number;
  /** Minimum level written (default info). */
  level?: LogEntry['level'];
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** Create a JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): HostLogger {
  const stream: NodeJS.WritableStream = options.file ? fs.createWriteStream(options.file, { flags: 'a' }) : process.stderr;
  const min = LEVELS[options.level ?? 'info'];
  const write = (entry: LogEntry): void => {
    if (LEVELS[entry.level] < min) return;
    const line: Record<string, unknown> = { time: new Date().toISOString() };
    if (options.virtualNow) line.virtualTime = new Date(options.virtualNow()).toISOString();
    Object.assign(line, entry);
    stream.write(JSON.stringify(line) + '\n');
  };
  return {
    log: write,
    invocation(entry) {
      if (options.quietInvocations && entry.outcome === 'succeeded') return;
      write({ level: entry.outcome === 'failed' ? 'warn' : 'info', msg: 'invocation', ...entry });
    },
    close() {
      if (options.file) (stream as fs.WriteStream).end();
    },
  };
}

/** Counters the progress line shows. */
export interface ProgressSource {
  progress(): { running: number; completed: number; failed: number; activitiesDone: number; activitiesQueued: number; virtualNow: number };
}

/** Print a concise progress line every `intervalMs` (carriage-return on a TTY). */
export function startProgressLine(source: ProgressSource, intervalMs = 1000, out: NodeJS.WriteStream = process.stderr): () => void {
  let lastDone = 0;
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const p = source.progress();
    const now = performance.now();
    const rate = ((p.activitiesDone - lastDone) * 1000) / Math.max(1, now - lastAt);
    lastDone = p.activitiesDone;
    lastAt = now;
    const line =
      `[devhost] ${new Date(p.virtualNow).toISOString()} running=${p.running} completed=${p.completed} failed=${p.failed} ` +
      `activities=${p.activitiesDone} (${rate.toFixed(0)}/s) queued=${p.activitiesQueued}`;
    if (out.isTTY) out.write(`\r${line}\x1b[K`);
    else out.write(line + '\n');
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (out.isTTY) out.write('\n');
  };
}
