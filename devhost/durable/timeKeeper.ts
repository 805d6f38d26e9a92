/**
 * When virtual time may move (contract: docs/virtual-clock.md).
 *
 * Time moves only while the host is quiescent: the task hub has nothing queued or running
 * (orchestrator, activity, entity), no request to the app is open, nobody holds the clock
 * and every participant has seen the hub's latest state. Then, and only then, the clock
 * jumps to the next due timer (time-skipping) or flows at its speed up to that timer. No
 * real-time grace period plays a part, so a run's virtual timeline depends on what it does,
 * never on how fast the machine does it.
 */
import { randomUUID } from 'node:crypto';
import type { VirtualClock } from '../clock';

/** What the time keeper needs from the host. */
export interface TimeKeeperOptions {
  clock: VirtualClock;
  /** Nothing queued or running in the task hub, no request open. */
  isIdle(): boolean;
  /** Earliest pending durable timer (the only thing a skip may jump to). */
  nextDurableDue(): number | undefined;
  /** Earliest other timer (timer triggers): a move of time stops there and never passes it. */
  nextOtherDue?(): number | undefined;
  /** The host's skip policy beyond quiescence (e.g. no instance waits for a person). */
  skipAllowed(): boolean;
  /** Told after every move of time (to persist and log it). */
  moved?(to: number, how: 'skip' | 'flow'): void;
}

/** A hold on the clock: time stands still until it is released. */
export interface ClockHold {
  readonly id: string;
  readonly reason: string;
  /** Real time the hold was taken (ISO). */
  readonly since: string;
  release(): void;
}

/** A turn given to a participant: the hub was quiescent at `seq` (its state-change count), at virtual `nowMs`. */
export interface Turn {
  seq: number;
  nowMs: number;
}

/**
 * A party that must see every quiescent state before time moves past it (a rehearsal's
 * people): it waits for a turn, looks, acts, and acknowledges the turn's `seq`. Whatever it
 * did that changed the hub makes a new state, and a new turn, before time can move.
 */
export interface ClockParticipant {
  readonly id: string;
  readonly name: string;
  /** Resolves at the next quiescent state this participant has not acknowledged (undefined after `timeoutMs` or when it leaves). */
  turn(timeoutMs?: number): Promise<Turn | undefined>;
  /**
   * "I have seen state `seq` and done what I wanted": time may move if nothing changed since.
   * `wakeAtMs` asks for a turn when virtual time reaches it even if nothing else happens by then
   * (a person who acts after a while): a skip may land there, as on a durable timer.
   */
  ack(seq: number, wakeAtMs?: number): void;
  /** Stop taking part (time no longer waits for it). */
  leave(): void;
}

interface ParticipantState {
  id: string;
  name: string;
  acked: number;
  /** Virtual time at which this participant wants a turn of its own (its own timer). */
  wakeAt?: number;
  waiters: Set<(turn: Turn | undefined) => void>;
}

/** Decides when virtual time moves; owned by the task hub. */
export class TimeKeeper {
  private seqValue = 0;
  private readonly holds = new Map<string, ClockHold>();
  private readonly participants = new Map<string, ParticipantState>();
  private flowTimer: NodeJS.Timeout | undefined;
  private settleScheduled: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(private readonly options: TimeKeeperOptions) {}

  /** How many times the hub's state has changed (records that change instances or entities). */
  get seq(): number {
    return this.seqValue;
  }

  /** The hub's state changed. */
  changed(): void {
    this.seqValue++;
  }

  /** Work appeared: time stands still where it is. */
  busy(): void {
    this.stopFlow();
  }

  /** Re-examine soon: the hub may have become idle, a hold gone, a participant acknowledged. */
  poke(): void {
    if (this.settleScheduled || this.stopped) return;
    this.settleScheduled = setImmediate(() => {
      this.settleScheduled = undefined;
      this.settle();
    });
  }

  /** Give turns to participants and move time if the host is quiescent. */
  settle(): void {
    if (this.stopped || !this.options.isIdle()) return;
    const turn = { seq: this.seqValue, nowMs: this.options.clock.now() };
    for (const p of this.participants.values()) {
      if (p.acked >= turn.seq || p.waiters.size === 0) continue;
      const waiters = [...p.waiters];
      p.waiters.clear();
      for (const w of waiters) w(turn);
    }
    if (!this.quiescent()) return;
    this.advance();
  }

  /** Idle, unheld, and every participant has seen the current state. */
  quiescent(): boolean {
    if (!this.options.isIdle() || this.holds.size > 0) return false;
    for (const p of this.participants.values()) if (p.acked < this.seqValue) return false;
    return true;
  }

  /** Hold the clock (a question to a person is open); time stands still until released. */
  hold(reason: string): ClockHold {
    const id = randomUUID();
    this.stopFlow();
    const hold: ClockHold = {
      id,
      reason,
      since: new Date().toISOString(),
      release: () => {
        if (this.holds.delete(id)) this.poke();
      },
    };
    this.holds.set(id, hold);
    return hold;
  }

  /** A hold by id (for the admin API). */
  getHold(id: string): ClockHold | undefined {
    return this.holds.get(id);
  }

  /** Join as a participant: time waits for its acknowledgement of every quiescent state. */
  participate(name: string): ClockParticipant {
    const state: ParticipantState = { id: randomUUID(), name, acked: -1, waiters: new Set() };
    this.participants.set(state.id, state);
    this.stopFlow();
    return this.participantHandle(state);
  }

