import { VirtualClock, VirtualTimerQueue } from '../../../devhost/clock';
import { TimeKeeper } from '../../../devhost/durable/timeKeeper';

/**
 * When virtual time moves: only while the (fake) hub is idle, nothing holds the clock and
 * every participant has acknowledged the latest state; then it lands exactly on the next
 * timer. Real time plays no part in event-driven mode (speed 0).
 */

const T0 = Date.UTC(2025, 5, 21, 23, 0);
const MIN = 60_000;

function world(options: { speed?: number; skipping?: boolean; skipAllowed?: () => boolean; other?: () => number | undefined; moved?: (to: number, how: 'skip' | 'flow') => void } = {}) {
  const clock = new VirtualClock({ startMs: T0, speed: options.speed ?? 0, skipping: options.skipping ?? true });
  const timers = new VirtualTimerQueue(clock);
  const fired: string[] = [];
  const state = { busy: 0 };
  const keeper = new TimeKeeper({
    clock,
    isIdle: () => state.busy === 0,
    nextDurableDue: () => timers.nextDue(),
    nextOtherDue: options.other ?? (() => undefined),
    skipAllowed: options.skipAllowed ?? (() => true),
    ...(options.moved ? { moved: options.moved } : {}),
  });
  const timer = (name: string, atMs: number) => timers.set(name, atMs, () => fired.push(`${name}@${(clock.now() - T0) / MIN}m`));
  return { clock, timers, fired, state, keeper, timer };
}

const tick = () => new Promise((r) => setImmediate(r));

test('a still clock stays still without a move, however much real time passes', async () => {
  const { clock } = world();
  await new Promise((r) => setTimeout(r, 30));
  expect(clock.now()).toBe(T0);
  expect(clock.reading()).toMatchObject({ nowMs: T0, speed: 0, pace: 0 });
});

test('skips to the next timer only while the hub is idle, landing exactly on it', () => {
  const { clock, keeper, state, timer, fired } = world();
  timer('a', T0 + 30 * MIN);
  timer('b', T0 + 90 * MIN);
  state.busy = 1;
  keeper.settle();
  expect(clock.now()).toBe(T0);
  state.busy = 0;
  keeper.settle();
  expect(clock.now()).toBe(T0 + 30 * MIN);
  expect(fired).toEqual(['a@30m']);
  keeper.settle();
  expect(fired).toEqual(['a@30m', 'b@90m']);
});

test('a hold keeps time still until it is released', async () => {
  const { clock, keeper, timer } = world();
  timer('gate-timeout', T0 + 90 * MIN);
  const hold = keeper.hold('asking the person at the keyboard');
  keeper.settle();
  expect(clock.now()).toBe(T0);
  expect(keeper.describe().holds.map((h) => h.reason)).toEqual(['asking the person at the keyboard']);
  hold.release();
  await tick();
  expect(clock.now()).toBe(T0 + 90 * MIN);
});

test('a participant sees every quiescent state before time moves; what it does makes a new state', async () => {
  const { clock, keeper, state, timer } = world();
  timer('t', T0 + 60 * MIN);
  const p = keeper.participate('rehearsal people');
  const first = await p.turn();
  expect(first).toEqual({ seq: 0, nowMs: T0 });
  expect(clock.now()).toBe(T0);
  // It answers something (the hub changes), then acknowledges the state it looked at.
  keeper.changed();
  p.ack(first!.seq);
  await tick();
  expect(clock.now()).toBe(T0);
  // The next turn shows the new state; acknowledging it lets time move.
  const second = await p.turn();
  expect(second).toEqual({ seq: 1, nowMs: T0 });
  p.ack(second!.seq);
  await tick();
  expect(clock.now()).toBe(T0 + 60 * MIN);
  // No turn while the hub is busy.
  state.busy = 1;
  keeper.changed();
  expect(await p.turn(20)).toBeUndefined();
  p.leave();
});

