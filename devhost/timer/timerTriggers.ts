/**
 * Timer triggers on the virtual clock: NCRONTAB schedules evaluated in
 * WEBSITE_TIME_ZONE, runOnStartup, and useMonitor with persisted last/next so a
 * missed occurrence fires once at start with `isPastDue: true`. Failures are not
 * retried (as in Azure).
 */
import { type VirtualClock, VirtualTimerQueue } from '../clock';
import type { FunctionRegistry, RegisteredFunction, RpcTypedData } from '../core/functionsCore';
import { errorMessage, invokeFunction } from '../core/invoke';
import { expandAppSettings } from '../core/settings';
import type { TaskHub } from '../durable/taskHub';
import type { HostLogger } from '../log';
import { type NcrontabSchedule, nextOccurrence, parseNcrontab } from './ncrontab';

/** Options for {@link TimerTriggers}. */
export interface TimerTriggersOptions {
  registry: FunctionRegistry;
  clock: VirtualClock;
  hub: TaskHub;
  logger: HostLogger;
  /** IANA zone (WEBSITE_TIME_ZONE), default UTC. */
  timeZone: string;
  /** Extra inputs (e.g. the durable client) for a function. */
  extraInputs: (fn: RegisteredFunction) => Record<string, RpcTypedData>;
}

interface ScheduledTimer {
  fn: RegisteredFunction;
  schedule: NcrontabSchedule;
  useMonitor: boolean;
  runOnStartup: boolean;
  next: number;
  running: boolean;
}

/** All timer-triggered functions of the app. */
export class TimerTriggers {
  private readonly queue: VirtualTimerQueue;
  private readonly timers: ScheduledTimer[] = [];
  private stopped = false;

  constructor(private readonly options: TimerTriggersOptions) {
    this.queue = new VirtualTimerQueue(options.clock);
    for (const fn of options.registry.byTrigger('timerTrigger')) {
      const raw = fn.trigger.schedule;
      if (typeof raw !== 'string') throw new Error(`Timer function '${fn.name}': schedule must be a string.`);
      let schedule: NcrontabSchedule;
      try {
        schedule = parseNcrontab(expandAppSettings(raw, process.env, `function ${fn.name} schedule`));
      } catch (err) {
        throw new Error(`Timer function '${fn.name}': invalid schedule "${raw}": ${errorMessage(err)}`);
      }
      const now = options.clock.now();
      const first = nextOccurrence(schedule, now, options.timeZone);
      const second = nextOccurrence(schedule, first, options.timeZone);
      const useMonitor = typeof fn.trigger.useMonitor === 'boolean' ? fn.trigger.useMonitor : second - first >= 60_000;
      this.timers.push({ fn, schedule, useMonitor, runOnStartup: fn.trigger.runOnStartup === true, next: first, running: false });
    }
  }

  /** Fire startup and past-due invocations, then arm every schedule. */
  start(): void {
    const now = this.options.clock.now();
    for (const t of this.timers) {
      const status = t.useMonitor ? this.options.hub.getTimerTriggerStatus(t.fn.name) : undefined;
      if (status && status.next <= now) {
        // Missed while the host was down: one invocation, flagged past due.
        void this.fire(t, status.next, true);
      } else if (t.runOnStartup) {
        void this.fire(t, now, false);
      }
      this.arm(t, nextOccurrence(t.schedule, now, this.options.timeZone));
    }
  }

  /** Earliest next occurrence (caps time skips so rehearsals keep timer triggers on time). */
  nextDue(): number | undefined {
    return this.queue.nextDue();
  }

  /** Run a timer function now, as `POST /admin/functions/{name}` does. */
  async invokeNow(name: string): Promise<boolean> {
    const t = this.timers.find((x) => x.fn.name.toLowerCase() === name.toLowerCase());
    if (!t) return false;
    await this.fire(t, this.options.clock.now(), false);
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.queue.stop();
  }

  private arm(t: ScheduledTimer, at: number): void {
    t.next = at;
    if (t.useMonitor) this.persist(t, this.options.hub.getTimerTriggerStatus(t.fn.name)?.last ?? 0, at);
    this.queue.set(t.fn.name, at, () => {
      if (this.stopped) return;
      // Re-arm before invoking so the next occurrence keeps capping time skips.
      this.arm(t, nextOccurrence(t.schedule, Math.max(at, this.options.clock.now()), this.options.timeZone));
      void this.fire(t, at, false);
    });
  }

  private persist(t: ScheduledTimer, last: number, next: number): void {
    this.options.hub.setTimerTriggerStatus({ name: t.fn.name, last, next, lastUpdated: this.options.clock.now() });
  }

  private async fire(t: ScheduledTimer, occurrence: number, isPastDue: boolean): Promise<void> {
    if (t.running) return;
    t.running = true;
    const now = this.options.clock.now();
    const status = this.options.hub.getTimerTriggerStatus(t.fn.name);
    const next = nextOccurrence(t.schedule, Math.max(occurrence, now), this.options.timeZone);
    const payload = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: t.useMonitor ? { Last: new Date(status?.last || occurrence).toISOString(), Next: new Date(next).toISOString(), LastUpdated: new Date(status?.lastUpdated || now).toISOString() } : null,
      IsPastDue: isPastDue,
    };
    const started = performance.now();
    try {
      const result = await this.options.hub.track(invokeFunction(this.options.registry, t.fn, { json: JSON.stringify(payload) }, { extraInputs: this.options.extraInputs(t.fn) }));
      this.options.logger.invocation({
        function: t.fn.name,
        kind: 'timer',
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        outcome: result.error === undefined ? 'succeeded' : 'failed',
        error: result.error === undefined ? undefined : errorMessage(result.error),
        invocationId: result.invocationId,
      });
    } catch (err) {
      this.options.logger.log({ level: 'error', msg: 'timer invocation crashed in the host', function: t.fn.name, error: errorMessage(err) });
    } finally {
      t.running = false;
      if (t.useMonitor) this.persist(t, occurrence, Math.max(next, t.next));
    }
  }
}
