/**
 * One orchestrator episode: invoke the orchestrator with its full history (true replay), check
 * what it returned against the history (replay.ts), and turn the new work into the episode's
 * journal record. Pure apart from the invocation: the hub applies the record and the effects.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionRegistry } from '../core/functionsCore';
import { errorMessage, fromTypedData, invokeFunction } from '../core/invoke';
import { EventType, type HistoryEvent, type RuntimeStatus, isTerminal, makeEvent, toJsonText } from './history';
import { HTTP_ACTIVITY } from './httpCalls';
import type { InstanceData, JournalRecord, OutgoingRecord } from './journal';
import { type ReplayResult, type SdkAction, replayEpisode } from './replay';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The joined JSON text of a history's played events, by history array: a history only grows
 * between episodes (the hub appends; continue-as-new, control and rewind start a new array), so
 * each episode joins only what was added since the last one instead of the whole history.
 */
const playedPrefix = new WeakMap<HistoryEvent[], { count: number; last: HistoryEvent; text: string }>();

function pastJson(past: HistoryEvent[]): string {
  const known = playedPrefix.get(past);
  const reuse = known !== undefined && known.count <= past.length && past[known.count - 1] === known.last;
  let count = reuse ? known.count : 0;
  let text = reuse ? known.text : '';
  // Only played events are kept: they never change again, unplayed ones still may (IsPlayed).
  while (count < past.length && past[count]!.IsPlayed) text += (count > 0 ? ',' : '') + JSON.stringify(past[count++]);
  if (count > 0) playedPrefix.set(past, { count, last: past[count - 1]!, text });
  const rest = past.slice(count).map((e) => JSON.stringify(e)).join(',');
  return text && rest ? `${text},${rest}` : text || rest;
}

/** An episode record without what the hub adds (id, at, consumed). */
export type EpisodeDecision = Omit<Extract<JournalRecord, { k: 'episode' }>, 'k' | 'id' | 'consumed' | 'at'>;

/** What an episode needs from the hub. */
export interface EpisodeHost {
  registry: FunctionRegistry;
  /** The orchestrator's own log. */
  log: (level: string, category: string, message: string) => void;
  /** Another instance's status (a sub-orchestration's id may be in use). */
  statusOf(instanceId: string): RuntimeStatus | undefined;
}

/** The decision, and once the replay was accepted what the hub must note: events waited for, timers canceled. */
export interface EpisodeOutcome {
  decision: EpisodeDecision;
  effects?: { waitingFor: string[]; canceledTimerIds: number[] };
  /** The length of the binding text sent (history and input): what replay costs grows with it. */
  bindingChars: number;
}

