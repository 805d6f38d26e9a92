import { basename } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { StepState, WindowInput } from '../orchestrations/contracts';
import type { ApprovalDecision } from '../orchestrations/kinds/approval';
import { Events, InstanceIds, LedgerKeys, Orchestrations } from '../orchestrations/names';
import type { WindowPublisher } from '../store/windowRevisions';
import type { RunRecord, WindowStore } from '../store/windowStore';
import type { Runbook, RunbookStep } from '../window/runbook';
import type { WindowSource, WindowSummary } from '../window/source';
import { loadWindowText } from '../window/load';
import { membersOf } from '../window/runbook';
import { authorize, type Action, type PlatformEngineers } from './authorize';
import { windowDetails, zonesOfWindowText, type WindowDetails } from './details';
import { expectation } from './expect';
import { gateOf } from './gates';
import { callerOf, personOf, type Caller, type IdentityOptions } from './identity';
import type { StatusCache } from './statusCache';

/**
 * The window HTTP API, independent of the Functions programming model: handlers take
 * a small request view and return a status and body. Every input is validated; a
 * user's mistake is a 4xx that names the field, never a 500.
 */
export interface ApiRequest {
  params: Record<string, string | undefined>;
  headers: { get(name: string): string | null };
  /** Parsed JSON body, or undefined when absent; `invalidJson` when it did not parse. */
  body: unknown;
  invalidJson?: boolean;
  /** The body as received (signature checks are over the exact bytes). */
  rawBody?: string;
}

