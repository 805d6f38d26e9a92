import { parse } from 'yaml';
import type { LedgerEntry, StepState } from '../orchestrations/contracts';
import type { EventRecord, RunRecord, StepRecord } from '../store/windowStore';
import type { PhaseLayout } from '../window/layout';
import type { Runbook, RunbookStep } from '../window/runbook';

/**
 * What the status page, the report and the CLI show beyond the core status: the window's
 * zones, the page's layout, when each step actually ran, every server of every patched group
 * (servers in flight included), who decided each approval, the canary answers and the
 * maintenance page's band. Derived from the record alone (steps, events, restore ledger), so
 * it needs no change in the orchestrations and holds for a finished run as for a live one.
 */
export interface WindowDetails {
  timeZone: string;
  displayZones: string[];
  /** The app's clock (virtual in a rehearsal): where the Gantt draws its "now" line. */
  now: string;
  plannedStartAt: string;
  budgetEndsAt?: string;
  /** Identifies this run's report: `/api/windows/{id}/runs/{runId}/report.html`. */
  runId?: string;
  layout?: PhaseLayout[];
  notes: string[];
  /** The window file's description, source (the wiki page it replaces) and tickets. */
  about?: { description?: string; source?: string; tickets?: string[] };
  timeline: Record<string, { startedAt?: string; endedAt?: string }>;
  serverGroups: ServerGroupView[];
  approvals: ApprovalView[];
  canaries: CanaryView[];
  /** The maintenance page's time up: as planned, and as it happened (open while still up). */
  pageUp: { planned?: { from: string; to: string }; actual?: { from: string; to?: string } };
  emergencies: { at: string; by: string; page: string; action: string; reason: string }[];
}

export type PatchState = 'pending' | 'patching' | 'patched' | 'failed' | 'skipped';
export type ProbeState = 'passed' | 'failed' | 'not run';

export interface ServerView {
  name: string;
  step: string;
  batch: string;
  /** Pool id → whether the server is in it now. */
  pools: Record<string, 'in' | 'out'>;
  patch: PatchState;
  probe: ProbeState;
  detail?: string;
}

export interface ServerGroupView {
  group: string;
  pools: string[];
  servers: ServerView[];
}

export interface ApprovalView {
  gate: string;
  title: string;
  state: string;
  roles: { role: string; quorum: number; approvers: string[] }[];
  decisions: { by: string; decision: 'approve' | 'reject'; comment?: string; at: string; via?: string; counted: boolean }[];
}

export interface CanaryView {
  step: string;
  title: string;
  answers: { checkpoint?: string; team: string; ok: boolean; note?: string; by?: string; at: string; counted: boolean }[];
  decision?: { decision: string; reasons: string[]; at: string };
}

const CLOSED: StepState[] = ['done', 'failed', 'not-doing', 'blocked', 'aborted'];

/** A run's id for its report: its start, in digits (a run is one start of the window's single instance). */
export function runIdOf(run: Pick<RunRecord, 'startedAt'>): string {
  return run.startedAt.replace(/[^0-9]/g, '').slice(0, 14);
}

export function windowDetails(input: {
  runbook: Runbook;
  run: RunRecord;
  records: Record<string, StepRecord>;
  events: EventRecord[];
  ledger: LedgerEntry[];
  nowMs: number;
  stateOf: (stepId: string) => string;
}): WindowDetails {
  const { runbook, run, records, events, ledger, stateOf } = input;
  const timeline: WindowDetails['timeline'] = {};
  for (const s of runbook.steps) {
    const r = records[s.id];
    if (!r) continue;
    const closed = CLOSED.includes(r.state);
    // A step never started (not doing, blocked) has an end but no start: it took no time.
    timeline[s.id] = { ...(r.startedAt ? { startedAt: r.startedAt } : {}), ...(closed && r.startedAt ? { endedAt: r.at } : {}) };
  }

  return {
    timeZone: runbook.timeZone,
    displayZones: runbook.displayZones,
    now: new Date(input.nowMs).toISOString(),
    plannedStartAt: runbook.startAt,
    ...(runbook.budgetEndsAt ? { budgetEndsAt: runbook.budgetEndsAt } : {}),
    runId: runIdOf(run),
    ...(runbook.layout ? { layout: runbook.layout } : {}),
    notes: runbook.notes ?? [],
    ...(runbook.about ? { about: runbook.about } : {}),
    timeline,
    serverGroups: serverGroups(runbook, events, ledger),
    approvals: approvals(runbook, events, stateOf),
    canaries: canaries(runbook, events),
    pageUp: pageUp(runbook, timeline),
    emergencies: events
      .filter((e) => e.type === 'emergency-page')
      .map((e) => {
        const d = e.data as { by: string; page: string; action: string; reason: string };
        return { at: e.at, by: d.by, page: d.page, action: d.action, reason: d.reason };
      }),
  };
}

type PatchSpec = Extract<RunbookStep['spec'], { kind: 'patch' }>;

/**
 * Every server of every patched group. A server counts as out of a pool while a drain's
 * inverse ("put back into pool") is open, kept or failed in the ledger: that entry is written
 * before the drain, so a server being patched shows up long before its outcome is recorded.
 */