/** Invoke the orchestrator and turn its answer into an episode record (without id/at/consumed). */
export async function decideEpisode(host: EpisodeHost, inst: InstanceData, past: HistoryEvent[], fresh: HistoryEvent[], now: number): Promise<EpisodeOutcome> {
  // Set once the replay is accepted; every outcome after that carries it.
  const accepted: { effects?: EpisodeOutcome['effects'] } = {};
  let bindingChars = 0;
  const done = (decision: EpisodeDecision): EpisodeOutcome => {
    // A finished (or continued) execution's history is never replayed again: its text can go.
    if (decision.status !== 'Running' || decision.continueAsNew) playedPrefix.delete(past);
    return { decision, bindingChars, ...(accepted.effects ? { effects: accepted.effects } : {}) };
  };
  const fail = (message: string): EpisodeOutcome => {
    const events = [...fresh, makeEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 'Failed', Result: message }), makeEvent(EventType.OrchestratorCompleted, now)];
    return done({ events, status: 'Failed', output: toJsonText(message), customStatus: inst.customStatus, out: reportToParent(inst, 'Failed', message, now) });
  };
  const fn = host.registry.get(inst.name);
  if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
    return fail(`The function '${inst.name}' doesn't exist, is disabled, or is not an orchestrator function.`);
  }
  // The binding as the extension sends it, history first. Played events never change again, so
  // each is serialized once and reused by every later episode (replay sends the whole history).
  const rest = {
    instanceId: inst.id,
    isReplaying: false,
    parentInstanceId: inst.parent?.instanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  const history = [pastJson(past), ...fresh.map((e) => JSON.stringify(e))].filter((t) => t).join(',');
  const binding = `{"history":[${history}],"input":${inst.input ?? 'null'},${JSON.stringify(rest).slice(1)}`;
  bindingChars = binding.length;
  const result = await invokeFunction(host.registry, fn, { string: binding }, { log: host.log });
  const state = orchestratorState(result.returnValue, result.error);
  const actions = flattenTopLevel(state.actions);
  const replay: ReplayResult = replayEpisode(past, fresh, actions, {
    instanceId: inst.id,
    executionId: inst.executionId,
    maxShortTimerMs: 6 * DAY_MS,
    longTimerIntervalMs: 3 * DAY_MS,
  });
  const customStatus = state.customStatus === undefined ? inst.customStatus : toJsonText(state.customStatus);
  if (customStatus !== null) {
    // The extension's SetCustomStatus limit: 16 KB of UTF-16 (floor of KB, as .NET computes it).
    const sizeInKB = Math.floor((customStatus.length * 2) / 1024);
    if (sizeInKB > 16) {
      return fail(`Orchestrator function '${inst.name}' failed: The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is ${sizeInKB} KB.`);
    }
  }
  if (replay.nonDeterminism) return fail(replay.nonDeterminism);
  if (replay.unsupported) return fail(replay.unsupported);
  if (state.error !== undefined) return fail(`Orchestrator function '${inst.name}' failed: ${state.error}`);
  for (const w of replay.scheduled) {
    if (w.kind === 'ScheduleTask') {
      if (w.name === HTTP_ACTIVITY) continue;
      const target = host.registry.get(w.name);
      if (!target || target.trigger.type !== 'activityTrigger') return fail(`The function '${w.name}' doesn't exist, is disabled, or is not an activity function.`);
    } else if (w.kind === 'CreateSubOrchestration') {
      const target = host.registry.get(w.name);
      if (!target || target.trigger.type !== 'orchestrationTrigger') return fail(`The function '${w.name}' doesn't exist, is disabled, or is not an orchestrator function.`);
      if (w.instanceId === inst.id) return fail(`A sub-orchestration cannot use the instance ID of its parent ('${inst.id}').`);
    }
  }
  accepted.effects = { waitingFor: replay.waitingFor ?? [], canceledTimerIds: replay.canceledTimerIds };

  const events = [...fresh];
  const out: OutgoingRecord[] = [];
  for (const w of replay.scheduled) {
    switch (w.kind) {
      case 'ScheduleTask':
        events.push(makeEvent(EventType.TaskScheduled, now, { Name: w.name, Version: '', Input: w.input }, w.id));
        break;
      case 'CreateTimer':
        events.push(makeEvent(EventType.TimerCreated, now, { FireAt: new Date(w.fireAtMs).toISOString() }, w.id));
        break;
      case 'CreateSubOrchestration': {
        events.push(makeEvent(EventType.SubOrchestrationInstanceCreated, now, { Name: w.name, Version: w.version, InstanceId: w.instanceId, Input: w.input }, w.id));
        const existing = host.statusOf(w.instanceId);
        if (existing && !isTerminal(existing)) {
          return fail(`An orchestration instance with ID '${w.instanceId}' already exists and is ${existing}.`);
        }
        out.push({
          k: 'create',
          id: w.instanceId,
          name: w.name,
          version: w.version,
          executionId: randomUUID().replace(/-/g, ''),
          input: w.input,
          at: now,
          parent: { instanceId: inst.id, executionId: inst.executionId, taskScheduledId: w.id, name: inst.name },
        });
        break;
      }
      case 'SendEvent':
        events.push(makeEvent(EventType.EventSent, now, { InstanceId: w.targetInstanceId, Name: w.name, Input: w.input }, w.id));
        out.push({ k: 'ereq', id: w.targetInstanceId, req: w.entity, at: now });
        break;
    }
  }
  if (state.isDone && replay.continueAsNewInput !== undefined) {
    events.push(makeEvent(EventType.OrchestratorCompleted, now));
    return done({
      events,
      status: 'Running',
      output: null,
      customStatus,
      out,
      continueAsNew: { executionId: randomUUID().replace(/-/g, ''), input: replay.continueAsNewInput },
    });
  }
  if (state.isDone) {
    const output = toJsonText(state.output);
    events.push(makeEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 'Completed', Result: output }), makeEvent(EventType.OrchestratorCompleted, now));
    return done({ events, status: 'Completed', output, customStatus, out: [...out, ...reportToParent(inst, 'Completed', output, now)] });
  }
  events.push(makeEvent(EventType.OrchestratorCompleted, now));
  return done({ events, status: 'Running', output: null, customStatus, out });
}

/** The completion message a sub-orchestration sends its parent. */
export function reportToParent(inst: InstanceData, status: 'Completed' | 'Failed', payload: string, now: number): OutgoingRecord[] {
    const parent = inst.parent;
    if (!parent) return [];
    const ev =
      status === 'Completed'
        ? makeEvent(EventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: parent.taskScheduledId, Result: payload })
        : makeEvent(EventType.SubOrchestrationInstanceFailed, now, { TaskScheduledId: parent.taskScheduledId, Reason: payload, Details: payload });
    return [{ k: 'msg', id: parent.instanceId, executionId: parent.executionId, ev }];
  }

interface OrchestratorStateJson {
  isDone: boolean;
  actions: SdkAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

/** The SDK's returned state, from the return value or from a thrown `$OutOfProcData$` error. */
function orchestratorState(returnValue: unknown, error: unknown): OrchestratorStateJson {
  if (error !== undefined) {
    const message = errorMessage(error);
    const marker = '$OutOfProcData$:';
    const at = message.indexOf(marker);
    if (at >= 0) {
      const state = JSON.parse(message.slice(at + marker.length)) as OrchestratorStateJson;
      if (state.error === undefined) state.error = message.slice(0, at).trim();
      return state;
    }
    return { isDone: false, actions: [[]], error: message };
  }
  const state = fromTypedData(returnValue as never) as OrchestratorStateJson | undefined;
  if (!state || typeof state !== 'object' || !Array.isArray(state.actions)) {
    return { isDone: false, actions: [[]], error: 'The orchestrator returned no orchestration state (is it registered with df.app.orchestration?).' };
  }
  return state;
}

/** Schema V2+: one inner array holds every action of the execution. */
function flattenTopLevel(actions: SdkAction[][]): SdkAction[] {
  if (actions.length <= 1) return actions[0] ?? [];
  return actions.flat();
}
