/**
 * The host's virtual clock (contract: docs/virtual-clock.md).
 *
 * Virtual time advances at `speed` virtual seconds per real second and may jump
 * forward (time-skipping). It never moves backwards: every reading is at least the
 * previous one, so OrchestratorStarted timestamps stay monotonic.
 */

/** Current virtual time, the one interface other local services depend on. */
export interface ClockSource {
  /** Current virtual time, epoch milliseconds. */
  now(): number;
}

/** What `GET /admin/devhost/clock` returns. */
export interface ClockReading {
  now: string;
  nowMs: number;
  speed: number;
  skipping: boolean;
}

/** Options for {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** Virtual start time in epoch ms (default: the real time at construction). */
  startMs?: number;
  /** Virtual seconds per real second (default 1). */
  speed?: number;
  /** Whether the host may jump to the next due durable timer when idle (default true). */
  skipping?: boolean;
}

/** A listener told whenever the clock jumps or changes speed, so timers can be re-armed. */
export type ClockChangeListener = () => void;

/** A virtual clock: speed-scaled real time plus forward jumps. */
export class VirtualClock implements ClockSource {
  readonly speed: number;
  readonly skipping: boolean;
  private anchorVirtualMs: number;
  private anchorRealMs: number;
  private last = 0;
  private readonly listeners = new Set<ClockChangeListener>();

  constructor(options: VirtualClockOptions = {}) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new RangeError(`speed: expected a positive number of virtual seconds per real second, got ${String(options.speed)}`);
    }
    this.speed = speed;
    this.skipping = options.skipping ?? true;
    this.anchorVirtualMs = Math.floor(options.startMs ?? Date.now());
    this.anchorRealMs = performance.now();
  }

  /** Current virtual time, epoch milliseconds (integer, non-decreasing). */
  now(): number {
    const t = Math.floor(this.anchorVirtualMs + (performance.now() - this.anchorRealMs) * this.speed);
    if (t > this.last) this.last = t;
    return this.last;
  }

  /** Real milliseconds until virtual time reaches `virtualMs` (0 when already past). */
  realDelayUntil(virtualMs: number): number {
    return Math.max(0, (virtualMs - this.now()) / this.speed);
  }

  /** Jump forward to `virtualMs`; a target in the past is ignored (time never goes back). */
  advanceTo(virtualMs: number): boolean {
    if (virtualMs <= this.now()) return false;
    this.anchorVirtualMs = Math.floor(virtualMs);
    this.anchorRealMs = performance.now();
    this.last = this.anchorVirtualMs;
    for (const listener of this.listeners) listener();
    return true;
  }

  /** Subscribe to jumps; returns an unsubscribe function. */
  onChange(listener: ClockChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The JSON body served at `/admin/devhost/clock`. */
  reading(): ClockReading {
    const nowMs = this.now();
    return { now: new Date(nowMs).toISOString(), nowMs, speed: this.speed, skipping: this.skipping };
  }
}

/**
 * Timers on virtual time: one real `setTimeout` for the earliest entry, re-armed
 * whenever the clock jumps. Entries are fired in due order.
 */
export class VirtualTimerQueue {
  private readonly entries = new Map<string, { dueMs: number; fire: () => void }>();
  private handle: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly clock: VirtualClock) {
    this.unsubscribe = clock.onChange(() => this.rearm(true));
  }

  /** Schedule (or replace) the timer with this key. */
  set(key: string, dueMs: number, fire: () => void): void {
    this.entries.set(key, { dueMs, fire });
    if (dueMs < this.armedFor) this.rearm(true);
  }

  /** Remove a timer; unknown keys are ignored. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Whether a timer with this key is pending. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Earliest due time among pending timers whose key passes `filter`, or undefined. */
  nextDue(filter?: (key: string) => boolean): number | undefined {
    let min: number | undefined;
    for (const [key, entry] of this.entries) {
      if (filter && !filter(key)) continue;
      if (min === undefined || entry.dueMs < min) min = entry.dueMs;
    }
    return min;
  }

  /** Number of pending timers. */
  get size(): number {
    return this.entries.size;
  }

  /** Stop firing (host shutdown). */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }

  private rearm(force: boolean): void {
    if (this.stopped) return;
    if (this.handle && !force) return;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    const due = this.nextDue();
    this.armedFor = due ?? Number.POSITIVE_INFINITY;
    if (due === undefined) return;
    // setTimeout caps at ~24.8 days; re-arming after a shorter wait is harmless.
    const delay = Math.min(this.clock.realDelayUntil(due), 2 ** 30);
    this.handle = setTimeout(() => this.fireDue(), Math.ceil(delay));
    this.handle.unref?.();
  }

  private fireDue(): void {
    this.handle = undefined;
    const now = this.clock.now();
    const due = [...this.entries].filter(([, e]) => e.dueMs <= now).sort((a, b) => a[1].dueMs - b[1].dueMs);
    for (const [key, entry] of due) {
      this.entries.delete(key);
      entry.fire();
    }
    this.rearm(true);
  }
}