function serverGroups(runbook: Runbook, events: EventRecord[], ledger: LedgerEntry[]): ServerGroupView[] {
  const out = new Map<string, Set<string>>(); // pool id → servers out of it now
  for (const entry of ledger) {
    if (entry.state === 'undone' || entry.action.type !== 'pool-add') continue;
    const set = out.get(entry.action.pool.id) ?? new Set<string>();
    for (const s of entry.action.servers) set.add(s.name);
    out.set(entry.action.pool.id, set);
  }
  const outcomes = new Map<string, { state: string; detail?: string }>();
  for (const e of events) {
    if (e.type !== 'servers') continue;
    for (const [name, s] of Object.entries((e.data as { servers: Record<string, { state: string; detail?: string }> }).servers)) outcomes.set(`${e.stepId}/${name}`, s);
  }
  const groups = new Map<string, ServerGroupView>();
  for (const step of runbook.steps) {
    if (step.spec.kind !== 'patch') continue;
    const spec: PatchSpec = step.spec;
    const group = groups.get(spec.group) ?? { group: spec.group, pools: [], servers: [] };
    for (const p of spec.pools) if (!group.pools.includes(p.id)) group.pools.push(p.id);
    for (const batch of spec.batches) {
      for (const m of batch.members) {
        const pools = Object.fromEntries((spec.memberPools[m.name] ?? []).map((p) => [p, out.get(p)?.has(m.name) ? 'out' : 'in'] as const));
        const outcome = outcomes.get(`${step.id}/${m.name}`);
        const inFlight = Object.values(pools).includes('out');
        const patch: PatchState = outcome ? (outcome.state as PatchState) : inFlight ? 'patching' : step.skip !== undefined ? 'skipped' : 'pending';
        const probe: ProbeState = outcome?.state === 'patched' ? 'passed' : outcome?.detail?.startsWith('sanity checks failed') ? 'failed' : 'not run';
        const existing = group.servers.findIndex((s) => s.name === m.name);
        const view: ServerView = { name: m.name, step: step.id, batch: batch.id, pools, patch, probe, ...(outcome?.detail ? { detail: outcome.detail } : {}) };
        // A server in two steps of one group (a retry batch) shows its latest news.
        if (existing < 0) group.servers.push(view);
        else if (view.patch !== 'pending' && view.patch !== 'skipped') group.servers[existing] = view;
      }
    }
    groups.set(spec.group, group);
  }
  return [...groups.values()];
}

function approvals(runbook: Runbook, events: EventRecord[], stateOf: (id: string) => string): ApprovalView[] {
  return runbook.steps.flatMap((s) => {
    if (s.spec.kind !== 'approval') return [];
    const decisions = events
      .filter((e) => e.type === 'approval' && e.stepId === s.id)
      .map((e) => {
        const d = e.data as { by: string; decision: 'approve' | 'reject'; comment?: string; at?: string; via?: string; counted?: boolean };
        return { by: d.by, decision: d.decision, ...(d.comment ? { comment: d.comment } : {}), at: d.at ?? e.at, ...(d.via ? { via: d.via } : {}), counted: d.counted !== false };
      });
    return [{ gate: s.id, title: s.title, state: stateOf(s.id), roles: s.spec.roles, decisions }];
  });
}

function canaries(runbook: Runbook, events: EventRecord[]): CanaryView[] {
  return runbook.steps.flatMap((s) => {
    if (s.spec.kind !== 'canary') return [];
    const answers = events
      .filter((e) => e.type === 'canary-answer' && e.stepId === s.id)
      .map((e) => {
        const d = e.data as { team: string; ok: boolean; note?: string; by?: string; at?: string; checkpoint?: number | string; counted?: boolean };
        return { ...(d.checkpoint !== undefined ? { checkpoint: String(d.checkpoint) } : {}), team: d.team, ok: d.ok, ...(d.note ? { note: d.note } : {}), ...(d.by ? { by: d.by } : {}), at: d.at ?? e.at, counted: d.counted !== false };
      });
    const decided = events.find((e) => e.type === 'canary-decision' && e.stepId === s.id);
    const d = decided?.data as { decision: string; reasons: string[] } | undefined;
    return [{ step: s.id, title: s.title, answers, ...(d && decided ? { decision: { decision: d.decision, reasons: d.reasons, at: decided.at } } : {}) }];
  });
}

/** The first page-up to the last page-down, as planned and as it happened. */
function pageUp(runbook: Runbook, timeline: WindowDetails['timeline']): WindowDetails['pageUp'] {
  const pages = runbook.steps.filter((s): s is RunbookStep & { spec: { kind: 'maintenance-page' } } => s.spec.kind === 'maintenance-page' && s.skip === undefined);
  const ups = pages.filter((s) => s.spec.kind === 'maintenance-page' && s.spec.action === 'up');
  const downs = pages.filter((s) => s.spec.kind === 'maintenance-page' && s.spec.action === 'down');
  if (ups.length === 0) return {};
  const planned = downs.length > 0 ? { from: ups[0]!.plannedEnd, to: downs.at(-1)!.plannedEnd } : undefined;
  const from = ups.map((s) => timeline[s.id]?.endedAt).find(Boolean);
  const to = downs.map((s) => timeline[s.id]?.endedAt).filter(Boolean).at(-1);
  return { ...(planned ? { planned } : {}), ...(from ? { actual: { from, ...(to ? { to } : {}) } } : {}) };
}

/** A window file's zones without validating it all (the list of windows shows their times). */
export function zonesOfWindowText(text: string): { timeZone?: string; displayZones?: string[] } {
  try {
    const doc = parse(text) as { timeZone?: unknown; displayZones?: unknown } | null;
    return {
      ...(typeof doc?.timeZone === 'string' ? { timeZone: doc.timeZone } : {}),
      ...(Array.isArray(doc?.displayZones) ? { displayZones: doc.displayZones.filter((z): z is string => typeof z === 'string') } : {}),
    };
  } catch {
    return {};
  }
}
