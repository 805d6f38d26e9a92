/**
 * The durable task hub's engine: orchestration instances, activities, timers and entities,
 * kept in memory and persisted through the journal (see journal.ts). Orchestrators
 * are invoked through the app's own programming model with full history (true
 * replay); replay.ts turns what they return into history and new work.
 */
import { VirtualTimerQueue } from '../clock';
import type { RegisteredFunction, RpcTypedData } from '../core/functionsCore';
import { errorMessage, fromTypedData, invokeFunction } from '../core/invoke';
import { EventType, type HistoryEvent, isTerminal, makeEvent, toJsonText } from './history';
import { HTTP_ACTIVITY, runHttpActivity } from './httpCalls';
import { applyRewind } from './rewind';
import {
  type EntityData,
  type HubSnapshot,
  type InstanceData,
  Journal,
  type JournalRecord,
  type TimerTriggerStatus,
} from './journal';
import { TimeKeeper } from './timeKeeper';
import { type ActivityWork, type InstanceStatus, type TaskHubOptions, TaskHubError, activityBindingData, controlEvents, isoSeconds, lastStartedMs, parseOrNull, round } from './hubParts';

export { TaskHubError, isoSeconds, parseOrNull, type InstanceStatus, type TaskHubOptions };
import { decideEpisode } from './episode';
import { parseEntityId, runEntityBatch } from './entityBatch';

/** A task hub running in this process. */
export class HubEngine {
  /** Event names each instance waits for, after its latest episode. */
  protected readonly waitingEvents = new Map<string, string[]>();
  protected extraInputs?: (fn: RegisteredFunction) => Record<string, RpcTypedData>;
  readonly name: string;
  protected readonly instances = new Map<string, InstanceData>();
  protected readonly entities = new Map<string, EntityData>();
  protected readonly timerTriggers = new Map<string, TimerTriggerStatus>();
  protected readonly runnable = new Set<string>();
  protected readonly running = new Set<string>();
  protected readonly deferredSince = new Map<string, number>();
  protected readonly runnableEntities = new Set<string>();
  protected readonly runningEntities = new Set<string>();
  protected readonly activityQueue: ActivityWork[] = [];
  protected activeActivities = 0;
  /** Activities running now, by name and instance (for the clock's reading: what time waits for). */
  protected readonly activitiesRunning = new Map<ActivityWork, string>();
  protected externalWork = 0;
  protected readonly timers: VirtualTimerQueue;
  protected readonly timersByInstance = new Map<string, Set<string>>();
  /** Timers the orchestrator cancelled (runtime only: after a restart they fire and are ignored by the SDK). */
  protected readonly canceledTimers = new Map<string, Set<number>>();
  protected deferTimer: NodeJS.Timeout | undefined;
  protected readonly journal: Journal;
  protected pumpScheduled = false;
  protected stopped = false;
  /** Timers outside the hub (timer triggers) that a move of time must not pass. */
  protected otherTimers?: () => number | undefined;
  /** Decides when virtual time moves: only while this hub is quiescent. */
  readonly time: TimeKeeper;
  protected idleWaiters: (() => void)[] = [];
  protected lastClockRecorded = 0;
  protected readonly stats = { activitiesDone: 0, episodes: 0, replayedEvents: 0 };

  constructor(protected options: TaskHubOptions) {
    this.name = options.name;
    this.timers = new VirtualTimerQueue(options.clock);
    this.time = new TimeKeeper({
      clock: options.clock,
      isIdle: () => this.isIdle(),
      nextDurableDue: () => this.timers.nextDue(),
      nextOtherDue: () => this.otherTimers?.(),
      skipAllowed: () => this.skipAllowed(),
      moved: (to, how) => {
        if (how === 'skip') this.options.logger.log({ level: 'debug', msg: 'time skip', to: new Date(to).toISOString() });
        this.recordClock();
      },
    });
    this.journal = new Journal(options.backend, (err) => options.logger.log({ level: 'error', msg: 'journal append failed; retrying', error: errorMessage(err) }));
  }

  // ---------------------------------------------------------------- lifecycle

