/**
 * The host's virtual clock (contract: docs/virtual-clock.md).
 *
 * Virtual time stands still unless the host moves it: it jumps to the next due timer
 * (time-skipping), or flows at `speed` virtual seconds per real second up to the next
 * due timer. The host does either only while the task hub is quiescent (see
 * durable/timeKeeper.ts), so no work ever sees time pass while it runs. Time never moves
 * backwards: every reading is at least the previous one.
 */

/** Current virtual time, the one interface other local services depend on. */
export interface ClockSource {
  /** Current virtual time, epoch milliseconds. */
  now(): number;
}

/** What `GET /admin/devhost/clock` returns (the host adds the time keeper's state). */
export interface ClockReading {
  now: string;
  nowMs: number;
  /** Virtual seconds passing per real second right now: 0 while time stands still. Followers extrapolate with it. */
  speed: number;
  /** The configured flow rate (`--speed`); 0 means time moves only by skips. */
  pace: number;
  skipping: boolean;
}

/** Options for {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** Virtual start time in epoch ms (default: the real time at construction). */
  startMs?: number;
  /** Virtual seconds per real second while time may flow (default 1; 0: only skips move time). */
  speed?: number;
  /** Whether the host may jump to the next due durable timer when quiescent (default true). */
  skipping?: boolean;
}

/** A listener told whenever the clock jumps or reaches a timer, so due timers fire. */
export type ClockChangeListener = () => void;

function checkSpeed(speed: number, given: unknown): number {
  if (!Number.isFinite(speed) || speed < 0) {
    throw new RangeError(`speed: expected a number of virtual seconds per real second (0 or more), got ${String(given)}`);
  }
  return speed;
}

/** A virtual clock: still by default; flows at `speed` up to a limit when told to; jumps forward. */
export class VirtualClock implements ClockSource {
  readonly skipping: boolean;
  private pace: number;
  private anchorVirtualMs: number;
  private anchorRealMs: number;
  private flowing = false;
  private flowLimitMs = Number.POSITIVE_INFINITY;
  private last = 0;
  private readonly listeners = new Set<ClockChangeListener>();

  constructor(options: VirtualClockOptions = {}) {
    this.pace = checkSpeed(options.speed ?? 1, options.speed);
    this.skipping = options.skipping ?? true;
    this.anchorVirtualMs = Math.floor(options.startMs ?? Date.now());
    this.anchorRealMs = performance.now();
  }

  /** The configured flow rate (virtual seconds per real second). */
  get speed(): number {
    return this.pace;
  }

  /** Change the flow rate (e.g. real time once a rehearsal is over); time stops where it is first. */
  setSpeed(speed: number): void {
    this.freeze();
    this.pace = checkSpeed(speed, speed);
  }

  /** Whether time is flowing right now. */
  get isFlowing(): boolean {
    return this.flowing;
  }

  /** Current virtual time, epoch milliseconds (integer, non-decreasing). */
  now(): number {
    let t = this.anchorVirtualMs;
    if (this.flowing) t = Math.min(this.anchorVirtualMs + (performance.now() - this.anchorRealMs) * this.pace, this.flowLimitMs);
    t = Math.floor(t);
    if (t > this.last) this.last = t;
    return this.last;
  }

  /**
   * Let time flow at `speed` until it reaches `limitMs` (the next due timer), where it stops
   * until told otherwise. No-op at speed 0.
   */
  flow(limitMs: number): void {
    if (this.pace <= 0) return;
    this.freeze();
    if (limitMs <= this.anchorVirtualMs) return;
    this.flowing = true;
    this.flowLimitMs = limitMs;
  }

  /** Stop time where it stands (work appeared). */
  freeze(): void {
    this.anchorVirtualMs = this.now();
    this.anchorRealMs = performance.now();
    this.flowing = false;
    this.flowLimitMs = Number.POSITIVE_INFINITY;
  }

  /** Real milliseconds until a flowing clock reaches `virtualMs` (0 when already past; Infinity when still). */
  realDelayUntil(virtualMs: number): number {
    const ahead = virtualMs - this.now();
    if (ahead <= 0) return 0;
    if (!this.flowing || this.pace <= 0 || virtualMs > this.flowLimitMs) return Number.POSITIVE_INFINITY;
    return ahead / this.pace;
  }

  /** Jump forward to `virtualMs` and stand still there; a target in the past is ignored (time never goes back). */
  advanceTo(virtualMs: number): boolean {
    if (virtualMs <= this.now()) return false;
    this.anchorVirtualMs = Math.floor(virtualMs);
    this.anchorRealMs = performance.now();
    this.flowing = false;
    this.flowLimitMs = Number.POSITIVE_INFINITY;
    this.last = this.anchorVirtualMs;
    this.notify();
    return true;
  }

  /** Tell listeners to fire whatever is due now (time reached a timer by flowing, not by a jump). */
  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Subscribe to jumps; returns an unsubscribe function. */
  onChange(listener: ClockChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The clock part of the JSON body served at `/admin/devhost/clock`. */
  reading(): ClockReading {
    const nowMs = this.now();
    return { now: new Date(nowMs).toISOString(), nowMs, speed: this.flowing ? this.pace : 0, pace: this.pace, skipping: this.skipping };
  }
}

/**
 * Timers on virtual time. Entries fire, in due order, when the clock reaches them: at once
 * when already due, otherwise when the clock jumps (the time keeper always lands a move of
 * time exactly on the earliest due entry, so none is ever passed over).
 */
export class VirtualTimerQueue {
  private readonly entries = new Map<string, { dueMs: number; fire: () => void }>();
  private handle: NodeJS.Immediate | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly clock: VirtualClock) {
    this.unsubscribe = clock.onChange(() => this.fireDue());
  }

  /** Schedule (or replace) the timer with this key. */
  set(key: string, dueMs: number, fire: () => void): void {
    this.entries.set(key, { dueMs, fire });
    if (dueMs <= this.clock.now()) this.soon();
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
    if (this.handle) clearImmediate(this.handle);
    this.handle = undefined;
  }

  private soon(): void {
    if (this.handle || this.stopped) return;
    this.handle = setImmediate(() => {
      this.handle = undefined;
      this.fireDue();
    });
  }

  private fireDue(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const due = [...this.entries].filter(([, e]) => e.dueMs <= now).sort((a, b) => a[1].dueMs - b[1].dueMs);
    for (const [key, entry] of due) {
      // A callback may have replaced or removed a later entry: fire only what is still there.
      if (this.entries.get(key) !== entry) continue;
      this.entries.delete(key);
      entry.fire();
    }
  }
}