export interface ApiResponse {
  status: number;
  jsonBody?: unknown;
  /** Text, or bytes shared between readers (statusCache.ts, pageRoute.ts): never written to. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface DurableStatusView {
  runtimeStatus: string;
  customStatus?: unknown;
  output?: unknown;
  createdTime?: string;
  lastUpdatedTime?: string;
}

/** What the API needs of the durable client (the real one is adapted in functions/). */
export interface OrchestrationControl {
  getStatus(instanceId: string): Promise<DurableStatusView | undefined>;
  /** Throws {@link AlreadyStartedError} when another starter got there first. */
  startNew(name: string, instanceId: string, input: unknown): Promise<void>;
  raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<'raised' | 'gone' | 'missing'>;
}

/** The instance was started by someone else in the meantime. */
export class AlreadyStartedError extends Error {
  constructor(readonly instanceId: string) {
    super(`instance ${instanceId} already exists`);
    this.name = 'AlreadyStartedError';
  }
}

export interface ApiDeps {
  store: WindowStore;
  windows: WindowSource;
  clock: Clock;
  identity: IdentityOptions;
  engineers: PlatformEngineers;
  durable: OrchestrationControl;
  /** Where `mw publish` stores revisions (absent: publishing is not offered). */
  publisher?: WindowPublisher;
  /** Where refusals are logged, with the caller (the function's logger on Azure). */
  log?: (message: string) => void;
  /** Shares status reads between readers (statusCache.ts); absent: every read computes. */
  statusCache?: StatusCache;
}

const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

const StartBody = z.strictObject({ mode: z.enum(['rehearsal', 'manual']).default('manual'), reason: z.string().max(500).optional() });
const AbortBody = z.strictObject({ reason: z.string().min(1, 'say why').max(500) });
const ApprovalBody = z.strictObject({ decision: z.enum(['approve', 'reject']), comment: z.string().max(1000).optional() });
const TickBody = z.strictObject({ outcome: z.enum(['done', 'failed']).default('done'), note: z.string().max(1000).optional() });
const CanaryBody = z.strictObject({ team: z.string().min(1), ok: z.boolean(), note: z.string().max(2000).optional() });

export const error = (status: number, code: string, message: string, extra: object = {}): ApiResponse => ({ status, jsonBody: { error: { code, message, ...extra } } });

export function parseBody<T extends z.ZodType>(schema: T, req: ApiRequest, optional = false): { ok: true; value: z.output<T> } | { ok: false; response: ApiResponse } {
  if (req.invalidJson) return { ok: false, response: error(400, 'InvalidJson', 'the body is not valid JSON') };
  const parsed = schema.safeParse(req.body === undefined && optional ? {} : req.body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(body)';
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.input === undefined && issue.code === 'invalid_type' ? 'required' : issue.message;
  return { ok: false, response: error(400, 'InvalidBody', `${field}: ${message}`, { field }) };
}

interface RunContext {
  windowId: string;
  run: RunRecord;
  runbook: Runbook;
}

/** Loads the current run of a window, or the 404/409 that says why there is none. */
export async function currentRun(deps: ApiDeps, windowId: string | undefined): Promise<{ ok: true; value: RunContext } | { ok: false; response: ApiResponse }> {
  const run = windowId ? await deps.store.getRun(windowId) : undefined;
  if (!windowId || (!run && !(await deps.windows.read(windowId)))) return { ok: false, response: error(404, 'WindowNotFound', `no window "${windowId ?? ''}"`) };
  const runbook = run ? await deps.store.getRunbook(windowId, run.revision) : undefined;
  if (!run || !runbook) return { ok: false, response: error(409, 'NotStarted', `window "${windowId}" has not been started`) };
  return { ok: true, value: { windowId, run, runbook } };
}

function requireCaller(deps: ApiDeps, req: ApiRequest): { ok: true; caller: Caller } | { ok: false; response: ApiResponse } {
  const caller = callerOf(req.headers, deps.identity);
  if (!caller) {
    deps.log?.(`refused ${routeOf(req)}: no caller identity`);
    return { ok: false, response: error(401, 'Unauthenticated', deps.identity.mode === 'app-service' ? 'sign in with Microsoft Entra ID' : `send ${deps.identity.header} (local host)`) };
  }
  return { ok: true, caller };
}

/** The caller, allowed to do `action`; otherwise the 401/403 to answer (logged with the caller). */
export function requireAllowed(deps: ApiDeps, req: ApiRequest, action: Action, runbook?: Parameters<typeof authorize>[3]): { ok: true; caller: Caller; person: string | undefined } | { ok: false; response: ApiResponse } {
  const who = requireCaller(deps, req);
  if (!who.ok) return who;
  const verdict = authorize(who.caller, action, deps.engineers, runbook);
  if (!verdict.ok) {
    deps.log?.(`refused ${routeOf(req)} to ${who.caller.id}${who.caller.objectId ? ` (${who.caller.objectId})` : ''}: ${verdict.reason}`);
    return { ok: false, response: error(403, 'Forbidden', verdict.reason) };
  }
  return { ok: true, caller: who.caller, person: verdict.person };
}

function routeOf(req: ApiRequest): string {
  return Object.entries(req.params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v).slice(0, 80)}`)
    .join(' ');
}

/** The access part of a window file not yet run (who may start it), or undefined when it does not load. */
function accessOfFile(text: string): { people: Runbook['people']; access: NonNullable<Runbook['access']> } | undefined {
  const loaded = loadWindowText(text);
  if (!loaded.window) return undefined;
  const w = loaded.window;
  return { people: w.people, access: { leads: membersOf(w, w.access.leads), onCall: membersOf(w, w.access.onCall) } };
}

export function stepOf(runbook: Runbook, stepId: string | undefined, kind: RunbookStep['spec']['kind']): RunbookStep | undefined {
  return runbook.steps.find((s) => s.id === stepId && s.spec.kind === kind);
}

export async function startWindow(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const windowId = req.params.windowId;
  const file = windowId ? await deps.windows.read(windowId) : undefined;
  if (!windowId || !file) return error(404, 'WindowNotFound', `no window "${windowId ?? ''}"`);
  const who = requireAllowed(deps, req, { kind: 'start' }, accessOfFile(file.text));
  if (!who.ok) return who.response;
  const body = parseBody(StartBody, req, true);
  if (!body.ok) return body.response;
  const instanceId = InstanceIds.window(windowId);
  const existing = await deps.durable.getStatus(instanceId);
  if (existing && RUNNING.has(existing.runtimeStatus)) return error(409, 'AlreadyRunning', `window "${windowId}" is already running`, { instanceId });
  const input: WindowInput = { windowId, startedBy: who.caller.id, mode: body.value.mode, revision: file.revision, ...(body.value.reason ? { reason: body.value.reason } : {}) };
  try {
    await deps.durable.startNew(Orchestrations.window, instanceId, input);
  } catch (e) {
    if (e instanceof AlreadyStartedError) return error(409, 'AlreadyRunning', `window "${windowId}" is already running`, { instanceId });
    throw e;
  }
  return { status: 202, jsonBody: { windowId, instanceId, revision: file.revision, startedBy: who.caller.id, statusUrl: `/api/windows/${windowId}` } };
}

export async function abortWindow(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const signedIn = requireCaller(deps, req);
  if (!signedIn.ok) return signedIn.response;
  const body = parseBody(AbortBody, req);
  if (!body.ok) return body.response;
  const current = await currentRun(deps, req.params.windowId);
  if (!current.ok) return current.response;
  const who = requireAllowed(deps, req, { kind: 'abort' }, current.value.runbook);
  if (!who.ok) return who.response;
  const raised = await deps.durable.raiseEvent(InstanceIds.window(current.value.windowId), Events.abort, { by: who.caller.id, reason: body.value.reason, at: new Date(await deps.clock.now()).toISOString() });
  if (raised !== 'raised') return error(409, 'NotRunning', `window "${current.value.windowId}" is not running`);
  return { status: 202, jsonBody: { windowId: current.value.windowId, aborting: true, by: who.caller.id } };
}

export async function decideApproval(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const current = await currentRun(deps, req.params.windowId);
  if (!current.ok) return current.response;
  const { runbook, run, windowId } = current.value;
  const gate = gateOf(runbook, req.params.gateId);
  if (!gate || gate.spec.kind !== 'approval') return error(404, 'GateNotFound', `window "${windowId}" has no approval gate "${req.params.gateId ?? ''}"`);
  const body = parseBody(ApprovalBody, req);
  if (!body.ok) return body.response;
  const who = requireCaller(deps, req);
  if (!who.ok) return who.response;
  return decide(deps, { runbook, run, windowId }, gate, { id: who.caller.id, person: personOf(runbook, who.caller) }, { ...body.value, via: 'http' });
}

/**
 * One approver's decision on an open gate, however it came (HTTP or a Slack button): only a
 * listed approver counts, never the person who started the window, only while the gate is open.
 */
export async function decide(
  deps: ApiDeps,
  current: { runbook: Runbook; run: { startedBy: string; runId: string }; windowId: string },
  gate: RunbookStep,
  who: { id: string; person: string | undefined },
  answer: { decision: 'approve' | 'reject'; comment?: string | undefined; via: 'http' | 'slack' },
): Promise<ApiResponse> {
  const { runbook, run, windowId } = current;
  if (gate.spec.kind !== 'approval') return error(404, 'GateNotFound', `window "${windowId}" has no approval gate "${gate.id}"`);
  const { person } = who;
  const approvers = new Set(gate.spec.roles.flatMap((r) => r.approvers));
  if (!person || !approvers.has(person)) {
    deps.log?.(`refused approval of ${windowId}/${gate.id} to ${who.id} (via ${answer.via}): not an approver`);
    return error(403, 'NotAnApprover', `${who.id} is not an approver of "${gate.id}" (approvers: ${[...approvers].join(', ')})`);
  }
  if (person === personOf(runbook, run.startedBy) || who.id.toLowerCase() === run.startedBy.toLowerCase()) {
    deps.log?.(`refused approval of ${windowId}/${gate.id} to ${who.id} (via ${answer.via}): started the window`);
    return error(403, 'FourEyes', `${who.id} started this window and cannot approve it`);
  }
  const state = (await deps.store.getStepStates(windowId))[gate.id]?.state;
  if (state !== 'waiting-for-approval') return error(409, state && isClosed(state) ? 'GateClosed' : 'GateNotOpen', `gate "${gate.id}" is ${state ?? 'not open yet'}`);
  const decision: ApprovalDecision = {
    by: person,
    decision: answer.decision,
    ...(answer.comment ? { comment: answer.comment } : {}),
    at: new Date(await deps.clock.now()).toISOString(),
    via: answer.via,
  };
  const raised = await deps.durable.raiseEvent(InstanceIds.step(windowId, run.runId, gate.id), Events.approval, decision);
  if (raised !== 'raised') return error(409, 'GateClosed', `gate "${gate.id}" is closed`);
  return { status: 202, jsonBody: { windowId, gate: gate.id, by: person, decision: answer.decision } };
}

export async function tickManualStep(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const current = await currentRun(deps, req.params.windowId);
  if (!current.ok) return current.response;
  const { runbook, run, windowId } = current.value;
  const step = stepOf(runbook, req.params.stepId, 'manual');
  if (!step) return error(404, 'StepNotFound', `window "${windowId}" has no manual step "${req.params.stepId ?? ''}"`);
  const body = parseBody(TickBody, req, true);
  if (!body.ok) return body.response;
  const who = requireAllowed(deps, req, { kind: 'tick', assignees: step.spec.kind === 'manual' ? step.spec.assignees : undefined }, runbook);
  if (!who.ok) return who.response;
  const state = (await deps.store.getStepStates(windowId))[step.id]?.state;
  if (state !== 'doing') return error(409, state && isClosed(state) ? 'StepClosed' : 'StepNotReady', `step "${step.id}" is ${state ?? 'not started'}`);
  const raised = await deps.durable.raiseEvent(InstanceIds.step(windowId, run.runId, step.id), Events.manualDone, {
    by: who.person ?? who.caller.id,
    outcome: body.value.outcome,
    ...(body.value.note ? { note: body.value.note } : {}),
  });
  if (raised !== 'raised') return error(409, 'StepClosed', `step "${step.id}" is closed`);
  return { status: 202, jsonBody: { windowId, step: step.id, outcome: body.value.outcome } };
}

export async function answerCanary(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const current = await currentRun(deps, req.params.windowId);
  if (!current.ok) return current.response;
  const { runbook, run, windowId } = current.value;
  const step = stepOf(runbook, req.params.stepId, 'canary');
  if (!step || step.spec.kind !== 'canary') return error(404, 'StepNotFound', `window "${windowId}" has no canary step "${req.params.stepId ?? ''}"`);
  const body = parseBody(CanaryBody, req);
  if (!body.ok) return body.response;
  const signedIn = requireCaller(deps, req);
  if (!signedIn.ok) return signedIn.response;
  const team = step.spec.teams.find((t) => t.id === body.value.team);
  if (!team) return error(400, 'InvalidBody', `team: "${body.value.team}" is not one of ${step.spec.teams.map((t) => t.id).join(', ')}`, { field: 'team' });
  const who = requireAllowed(deps, req, { kind: 'canary-answer', members: team.members }, runbook);
  if (!who.ok) return who.response;
  const person = who.person;
  const state = (await deps.store.getStepStates(windowId))[step.id]?.state;
  if (state !== 'doing') return error(409, state && isClosed(state) ? 'CanaryClosed' : 'CanaryNotStarted', `canary "${step.id}" is ${state ?? 'not started'}`);
  const raised = await deps.durable.raiseEvent(InstanceIds.step(windowId, run.runId, step.id), Events.canaryAnswer, {
    team: team.id,
    ok: body.value.ok,
    ...(body.value.note ? { note: body.value.note } : {}),
    by: person ?? who.caller.id,
    at: new Date(await deps.clock.now()).toISOString(),
  });
  if (raised !== 'raised') return error(409, 'CanaryClosed', `canary "${step.id}" is closed`);
  return { status: 202, jsonBody: { windowId, step: step.id, team: team.id, ok: body.value.ok } };
}

function isClosed(state: StepState): boolean {
  return ['done', 'failed', 'not-doing', 'deferred', 'blocked', 'aborted'].includes(state);
}

/** One run of a window, as the history lists it. */
export interface RunSummary {
  runId: string;
  mode: string;
  state: string;
  startedBy: string;
  startedAt: string;
  finishedAt?: string;
  summary?: string;
}

export interface WindowStatusView {
  windowId: string;
  title: string;
  state: string;
  instanceId: string;
  /** The run this status describes (the latest). */
  runId?: string;
  /** Every run of the window, oldest first; the last is this one. */
  runs: RunSummary[];
  /** The revision this run uses (kept for the whole run, whatever is published meanwhile). */
  revision?: string;
  /** The newest revision of the window: a later publish shows here before the next run uses it. */
  latestRevision?: { revision: string; file: string; publishedBy?: string; publishedAt?: string };
  startedBy?: string;
  startedAt?: string;
  finishedAt?: string;
  plannedEndAt?: string;
  eta?: string;
  slipMinutes?: number;
  stopReason?: string;
  summary?: string;
  counts: Record<string, number>;
  phases: { id: string; state: string }[];
  /** `expectedBy`: the seed's time for the step (`expect:`); `lateMinutes`: how far past it the step began (or, not begun, now is). */
  steps: { id: string; title: string; kind: string; phase: string; state: string; plannedStart: string; plannedEnd: string; at?: string; detail?: string; tickets: string[]; assignees?: string[]; expectedBy?: string; lateMinutes?: number; lateBecause?: string }[];
  approvalsPending: { gate: string; title: string; roles: { role: string; quorum: number; approvers: string[] }[] }[];
  servers: Record<string, { state: string; detail?: string; step: string }>;
  maintenancePages: Record<string, 'up' | 'down'>;
  /** Alert sets by state: paused until their resume step (or the restore walk) puts them back. */
  alertSets: Record<string, 'paused' | 'resumed'>;
  /** Changes not yet put back (the restore ledger's open, kept and failed entries): what on-call must know is still changed. */
  stillChanged: { key: string; step: string; description: string; state: 'open' | 'kept' | 'failed'; note?: string }[];
  events: { at: string; step: string; type: string; data: unknown }[];
  /** Zones, layout, actual times, server grid, decisions (details.ts); absent before a run starts. */
  details?: WindowDetails;
}

/**
 * Everything the status page shows, from the record, the runbook and the orchestration's status;
 * through `deps.statusCache` when there is one (`fresh`: computed after this call, not reused).
 */
export function windowStatus(deps: ApiDeps, windowId: string, options: { fresh?: boolean } = {}): Promise<ApiResponse> {
  return deps.statusCache ? deps.statusCache.get(windowId, () => computeStatus(deps, windowId), options.fresh) : computeStatus(deps, windowId);
}

async function computeStatus(deps: ApiDeps, windowId: string): Promise<ApiResponse> {
  const instanceId = InstanceIds.window(windowId);
  const [found, run, durable] = await Promise.all([deps.windows.read(windowId), deps.store.getRun(windowId), deps.durable.getStatus(instanceId)]);
  if (!found && !run) return error(404, 'WindowNotFound', `no window "${windowId}"`);
  const runbook = run ? await deps.store.getRunbook(windowId, run.revision) : undefined;
  if (!run || !runbook) {
    return { status: 200, jsonBody: { windowId, title: windowId, state: 'not-started', instanceId, runs: [], ...(found ? { latestRevision: revisionInfo(found) } : {}), counts: {}, phases: [], steps: [], approvalsPending: [], servers: {}, maintenancePages: {}, alertSets: {}, stillChanged: [], events: [] } };
  }
  const [records, events, ledger, history] = await Promise.all([deps.store.getStepStates(windowId), deps.store.listEvents(windowId), deps.store.listLedger(windowId), deps.store.listRuns(windowId)]);
  const stillChanged = ledger
    .filter((x): x is typeof x & { state: 'open' | 'kept' | 'failed' } => x.state !== 'undone')
    .sort((a, b) => a.order - b.order)
    .map((x) => ({ key: x.key, step: x.stepId, description: x.description, state: x.state, ...(x.note ? { note: x.note } : {}) }));
  // Pages and alert sets are the ledger's word, not their steps': the restore walk may have put one back after its step.
  const pages: Record<string, 'up' | 'down'> = {};
  const alertSets: Record<string, 'paused' | 'resumed'> = {};
  for (const x of ledger) {
    const owner = LedgerKeys.owner(x.key);
    const open = x.state !== 'undone';
    if (owner?.kind === 'page') pages[owner.id] = open || pages[owner.id] === 'up' ? 'up' : 'down';
    if (owner?.kind === 'alerts') alertSets[owner.id] = open || alertSets[owner.id] === 'paused' ? 'paused' : 'resumed';
  }
  const custom = (durable?.customStatus ?? {}) as { state?: string; stopReason?: string; steps?: Record<string, StepState> };
  // An orchestration that crashed or was terminated says so, whatever its last custom status was.
  if (durable && ['Failed', 'Terminated', 'Canceled'].includes(durable.runtimeStatus)) {
    custom.state = durable.runtimeStatus === 'Failed' ? 'failed' : 'aborted';
    custom.stopReason = `the window's orchestration ${durable.runtimeStatus.toLowerCase()}: ${String(typeof durable.output === 'string' ? durable.output : JSON.stringify(durable.output ?? '')).slice(0, 500)}`;
  }
  const stateOf = (id: string): string => records[id]?.state ?? custom.steps?.[id] ?? 'pending';
  const counts: Record<string, number> = {};
  for (const s of runbook.steps) counts[stateOf(s.id)] = (counts[stateOf(s.id)] ?? 0) + 1;