  /** Recover state from storage and start a fresh generation. Returns the persisted virtual time. */
  async open(): Promise<number> {
    const { snapshot, records } = await this.options.backend.open();
    let clockMs = 0;
    if (snapshot) {
      clockMs = snapshot.clockMs;
      for (const i of snapshot.instances) this.instances.set(i.id, i);
      for (const e of snapshot.entities) this.entities.set(e.id, e);
      for (const t of snapshot.timerTriggers) this.timerTriggers.set(t.name, t);
    }
    for (const rec of records) {
      if (rec.k === 'clock') clockMs = Math.max(clockMs, rec.now);
      else this.apply(rec);
    }
    await this.options.backend.writeSnapshot(this.snapshot(clockMs));
    this.lastClockRecorded = clockMs;
    return clockMs;
  }

  /** Re-derive in-flight work (activities, timers, runnable instances) and start running. */
  start(): void {
    for (const inst of this.instances.values()) {
      if (isTerminal(inst.status)) continue;
      this.scheduleFromHistory(inst, inst.history, true);
      if (inst.inbox.length > 0) this.markRunnable(inst.id);
    }
    for (const ent of this.entities.values()) if (ent.queue.length > 0) this.runnableEntities.add(ent.id);
    this.pump();
  }

  /** Stop dispatching, wait for running work to settle briefly and flush the journal. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    this.time.stop();
    const deadline = Date.now() + 5000;
    while ((this.activeActivities > 0 || this.running.size > 0 || this.runningEntities.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    this.recordClock();
    // Storage that went away first (an Azurite killed with this process group) never takes
    // the last records: give up at the deadline rather than retry forever.
    const flushed = await Promise.race([
      this.journal.flushed().then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), Math.max(1000, deadline - Date.now())).unref()),
    ]);
    if (!flushed) this.options.logger.log({ level: 'error', msg: 'task hub stopped with journal records not written', backlog: this.journal.backlog });
    this.journal.close();
  }

  /** Extra input bindings per function (durable client bindings on activities, as the extension allows). */
  setExtraInputs(extraInputs: (fn: RegisteredFunction) => Record<string, RpcTypedData>): void {
    this.extraInputs = extraInputs;
  }

  /** Timers outside the hub (the next timer-trigger occurrence): a move of time lands on them, never past. */
  setOtherTimers(nextDue: () => number | undefined): void {
    this.otherTimers = nextDue;
  }

  /** Change the skip policy (see TaskHubOptions.holdSkipOnEvents). */
  setHoldSkipOnEvents(events: string[] | undefined): void {
    this.options = { ...this.options, holdSkipOnEvents: events };
    this.time.poke();
  }

  /** Resolves when everything recorded so far is durable. */
  flushed(): Promise<void> {
    return this.journal.flushed();
  }

  // ---------------------------------------------------------------- state transitions

