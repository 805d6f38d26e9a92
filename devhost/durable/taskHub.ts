/**
 * The durable task hub: the engine (hubEngine.ts) plus the client operations the Durable HTTP
 * API and the durable client binding call (start, status, events, terminate/suspend/resume,
 * rewind, purge, entities, timer-trigger status).
 */
import { randomUUID } from 'node:crypto';
import { EventType, type RuntimeStatus, isTerminal, makeEvent, toJsonText } from './history';
import { invalidFunctionMessage } from './functionMessages';
import { applyRewind } from './rewind';
import { toStatusHistory } from './statusHistory';
import {
  type CreateRecord,
  type InstanceData,
  type JournalRecord,
  type TimerTriggerStatus,
} from './journal';
import type { EntityRequest } from './replay';
import { reportToParent } from './episode';
import { parseEntityId } from './entityBatch';
import { HubEngine, TaskHubError, isoSeconds, parseOrNull, type InstanceStatus } from './hubEngine';

export class TaskHub extends HubEngine {
  // ---------------------------------------------------------------- client operations

  /** Start a new instance (202 semantics); 409 when one with this id is still running. */
  async startNew(name: string, instanceId: string | undefined, input: unknown, version = ''): Promise<string> {
    // DurableClient.StartNewAsync: the checks, then DTFx's dedupe on the existing instance's status.
    const fn = this.options.registry.get(name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') throw new TaskHubError(400, invalidFunctionMessage(this.options.registry, name, 'orchestrator'), 'System.ArgumentException');
    const id = instanceId || randomUUID().replace(/-/g, '');
    // The extension passes message and parameter name swapped, so .NET prints them this way.
    if (id.startsWith('@')) throw new TaskHubError(400, "instanceId (Parameter 'Orchestration instance ids must not start with @.')", 'System.ArgumentException');
    if (/[/\\#?\p{Cc}]/u.test(id)) throw new TaskHubError(400, "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')", 'System.ArgumentException');
    if (id.length > 256) throw new TaskHubError(400, 'Instance ID lengths must not exceed 256 characters.', 'System.ArgumentException');
    const existing = this.instances.get(id);
    if (existing && !isTerminal(existing.status)) {
      // overridableExistingInstanceStates: NonRunningStates (default) refuses, as the Azure Storage
      // provider does with ThrowExceptionOnInvalidDedupeStatus; AnyState replaces the execution.
      if (this.options.overridableExistingInstanceStates !== 'AnyState') {
        throw new TaskHubError(500, `An Orchestration instance with the status ${existing.status} already exists.`, 'DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException');
      }
      this.dropInstanceTimers(id);
    }
    const rec: CreateRecord = {
      k: 'create',
      id,
      name: fn.name,
      version,
      executionId: randomUUID().replace(/-/g, ''),
      input: input === undefined ? null : toJsonText(input),
      at: this.now(),
    };
    this.commit(rec);
    await this.flushed();
    return id;
  }

  /** Status of one instance, or undefined. */
  getStatus(instanceId: string, opts: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean } = {}): InstanceStatus | undefined {
    const inst = this.instances.get(instanceId);
    if (!inst) return undefined;
    return this.toStatus(inst, opts);
  }

  /** All instances matching the filter, newest first. */
  listInstances(filter: { createdFrom?: number; createdTo?: number; statuses?: RuntimeStatus[]; instanceIdPrefix?: string } = {}): InstanceStatus[] {
    const out: InstanceStatus[] = [];
    for (const inst of this.instances.values()) {
      if (filter.createdFrom !== undefined && inst.createdAt < filter.createdFrom) continue;
      if (filter.createdTo !== undefined && inst.createdAt > filter.createdTo) continue;
      if (filter.statuses && filter.statuses.length > 0 && !filter.statuses.includes(inst.status)) continue;
      if (filter.instanceIdPrefix && !inst.id.startsWith(filter.instanceIdPrefix)) continue;
      out.push(this.toStatus(inst, { showInput: true }));
    }
    return out.sort((a, b) => b.createdTime.localeCompare(a.createdTime));
  }

  /** Raise an event: 404 unknown instance, 410 when it has finished. */
  async raiseEvent(instanceId: string, name: string, data: unknown): Promise<void> {
    this.assertCanRaise(instanceId);
    this.commit({ k: 'msg', id: instanceId, ev: makeEvent(EventType.EventRaised, this.now(), { Name: name, Input: toJsonText(data) }) });
    await this.flushed();
  }

  /** HandleRaiseEventRequestAsync's checks, made before the body is read: 404 unknown, 410 when finished (Failed too). */
  assertCanRaise(instanceId: string): void {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new TaskHubError(404, '');
    if (isTerminal(inst.status)) throw new TaskHubError(410, '');
  }

  /**
   * Terminate, suspend or resume (HttpApiHandler + DurableClient): 404 unknown, 410 when
   * finished; suspending a Suspended instance or resuming one that is not suspended is the
   * client's InvalidOperationException (500).
   */
  async control(instanceId: string, op: 'terminate' | 'suspend' | 'resume', reason: string | null): Promise<void> {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new TaskHubError(404, '');
    if (isTerminal(inst.status)) throw new TaskHubError(410, '');
    if ((op === 'suspend' && inst.status === 'Suspended') || (op === 'resume' && inst.status !== 'Suspended')) {
      throw new TaskHubError(500, `Cannot ${op} the orchestration instance ${instanceId} because instance is in the ${inst.status} state.`, 'System.InvalidOperationException');
    }
    const now = this.now();
    const out = op === 'terminate' ? reportToParent(inst, 'Failed', `Sub-orchestration '${instanceId}' was terminated: ${reason ?? ''}`, now) : [];
    this.commit({ k: 'control', id: instanceId, op, reason, at: now, out });
    await this.flushed();
  }

  /**
   * Rewind a Failed instance (see rewind.ts): 404 unknown, 410 when Completed, Terminated or
   * Canceled, and the extension's InvalidOperationException (500) for any other status.
   */
  async rewind(instanceId: string, reason: string | null): Promise<void> {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new TaskHubError(404, '');
    if (inst.status === 'Completed' || inst.status === 'Terminated' || inst.status === 'Canceled') throw new TaskHubError(410, '');
    if (inst.status !== 'Failed') {
      throw new TaskHubError(500, 'The rewind operation is only supported on failed orchestration instances.', 'System.InvalidOperationException');
    }
    const rec: JournalRecord = { k: 'rewind', id: instanceId, reason, at: this.now() };
    const { touched } = applyRewind(this.instances, instanceId, reason, rec.at);
    this.recordClock();
    this.journal.record(rec);
    for (const id of touched) {
      const rewound = this.instances.get(id);
      if (!rewound) continue;
      // Timers and activities still open in the rewound history run again (at-least-once).
      this.scheduleFromHistory(rewound, rewound.history, true);
      if (rewound.inbox.length > 0) this.markRunnable(id);
    }
    await this.flushed();
  }

  /** Purge one instance, whatever its status (the provider's PurgeInstanceHistoryAsync by id): the count deleted. */
  async purge(instanceId: string): Promise<number> {
    if (!this.instances.has(instanceId)) return 0;
    this.dropInstanceTimers(instanceId);
    this.commit({ k: 'purge', id: instanceId });
    await this.flushed();
    return 1;
  }

  /**
   * Purge by creation time and status, as the Azure Storage provider does
   * (AzureTableTrackingStore.PurgeInstanceHistoryAsync): only terminal statuses count as a
   * filter; with none left, instances of every status in the time range are purged.
   */
  async purgeMany(filter: { createdFrom: number; createdTo?: number; statuses?: RuntimeStatus[] }): Promise<number> {
    const statuses = (filter.statuses ?? []).filter(isTerminal);
    const createdTo = filter.createdTo ?? this.now();
    let n = 0;
    for (const s of this.listInstances({ createdFrom: filter.createdFrom, createdTo, ...(statuses.length > 0 ? { statuses } : {}) })) {
      this.dropInstanceTimers(s.instanceId);
      this.commit({ k: 'purge', id: s.instanceId });
      n++;
    }
    await this.flushed();
    return n;
  }

  /** Queue an operation on an entity (client signal). */
  async signalEntity(name: string, key: string, op: string, input: unknown): Promise<void> {
    const fn = this.options.registry.get(name);
    if (!fn || fn.trigger.type !== 'entityTrigger') throw new TaskHubError(400, invalidFunctionMessage(this.options.registry, name, 'entity'));
    const req: EntityRequest = { id: randomUUID(), op, signal: true };
    if (input !== undefined) req.input = toJsonText(input);
    this.commit({ k: 'ereq', id: `@${name.toLowerCase()}@${key}`, req, at: this.now() });
    await this.flushed();
  }

  /** Current entity state (parsed JSON), or undefined when it does not exist. */
  readEntityState(name: string, key: string): { exists: boolean; state: unknown } {
    const ent = this.entities.get(`@${name.toLowerCase()}@${key}`);
    if (!ent || !ent.exists) return { exists: false, state: undefined };
    return { exists: true, state: ent.state === undefined ? null : JSON.parse(ent.state) };
  }

  /** Entities that exist (state set, not deleted), optionally of one name, by last operation time. */
  listEntities(filter: { name?: string; lastOperationFrom?: number; lastOperationTo?: number } = {}): { name: string; key: string; lastOperationTime: number; state: unknown }[] {
    const prefix = filter.name ? `@${filter.name.toLowerCase()}@` : '@';
    const out: { name: string; key: string; lastOperationTime: number; state: unknown }[] = [];
    for (const ent of this.entities.values()) {
      if (!ent.exists || !ent.id.startsWith(prefix)) continue;
      if (filter.lastOperationFrom !== undefined && ent.updatedAt < filter.lastOperationFrom) continue;
      if (filter.lastOperationTo !== undefined && ent.updatedAt > filter.lastOperationTo) continue;
      const { name, key } = parseEntityId(ent.id);
      out.push({ name, key, lastOperationTime: ent.updatedAt, state: ent.state === undefined ? null : JSON.parse(ent.state) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
  }

  /** Timer-trigger schedule status (useMonitor). */
  getTimerTriggerStatus(name: string): TimerTriggerStatus | undefined {
    return this.timerTriggers.get(name);
  }

  /** Persist a timer-trigger schedule status. */
  setTimerTriggerStatus(status: TimerTriggerStatus): void {
    this.commit({ k: 'timerTrigger', status });
  }

  /** Counters for the progress line and benchmarks. */
  progress(): { running: number; completed: number; failed: number; activitiesDone: number; activitiesQueued: number; virtualNow: number; episodes: number; replayedEvents: number } {
    let running = 0;
    let completed = 0;
    let failed = 0;
    for (const inst of this.instances.values()) {
      if (inst.status === 'Completed') completed++;
      else if (inst.status === 'Failed') failed++;
      else if (!isTerminal(inst.status)) running++;
    }
    return { running, completed, failed, activitiesDone: this.stats.activitiesDone, activitiesQueued: this.activityQueue.length, virtualNow: this.now(), episodes: this.stats.episodes, replayedEvents: this.stats.replayedEvents };
  }

  protected toStatus(inst: InstanceData, opts: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean }): InstanceStatus {
    const status: InstanceStatus = {
      name: inst.name,
      instanceId: inst.id,
      runtimeStatus: inst.status,
      input: opts.showInput === false ? null : parseOrNull(inst.input),
      customStatus: parseOrNull(inst.customStatus),
      output: parseOrNull(inst.output),
      createdTime: isoSeconds(inst.createdAt),
      lastUpdatedTime: isoSeconds(inst.updatedAt),
    };
    // The extension reads no history for a Pending instance (GetDurableOrchestrationStatusAsync).
    if (opts.showHistory && inst.status !== 'Pending') {
      status.historyEvents = toStatusHistory(inst.history, { showHistoryOutput: opts.showHistoryOutput ?? false, showInput: opts.showInput !== false });
    }
    return status;
  }
}

export { TaskHubError, type InstanceStatus, type TaskHubOptions } from './hubEngine';
export type { RegisteredFunction } from '../core/functionsCore';