  // ETA: the plan shifted by the slip of the latest step that finished.
  let slip = 0;
  let latestEnd = '';
  for (const s of runbook.steps) {
    const r = records[s.id];
    if (r && (r.state === 'done' || r.state === 'failed') && r.at > latestEnd) {
      latestEnd = r.at;
      slip = (Date.parse(r.at) - Date.parse(s.plannedEnd)) / 60_000;
    }
  }
  const finished = ['succeeded', 'failed', 'aborted'].includes(run.state);
  const eta = finished ? run.finishedAt : new Date(Date.parse(runbook.plannedEndAt) + Math.max(0, slip) * 60_000).toISOString();

  const servers: WindowStatusView['servers'] = {};
  for (const e of events.filter((x) => x.type === 'servers')) {
    const data = e.data as { servers: Record<string, { state: string; detail?: string }> };
    for (const [name, s] of Object.entries(data.servers)) servers[name] = { ...s, step: e.stepId };
  }
  const phases = [...new Set(runbook.steps.map((s) => s.phaseId))].map((id) => {
    const states = runbook.steps.filter((s) => s.phaseId === id).map((s) => stateOf(s.id));
    const state = states.every((x) => ['done', 'not-doing', 'deferred'].includes(x)) ? 'done' : states.some((x) => ['doing', 'waiting', 'waiting-for-approval'].includes(x)) ? 'doing' : states.some((x) => x === 'failed') ? 'failed' : 'pending';
    return { id, state };
  });