  /** Apply one transition to memory; the only place state changes (live and on recovery). */
  protected apply(rec: JournalRecord): void {
    switch (rec.k) {
      case 'create': {
        const started = makeEvent(EventType.ExecutionStarted, rec.at, {
          Name: rec.name,
          Version: rec.version,
          Input: rec.input,
          OrchestrationInstance: { InstanceId: rec.id, ExecutionId: rec.executionId },
          ParentInstance: rec.parent
            ? { Name: rec.parent.name, OrchestrationInstance: { InstanceId: rec.parent.instanceId, ExecutionId: rec.parent.executionId }, TaskScheduleId: rec.parent.taskScheduledId }
            : null,
        });
        this.instances.set(rec.id, {
          id: rec.id,
          name: rec.name,
          version: rec.version,
          executionId: rec.executionId,
          status: 'Pending',
          input: rec.input,
          output: null,
          customStatus: null,
          createdAt: rec.at,
          updatedAt: rec.at,
          history: [],
          inbox: [started],
          parent: rec.parent,
        });
        return;
      }
      case 'msg': {
        const inst = this.instances.get(rec.id);
        if (!inst || isTerminal(inst.status)) return;
        if (rec.executionId && rec.executionId !== inst.executionId) return;
        inst.inbox.push(rec.ev);
        return;
      }
      case 'episode': {
        const inst = this.instances.get(rec.id);
        if (!inst) return;
        inst.inbox.splice(0, rec.consumed);
        for (const e of inst.history) e.IsPlayed = true;
        for (const e of rec.events) inst.history.push(e);
        inst.status = inst.status === 'Suspended' && rec.status === 'Running' ? 'Suspended' : rec.status;
        inst.output = rec.output;
        inst.customStatus = rec.customStatus;
        inst.updatedAt = rec.at;
        if (rec.continueAsNew) {
          inst.executionId = rec.continueAsNew.executionId;
          inst.input = rec.continueAsNew.input;
          inst.history = [];
          inst.status = 'Running';
          inst.inbox.unshift(
            makeEvent(EventType.ExecutionStarted, rec.at, {
              Name: inst.name,
              Version: inst.version,
              Input: rec.continueAsNew.input,
              OrchestrationInstance: { InstanceId: inst.id, ExecutionId: rec.continueAsNew.executionId },
              ParentInstance: null,
            }),
          );
        }
        for (const o of rec.out) this.apply(o);
        return;
      }
      case 'control': {
        const inst = this.instances.get(rec.id);
        if (!inst) return;
        inst.updatedAt = rec.at;
        // A new array: an episode in flight keeps the history it was given.
        inst.history = [...inst.history, ...controlEvents(rec.op, rec.reason, rec.at)];
        if (rec.op === 'terminate') {
          inst.status = 'Terminated';
          inst.output = toJsonText(rec.reason);
          inst.inbox = [];
        } else if (rec.op === 'suspend') {
          inst.suspendedFrom = inst.status;
          inst.status = 'Suspended';
        } else {
          inst.status = inst.suspendedFrom ?? 'Running';
          inst.suspendedFrom = undefined;
        }
        for (const o of rec.out) this.apply(o);
        return;
      }
      case 'purge':
        this.instances.delete(rec.id);
        return;
      case 'rewind':
        applyRewind(this.instances, rec.id, rec.reason, rec.at);
        return;
      case 'ereq': {
        const ent = this.entities.get(rec.id) ?? { id: rec.id, exists: false, queue: [], updatedAt: rec.at };
        ent.queue.push(rec.req);
        this.entities.set(rec.id, ent);
        return;
      }
      case 'entity': {
        const ent = this.entities.get(rec.id);
        if (!ent) return;
        ent.queue.splice(0, rec.consumed);
        ent.exists = rec.exists;
        ent.state = rec.state;
        ent.updatedAt = rec.at;
        for (const o of rec.out) this.apply(o);
        return;
      }
      case 'entityPurge':
        this.entities.delete(rec.id);
        return;
      case 'timerTrigger':
        this.timerTriggers.set(rec.status.name, rec.status);
        return;
      case 'clock':
        return;
    }
  }

  /** Apply live, journal, and react (new work, runnable instances). */
  protected commit(rec: JournalRecord): void {
    if (rec.k !== 'clock' && rec.k !== 'timerTrigger') this.time.changed();
    this.apply(rec);
    // Time that flowed and was frozen by work, not landed on a timer, is journaled before the
    // work's record: a restart never puts the clock back before anything it reads.
    if (rec.k !== 'clock') this.recordClock();
    this.journal.record(rec);
    this.react(rec);
  }

  protected react(rec: JournalRecord): void {
    switch (rec.k) {
      case 'create':
      case 'msg':
        this.markRunnable(rec.id);
        return;
      case 'ereq':
        this.runnableEntities.add(rec.id);
        this.pump();
        return;
      case 'episode': {
        const inst = this.instances.get(rec.id);
        if (inst) {
          if (isTerminal(inst.status)) this.dropInstanceTimers(inst.id);
          else if (rec.continueAsNew) this.dropInstanceTimers(inst.id);
          else this.scheduleFromHistory(inst, rec.events, false);
          if (inst.inbox.length > 0) this.markRunnable(inst.id);
        }
        for (const o of rec.out) this.react(o);
        return;
      }
      case 'control': {
        const inst = this.instances.get(rec.id);
        if (inst && isTerminal(inst.status)) this.dropInstanceTimers(inst.id);
        if (inst && inst.inbox.length > 0) this.markRunnable(inst.id);
        for (const o of rec.out) this.react(o);
        this.pump();
        return;
      }
      case 'entity':
        if ((this.entities.get(rec.id)?.queue.length ?? 0) > 0) this.runnableEntities.add(rec.id);
        for (const o of rec.out) this.react(o);
        this.pump();
        return;
      default:
        return;
    }
  }