  /** A participant by id (for the admin API). */
  getParticipant(id: string): ClockParticipant | undefined {
    const state = this.participants.get(id);
    return state ? this.participantHandle(state) : undefined;
  }

  /** For `GET /admin/devhost/clock`. */
  describe(): { quiescent: boolean; seq: number; holds: { id: string; reason: string; since: string }[]; participants: { id: string; name: string; acked: number; wakeAt?: string }[] } {
    return {
      quiescent: this.quiescent(),
      seq: this.seqValue,
      holds: [...this.holds.values()].map(({ id, reason, since }) => ({ id, reason, since })),
      participants: [...this.participants.values()].map(({ id, name, acked, wakeAt }) => ({ id, name, acked, ...(wakeAt !== undefined ? { wakeAt: new Date(wakeAt).toISOString() } : {}) })),
    };
  }

  stop(): void {
    this.stopped = true;
    this.stopFlow();
    if (this.settleScheduled) clearImmediate(this.settleScheduled);
    for (const p of this.participants.values()) for (const w of p.waiters) w(undefined);
    this.participants.clear();
  }

  private participantHandle(state: ParticipantState): ClockParticipant {
    return {
      id: state.id,
      name: state.name,
      turn: (timeoutMs) =>
        new Promise<Turn | undefined>((resolve) => {
          if (this.stopped || !this.participants.has(state.id)) return resolve(undefined);
          let timer: NodeJS.Timeout | undefined;
          const waiter = (turn: Turn | undefined): void => {
            if (timer) clearTimeout(timer);
            resolve(turn);
          };
          if (timeoutMs !== undefined) {
            timer = setTimeout(() => {
              state.waiters.delete(waiter);
              resolve(undefined);
            }, timeoutMs);
            timer.unref();
          }
          state.waiters.add(waiter);
          this.poke();
        }),
      ack: (seq, wakeAtMs) => {
        if (seq > state.acked) state.acked = Math.min(seq, this.seqValue);
        if (wakeAtMs === undefined) delete state.wakeAt;
        else state.wakeAt = wakeAtMs;
        this.poke();
      },
      leave: () => {
        if (!this.participants.delete(state.id)) return;
        for (const w of state.waiters) w(undefined);
        state.waiters.clear();
        this.poke();
      },
    };
  }

  /** Skip to the next durable timer or participant wake-up, or flow towards the next timer of any kind. */
  private advance(): void {
    const { clock } = this.options;
    if (this.wakeDueParticipants()) return;
    const durable = this.options.nextDurableDue();
    const other = this.options.nextOtherDue?.();
    const wake = this.nextWake();
    // A participant's wake-up is a timer too: time may skip to it, never past it.
    const skipTarget = minOf(durable, wake);
    const next = minOf(skipTarget, other);
    if (next !== undefined && next <= clock.now()) {
      // Time already stands on a timer (it flowed there, and work froze it there before the flow's
      // own landing ran): fire it rather than move. It is still a move, and must be persisted, or a
      // restart would put the clock back before the timers that fired here.
      clock.freeze();
      this.options.moved?.(clock.now(), 'flow');
      clock.notify();
      return;
    }
    if (clock.skipping && skipTarget !== undefined && this.options.skipAllowed()) {
      // Never past a timer trigger: the skip lands on whichever is due first.
      if (clock.advanceTo(next!)) this.options.moved?.(next!, 'skip');
      this.wakeDueParticipants();
      return;
    }
    if (clock.speed <= 0 || clock.isFlowing) return;
    const limit = next ?? Number.POSITIVE_INFINITY;
    clock.flow(limit);
    if (!clock.isFlowing || limit === Number.POSITIVE_INFINITY) return;
    // setTimeout caps at ~24.8 days: a longer flow re-arms from where it got to.
    const delay = Math.min(Math.ceil(clock.realDelayUntil(limit)), 2 ** 30);
    this.flowTimer = setTimeout(() => {
      this.flowTimer = undefined;
      if (!clock.isFlowing || !this.quiescent()) return;
      clock.freeze();
      if (delay < 2 ** 30) {
        // Land exactly on the timer, whatever the real timer's jitter, and fire it.
        if (clock.advanceTo(limit)) this.options.moved?.(limit, 'flow');
        else clock.notify();
        this.wakeDueParticipants();
      } else {
        this.settle();
      }
    }, delay);
    this.flowTimer.unref();
  }

  private nextWake(): number | undefined {
    let next: number | undefined;
    for (const p of this.participants.values()) next = minOf(next, p.wakeAt);
    return next;
  }

  /**
   * Participants whose wake-up time has come get a new state to look at (their turn): the
   * wake-up is spent. True when any did, so the caller lets them act before time moves again.
   */
  private wakeDueParticipants(): boolean {
    const now = this.options.clock.now();
    let woke = false;
    for (const p of this.participants.values()) {
      if (p.wakeAt === undefined || p.wakeAt > now) continue;
      delete p.wakeAt;
      woke = true;
    }
    if (woke) {
      this.changed();
      this.poke();
    }
    return woke;
  }

  private stopFlow(): void {
    if (this.flowTimer) clearTimeout(this.flowTimer);
    this.flowTimer = undefined;
    this.options.clock.freeze();
  }
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