  const nowMs = await deps.clock.now();
  const view: WindowStatusView = {
    windowId,
    title: runbook.title,
    state: custom.state ?? run.state,
    instanceId,
    runId: run.runId,
    runs: history.map((r) => ({
      runId: r.runId,
      mode: r.mode,
      // The current run's state is the orchestration's word while it runs (stopping, restoring).
      state: r.runId === run.runId ? (custom.state ?? r.state) : r.state,
      startedBy: r.startedBy,
      startedAt: r.startedAt,
      ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
      ...(r.summary ? { summary: r.summary } : {}),
    })),
    revision: run.revision,
    ...(found ? { latestRevision: revisionInfo(found) } : {}),
    startedBy: run.startedBy,
    startedAt: run.startedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    plannedEndAt: runbook.plannedEndAt,
    ...(eta ? { eta } : {}),
    slipMinutes: Math.round(slip),
    ...(custom.stopReason ? { stopReason: custom.stopReason } : {}),
    ...(run.summary ? { summary: run.summary } : custom.state === 'failed' || custom.state === 'aborted' ? { summary: custom.stopReason ?? custom.state } : {}),
    counts,
    phases,
    steps: runbook.steps.map((s) => ({
      id: s.id,
      title: s.title,
      kind: s.spec.kind,
      phase: s.phaseId,
      state: stateOf(s.id),
      plannedStart: s.plannedStart,
      plannedEnd: s.plannedEnd,
      ...(records[s.id]?.at ? { at: records[s.id]!.at } : {}),
      ...(records[s.id]?.detail ? { detail: records[s.id]!.detail } : {}),
      tickets: s.tickets,
      ...(s.spec.kind === 'manual' && s.spec.assignees ? { assignees: s.spec.assignees } : {}),
      ...expectation(s, records[s.id], nowMs),
    })),
    approvalsPending: runbook.steps
      .filter((s) => stateOf(s.id) === 'waiting-for-approval')
      .flatMap((s) => {
        const gate = gateOf(runbook, s.id);
        return gate ? [{ gate: s.id, title: s.title, roles: gate.spec.roles }] : [];
      }),
    servers,
    maintenancePages: pages,
    alertSets,
    stillChanged,
    events: events.map((e) => ({ at: e.at, step: e.stepId, type: e.type, data: e.data })),
    details: windowDetails({ runbook, run, records, events, ledger, nowMs, stateOf }),
  };
  return { status: 200, jsonBody: view };
}