test('without durable timers nothing skips; a timer trigger caps a skip', () => {
  let trigger: number | undefined = T0 + 5 * MIN;
  const { clock, keeper, timer } = world({ other: () => trigger });
  keeper.settle();
  expect(clock.now()).toBe(T0);
  timer('t', T0 + 12 * MIN);
  keeper.settle();
  expect(clock.now()).toBe(T0 + 5 * MIN);
  trigger = T0 + 10 * MIN;
  keeper.settle();
  expect(clock.now()).toBe(T0 + 10 * MIN);
  trigger = undefined;
  keeper.settle();
  expect(clock.now()).toBe(T0 + 12 * MIN);
});

test('paced: with skipping refused, time flows at speed and stops exactly on the timer', async () => {
  const { clock, keeper, timer, fired, state } = world({ speed: 60_000, skipAllowed: () => false });
  timer('t', T0 + 10 * MIN);
  keeper.settle();
  expect(clock.isFlowing).toBe(true);
  // Work appearing stops time where it is.
  state.busy = 1;
  keeper.busy();
  const frozen = clock.now();
  await new Promise((r) => setTimeout(r, 20));
  expect(clock.now()).toBe(frozen);
  state.busy = 0;
  keeper.settle();
  await new Promise((r) => setTimeout(r, 50));
  expect(fired).toEqual(['t@10m']);
  expect(clock.now()).toBe(T0 + 10 * MIN);
});

test('a timer reached by flowing is reported as a move even when work froze the clock on it before the flow landed', async () => {
  const moves: string[] = [];
  const { clock, keeper, timer, fired, state } = world({ speed: 60_000, skipAllowed: () => false, moved: (to, how) => moves.push(`${how}@${(to - T0) / MIN}m`) });
  timer('t', T0 + 10 * MIN);
  keeper.settle();
  expect(clock.isFlowing).toBe(true);
  // The flow reaches the timer (10 ms of real time at this speed) while the event loop is busy, so
  // the flow's own landing has not run when a request opens and freezes time where it stands.
  const until = performance.now() + 50;
  while (performance.now() < until);
  state.busy = 1;
  keeper.busy();
  expect(clock.now()).toBe(T0 + 10 * MIN);
  expect(fired).toEqual([]);
  state.busy = 0;
  keeper.settle();
  await tick();
  // The timer fires where time stands, and that time is reported, so the hub persists it.
  expect(fired).toEqual(['t@10m']);
  expect(moves).toEqual(['flow@10m']);
});

test('time never moves backwards and speed must not be negative', () => {
  const clock = new VirtualClock({ startMs: T0, speed: 0 });
  expect(clock.advanceTo(T0 + MIN)).toBe(true);
  expect(clock.advanceTo(T0)).toBe(false);
  expect(clock.now()).toBe(T0 + MIN);
  expect(() => new VirtualClock({ speed: -1 })).toThrow(RangeError);
});

test('a participant that will act later asks to be woken: time skips to that moment (not past an earlier timer) and it gets a turn there', async () => {
  const { clock, keeper, timer, fired } = world();
  timer('late', T0 + 120 * MIN);
  const p = keeper.participate('a slow person');
  const first = await p.turn();
  // Nothing in the hub waits on a timer before 120m; the person will tick the step at 45m.
  p.ack(first!.seq, T0 + 45 * MIN);
  const woken = await p.turn();
  expect(woken).toEqual({ seq: 1, nowMs: T0 + 45 * MIN });
  expect(fired).toEqual([]);
  expect(keeper.describe().participants[0]).not.toHaveProperty('wakeAt');
  // A wake-up after a durable timer never lets a skip pass that timer.
  p.ack(woken!.seq, T0 + 150 * MIN);
  await tick();
  expect(fired).toEqual(['late@120m']);
  expect(clock.now()).toBe(T0 + 120 * MIN);
  // (A real hub works on the fired timer and settles again; this fake one is settled by hand.)
  keeper.settle();
  expect(clock.now()).toBe(T0 + 150 * MIN);
  expect(await p.turn()).toEqual({ seq: 2, nowMs: T0 + 150 * MIN });
});

test('with no timer at all and no wake-up, a quiescent clock stands still', async () => {
  const { clock, keeper } = world();
  const p = keeper.participate('people');
  const turn = await p.turn();
  p.ack(turn!.seq);
  await tick();
  expect(clock.now()).toBe(T0);
});