  /**
   * Start the activities and timers that `events` scheduled and that have no result
   * yet. On recovery `events` is the whole history, so lost work is redone.
   */
  protected scheduleFromHistory(inst: InstanceData, events: readonly HistoryEvent[], recovering: boolean): void {
    let done: Set<number> | undefined;
    if (recovering) {
      done = new Set<number>();
      for (const e of [...inst.history, ...inst.inbox]) {
        if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) done.add(e.TaskScheduledId ?? -1);
        if (e.EventType === EventType.TimerFired) done.add(e.TimerId ?? -1);
        if (e.EventType === EventType.SubOrchestrationInstanceCompleted || e.EventType === EventType.SubOrchestrationInstanceFailed) done.add(e.TaskScheduledId ?? -1);
      }
    }
    const canceled = this.canceledTimers.get(inst.id);
    for (const e of events) {
      if (done?.has(e.EventId)) continue;
      if (e.EventType === EventType.TaskScheduled) {
        this.activityQueue.push({ instanceId: inst.id, executionId: inst.executionId, taskId: e.EventId, name: e.Name ?? '', input: e.Input ?? 'null' });
      } else if (e.EventType === EventType.TimerCreated) {
        if (canceled?.has(e.EventId)) continue;
        this.armTimer(inst.id, inst.executionId, e.EventId, Date.parse(e.FireAt ?? e.Timestamp));
      } else if (recovering && e.EventType === EventType.SubOrchestrationInstanceCreated) {
        this.redeliverChildResult(inst, e);
      }
    }
    this.pump();
  }

  /** After a crash between a child's completion and... nothing: both are one record. Kept for purged children. */
  protected redeliverChildResult(parent: InstanceData, created: HistoryEvent): void {
    const child = this.instances.get(created.InstanceId ?? '');
    if (child) return;
    // The child was purged before reporting back: fail the call rather than hang forever.
    this.journalAndApplyLater({
      k: 'msg',
      id: parent.id,
      executionId: parent.executionId,
      ev: makeEvent(EventType.SubOrchestrationInstanceFailed, this.now(), {
        TaskScheduledId: created.EventId,
        Reason: `Sub-orchestration '${created.InstanceId ?? ''}' no longer exists.`,
        Details: '',
      }),
    });
  }

  protected journalAndApplyLater(rec: JournalRecord): void {
    // Counted as work until it lands, so time cannot move in between.
    this.externalWork++;
    setImmediate(() => {
      this.externalWork--;
      this.commit(rec);
      this.pump();
    });
  }

  protected armTimer(instanceId: string, executionId: string, timerId: number, fireAtMs: number): void {
    const key = `${instanceId}\u0000${executionId}\u0000${timerId}`;
    let set = this.timersByInstance.get(instanceId);
    if (!set) this.timersByInstance.set(instanceId, (set = new Set()));
    set.add(key);
    this.timers.set(key, fireAtMs, () => {
      set?.delete(key);
      if (this.stopped) return;
      this.commit({
        k: 'msg',
        id: instanceId,
        executionId,
        ev: makeEvent(EventType.TimerFired, this.now(), { TimerId: timerId, FireAt: new Date(fireAtMs).toISOString() }),
      });
    });
  }

  protected dropTimer(instanceId: string, executionId: string, timerId: number): void {
    const key = `${instanceId}\u0000${executionId}\u0000${timerId}`;
    this.timers.delete(key);
    this.timersByInstance.get(instanceId)?.delete(key);
  }

  protected dropInstanceTimers(instanceId: string): void {
    for (const key of this.timersByInstance.get(instanceId) ?? []) this.timers.delete(key);
    this.timersByInstance.delete(instanceId);
    this.canceledTimers.delete(instanceId);
    this.waitingEvents.delete(instanceId);
  }

  protected markRunnable(id: string): void {
    this.runnable.add(id);
    this.pump();
  }

  protected now(): number {
    return this.options.clock.now();
  }

  // ---------------------------------------------------------------- dispatch

  protected pump(): void {
    this.time.busy();
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.dispatch();
    });
  }

  protected dispatch(): void {
    if (this.stopped) return;
    if (this.options.ordered) {
      this.dispatchOrdered();
      return;
    }
    const maxActivities = this.options.maxConcurrentActivities ?? 100;
    while (this.activeActivities < maxActivities && this.activityQueue.length > 0) {
      const work = this.activityQueue.shift();
      if (work) void this.runActivity(work);
    }
    const maxOrch = this.options.maxConcurrentOrchestrations ?? 50;
    const busyElsewhere = this.activityQueue.length > 0 || this.activeActivities > 0;
    for (const id of [...this.runnable]) {
      if (this.running.size >= maxOrch) break;
      if (this.running.has(id)) continue;
      const inst = this.instances.get(id);
      this.runnable.delete(id);
      if (!inst || isTerminal(inst.status) || inst.inbox.length === 0) continue;
      if (inst.status === 'Suspended') continue;
      if (busyElsewhere && this.shouldDefer(inst)) {
        this.runnable.add(id);
        continue;
      }
      this.deferredSince.delete(id);
      void this.runEpisode(inst);
    }
    for (const id of [...this.runnableEntities]) {
      if (this.runningEntities.has(id)) continue;
      this.runnableEntities.delete(id);
      const ent = this.entities.get(id);
      if (ent && ent.queue.length > 0) void this.runEntity(ent);
    }
    if (this.runnable.size > 0 && !this.deferTimer) {
      // Deferred instances are re-examined shortly (see shouldDefer).
      this.deferTimer = setTimeout(() => {
        this.deferTimer = undefined;
        this.pump();
      }, 10);
      this.deferTimer.unref();
    }
    this.checkIdle();
  }

  /**
   * Ordered mode: one work item at a time, chosen in a fixed order (activities in the order
   * they were scheduled, then entity batches, then orchestrator episodes, each first come
   * first served). What runs next never depends on how long the last thing took, so the
   * vendor calls of a run come in the same order on a quiet or a loaded machine. Episodes
   * wait until every activity has reported, so a fan-out's results arrive in one episode.
   */
  protected dispatchOrdered(): void {
    if (this.activeActivities > 0 || this.running.size > 0 || this.runningEntities.size > 0) return;
    const work = this.activityQueue[0];
    if (work && this.options.parallelActivities?.includes(work.name)) {
      let n = 1;
      const max = this.options.maxConcurrentActivities ?? 16;
      while (n < max && n < this.activityQueue.length && this.activityQueue[n]!.name === work.name) n++;
      void this.runWave(this.activityQueue.splice(0, n));
      return;
    }
    if (work) {
      void this.runActivity(this.activityQueue.shift()!);
      return;
    }
    for (const id of this.runnableEntities) {
      this.runnableEntities.delete(id);
      const ent = this.entities.get(id);
      if (ent && ent.queue.length > 0) {
        void this.runEntity(ent);
        return;
      }
    }
    for (const id of this.runnable) {
      this.runnable.delete(id);
      const inst = this.instances.get(id);
      if (!inst || isTerminal(inst.status) || inst.inbox.length === 0 || inst.status === 'Suspended') continue;
      void this.runEpisode(inst);
      return;
    }
    this.checkIdle();
  }

  /**
   * Replay cost control: an instance with a long history (a big fan-out) waits while
   * other work is still producing results for it, so its completions are handled in a
   * few large episodes instead of one episode each.
   */
  protected shouldDefer(inst: InstanceData): boolean {
    if (inst.history.length < 200) return false;
    const since = this.deferredSince.get(inst.id);
    const now = performance.now();
    if (since === undefined) {
      this.deferredSince.set(inst.id, now);
      return true;
    }
    if (now - since > 250) return false;
    return inst.inbox.length < inst.history.length / 16;
  }

  protected async runActivity(work: ActivityWork): Promise<void> {
    const ev = await this.executeActivity(work);
    if (!this.stopped) this.commit({ k: 'msg', id: work.instanceId, executionId: work.executionId, ev });
    this.pump();
  }

  /** Ordered mode: calls that commute, run together; their results committed in queue order once all are in. */
  protected async runWave(works: ActivityWork[]): Promise<void> {
    const events = await Promise.all(works.map((w) => this.executeActivity(w)));
    if (!this.stopped) works.forEach((w, i) => this.commit({ k: 'msg', id: w.instanceId, executionId: w.executionId, ev: events[i]! }));
    this.pump();
  }

  /** Runs an activity and logs it; its TaskCompleted or TaskFailed event (not yet committed). */
  protected async executeActivity(work: ActivityWork): Promise<HistoryEvent> {
    this.activeActivities++;
    this.activitiesRunning.set(work, `${work.name} (${work.instanceId})`);
    const jitter = this.options.activityJitterMs ?? 0;
    if (jitter > 0) await new Promise((r) => setTimeout(r, Math.random() * jitter));
    const started = performance.now();
    const fn = this.options.registry.get(work.name);
    let ev: HistoryEvent;
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let errorText: string | undefined;
    try {
      ev = makeEvent(EventType.TaskCompleted, this.now(), { TaskScheduledId: work.taskId, Result: await this.activityResult(fn, work) });
    } catch (err) {
      outcome = 'failed';
      errorText = errorMessage(err);
      ev = makeEvent(EventType.TaskFailed, this.now(), {
        TaskScheduledId: work.taskId,
        // The built-in HTTP activity fails with the exception's own message (TaskHttpActivityShim).
        Reason: work.name === HTTP_ACTIVITY ? errorText : `Activity function '${work.name}' failed: ${errorText}`,
        Details: JSON.stringify({ Message: errorText, StackTrace: err instanceof Error ? (err.stack ?? '') : '' }),
      });
    }
    this.activeActivities--;
    this.activitiesRunning.delete(work);
    this.stats.activitiesDone++;
    this.options.logger.invocation({ function: work.name, kind: 'activity', instanceId: work.instanceId, durationMs: round(performance.now() - started), outcome, error: errorText });
    return ev;
  }

  /** Run one activity (the app's, or the built-in HTTP activity); its result as JSON text, or throw. */
  protected async activityResult(fn: RegisteredFunction | undefined, work: ActivityWork): Promise<string> {
    if (work.name === HTTP_ACTIVITY) return runHttpActivity(work.input);
    if (!fn || fn.trigger.type !== 'activityTrigger') throw new Error(`The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`);
    const result = await invokeFunction(this.options.registry, fn, { string: work.input }, {
      log: this.userLog(work.name, work.instanceId),
      bindingData: activityBindingData(fn, work),
      ...(this.extraInputs ? { extraInputs: this.extraInputs(fn) } : {}),
    });
    if (result.error !== undefined) throw result.error;
    return toJsonText(fromTypedData(result.returnValue));
  }

  protected userLog(functionName: string, instanceId?: string): (level: string, category: string, message: string) => void {
    return (level, category, message) => {
      if (category !== 'user' && level !== 'warning' && level !== 'error') return;
      this.options.logger.log({ level: level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'info', msg: message, function: functionName, instanceId, category });
    };
  }

  protected async runEpisode(inst: InstanceData): Promise<void> {
    this.running.add(inst.id);
    const started = performance.now();
    const now = Math.max(this.now(), lastStartedMs(inst));
    const consumed = inst.inbox.length;
    const fresh = [makeEvent(EventType.OrchestratorStarted, now), ...inst.inbox.slice(0, consumed)];
    const past = inst.history;
    const executionId = inst.executionId;
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let errorText: string | undefined;
    let bindingChars: number | undefined;
    try {
      const episode = await decideEpisode({ registry: this.options.registry, log: this.userLog(inst.name, inst.id), statusOf: (id) => this.instances.get(id)?.status }, inst, past, fresh, now);
      const { decision, effects } = episode;
      bindingChars = episode.bindingChars;
      if (effects) {
        this.waitingEvents.set(inst.id, effects.waitingFor);
        for (const id of effects.canceledTimerIds) this.dropTimer(inst.id, inst.executionId, id);
        if (effects.canceledTimerIds.length > 0) this.canceledTimers.set(inst.id, new Set(effects.canceledTimerIds));
      }
      if (decision.status === 'Failed') {
        outcome = 'failed';
        errorText = decision.output ?? undefined;
      }
      if (this.stopped || inst.executionId !== executionId || isTerminal(inst.status) || this.instances.get(inst.id) !== inst) return;
      this.commit({ k: 'episode', id: inst.id, consumed, at: now, ...decision });
    } catch (err) {
      // A host bug, not a user error: log it and leave the inbox for another try.
      outcome = 'failed';
      errorText = errorMessage(err);
      this.options.logger.log({ level: 'error', msg: 'orchestration episode crashed in the host', instanceId: inst.id, error: errorText, stack: err instanceof Error ? err.stack : undefined });
    } finally {
      this.running.delete(inst.id);
      this.stats.episodes++;
      this.stats.replayedEvents += past.length + fresh.length;
      this.options.logger.invocation({ function: inst.name, kind: 'orchestrator', instanceId: inst.id, durationMs: round(performance.now() - started), outcome, error: errorText, ...(bindingChars !== undefined ? { bindingChars } : {}) });
      if (inst.inbox.length > 0 && !isTerminal(inst.status)) this.markRunnable(inst.id);
      this.pump();
    }
  }

  protected async runEntity(ent: EntityData): Promise<void> {
    this.runningEntities.add(ent.id);
    const started = performance.now();
    const ops = ent.queue.slice(0, 100);
    const { name } = parseEntityId(ent.id);
    const now = this.now();
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let errorText: string | undefined;
    try {
      const batch = await runEntityBatch({ registry: this.options.registry, log: this.userLog(name, ent.id) }, ent, ops, now);
      if (batch.errorText !== undefined || batch.failed) outcome = 'failed';
      errorText = batch.errorText;
      const { exists, state, out } = batch;
      if (!this.stopped) this.commit({ k: 'entity', id: ent.id, consumed: ops.length, exists, state, at: now, out });
    } catch (err) {
      outcome = 'failed';
      errorText = errorMessage(err);
      this.options.logger.log({ level: 'error', msg: 'entity batch crashed in the host', entityId: ent.id, error: errorText });
    } finally {
      this.runningEntities.delete(ent.id);
      this.options.logger.invocation({ function: name, kind: 'entity', instanceId: ent.id, durationMs: round(performance.now() - started), outcome, error: errorText });
      if (ent.queue.length > 0) this.runnableEntities.add(ent.id);
      this.pump();
    }
  }

  // ---------------------------------------------------------------- quiescence

  /**
   * Count work outside the hub (HTTP requests, timer-trigger invocations) as activity,
   * so virtual time does not move while a function is still running.
   */
  async track<T>(work: Promise<T>): Promise<T> {
    this.externalWork++;
    this.time.busy();
    try {
      return await work;
    } finally {
      this.externalWork--;
      this.pump();
    }
  }

  /** What keeps the hub busy right now (the clock's reading shows it: what time waits for). */
  busyWith(): { activities: string[]; queuedActivities: number; orchestrators: string[]; runnable: number; entities: string[]; otherWork: number } {
    return {
      activities: [...this.activitiesRunning.values()],
      queuedActivities: this.activityQueue.length,
      orchestrators: [...this.running],
      runnable: this.runnable.size,
      entities: [...this.runningEntities],
      otherWork: this.externalWork,
    };
  }

  /** Whether nothing is running or queued (timers may be pending). */
  isIdle(): boolean {
    return (
      this.externalWork === 0 &&
      this.activityQueue.length === 0 &&
      this.activeActivities === 0 &&
      this.running.size === 0 &&
      this.runnable.size === 0 &&
      this.runningEntities.size === 0 &&
      this.runnableEntities.size === 0
    );
  }

  protected checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    this.time.settle();
  }

  /**
   * The skip policy beyond quiescence. With `holdSkipOnEvents`, no instance may wait for an
   * event a person raises; without it, every live instance must wait on a timer (an
   * instance waiting on an event alone may be about to get it from outside).
   */
  protected skipAllowed(): boolean {
    const held = this.options.holdSkipOnEvents?.map((e) => e.toLowerCase());
    if (held && held.length === 0) return true;
    for (const inst of this.instances.values()) {
      if (isTerminal(inst.status) || inst.status === 'Suspended') continue;
      if (held) {
        if ((this.waitingEvents.get(inst.id) ?? []).some((e) => held.includes(e.toLowerCase()))) return false;
      } else if ((this.timersByInstance.get(inst.id)?.size ?? 0) === 0) return false;
    }
    return true;
  }

  protected recordClock(): void {
    const now = this.now();
    if (now > this.lastClockRecorded) {
      this.lastClockRecorded = now;
      this.journal.record({ k: 'clock', now });
    }
  }

  /**
   * Live instances waiting for one of `events` after their latest episode, with their history
   * length (it grows with every episode, so a changed list means something new to look at).
   */
  waitingFor(events: string[]): { instanceId: string; events: string[]; historyLength: number }[] {
    const wanted = new Set(events.map((e) => e.toLowerCase()));
    const out: { instanceId: string; events: string[]; historyLength: number }[] = [];
    for (const [id, names] of this.waitingEvents) {
      const inst = this.instances.get(id);
      if (!inst || isTerminal(inst.status)) continue;
      const hits = names.filter((n) => wanted.has(n.toLowerCase()));
      if (hits.length > 0) out.push({ instanceId: id, events: hits, historyLength: inst.history.length });
    }
    return out.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  }

  /** Resolves when the hub is next idle (used by benchmarks and shutdown). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  protected snapshot(clockMs: number): HubSnapshot {
    return {
      version: 1,
      clockMs,
      instances: [...this.instances.values()],
      entities: [...this.entities.values()],
      timerTriggers: [...this.timerTriggers.values()],
    };
  }
}