function revisionInfo(w: WindowSummary): NonNullable<WindowStatusView['latestRevision']> {
  return { revision: w.revision, file: w.file, ...(w.publishedBy ? { publishedBy: w.publishedBy } : {}), ...(w.publishedAt ? { publishedAt: w.publishedAt } : {}) };
}

/** Every window file with the state of its last run. */
export async function listWindows(deps: ApiDeps): Promise<ApiResponse> {
  const windows = await Promise.all(
    (await deps.windows.list()).map(async ({ windowId, file, revision, publishedBy, publishedAt }) => {
      const run = await deps.store.getRun(windowId);
      // Only the file's name: a server path says nothing to a caller and much to an attacker.
      return {
        windowId,
        file: basename(file),
        revision,
        ...(publishedBy ? { publishedBy, publishedAt } : {}),
        state: run?.state ?? 'not-started',
        startedAt: run?.startedAt,
        finishedAt: run?.finishedAt || undefined,
        statusUrl: `/api/windows/${windowId}`,
        // Its zones, so a list can say its times as the window does.
        ...zonesOfWindowText((await deps.windows.readRevision(windowId, revision))?.text ?? ''),
      };
    }),
  );
  return { status: 200, jsonBody: { windows } };
}

const PageBody = z.strictObject({ action: z.enum(['up', 'down']), reason: z.string().min(1, 'say why').max(500) });

/**
 * On-call's emergency switch: put a window's maintenance page up or take it down now,
 * through the same step code and ledger as the window (a later `down` finds what an
 * emergency `up` saved). Recorded with who and why.
 */
export async function emergencyPage(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const current = await currentRun(deps, req.params.windowId);
  if (!current.ok) return current.response;
  const { runbook, run, windowId } = current.value;
  const template = runbook.steps.find((s) => s.spec.kind === 'maintenance-page' && s.spec.page === req.params.pageId);
  if (!template || template.spec.kind !== 'maintenance-page') return error(404, 'PageNotFound', `window "${windowId}" has no maintenance page "${req.params.pageId ?? ''}"`);
  const body = parseBody(PageBody, req);
  if (!body.ok) return body.response;
  const who = requireAllowed(deps, req, { kind: 'maintenance-page' }, runbook);
  if (!who.ok) return who.response;
  const at = new Date(await deps.clock.now()).toISOString();
  const stepId = `emergency-${template.spec.page}-${body.value.action}-${at.replace(/[^0-9]/g, '').slice(0, 14)}`;
  const step: RunbookStep = {
    ...template,
    id: stepId,
    title: `Emergency: maintenance page ${template.spec.page} ${body.value.action} by ${who.caller.id} (${body.value.reason})`,
    deps: [],
    finishAfter: [],
    tickets: [],
    continueOnFailure: true,
    spec: { ...template.spec, action: body.value.action },
  };
  delete step.notBefore;
  delete step.skip;
  await deps.store.appendEvent(windowId, { stepId, type: 'emergency-page', at, data: { by: who.caller.id, action: body.value.action, page: template.spec.page, reason: body.value.reason } });
  const instanceId = InstanceIds.step(windowId, run.runId, stepId);
  await deps.durable.startNew(Orchestrations.step, instanceId, {
    windowId,
    runId: run.runId,
    revision: run.revision,
    startedBy: who.caller.id,
    step,
    timeZone: runbook.timeZone,
    failureChannels: runbook.channels.failures,
    pollMinutes: 1,
  });
  return { status: 202, jsonBody: { windowId, page: template.spec.page, action: body.value.action, instanceId } };
}
