import type { ChatButton } from '../ports/chat';
import type { RunbookStep, Runbook, Server, ResolvedPool, HttpCheck, ResolvedPipeline } from '../window/runbook';

/**
 * The shapes that cross the orchestrator/activity boundary. Types only: history
 * stores every payload, so they carry ids and small facts, never secrets.
 */

export type { Runbook, RunbookStep, Server, ResolvedPool, HttpCheck, ResolvedPipeline };

export interface WindowInput {
  windowId: string;
  /** Who started the run (four-eyes: they cannot approve it). */
  startedBy: string;
  mode: 'scheduled' | 'rehearsal' | 'manual';
  reason?: string;
  /** The window revision the run uses, chosen when it was started (absent: the latest when it prepares). */
  revision?: string;
}

/** `deferred`: the budget no longer held it; pushed to a following window (dependents go on as after `not-doing`). */
export type StepState = 'pending' | 'waiting' | 'doing' | 'waiting-for-approval' | 'done' | 'failed' | 'not-doing' | 'deferred' | 'blocked' | 'aborted';

export interface StepInput {
  windowId: string;
  /** The run this step belongs to: its instance id, idempotency keys and ledger keys are scoped to it. */
  runId: string;
  /** The window orchestration to tell when this step finishes (absent for emergency actions). */
  parentInstanceId?: string;
  revision: string;
  startedBy: string;
  step: RunbookStep;
  timeZone: string;
  /** Zones shown beside the window's own in times for people. */
  displayZones?: string[];
  failureChannels: string[];
  /** Where milestones go (the window's channels): deferrals are announced there. */
  milestoneChannels?: string[];
  /** Its phase's "has begun" notice: posted once, by the first of the phase's steps to begin work. */
  phaseNotice?: { key: string; channels: string[]; text: string; since: string };
  /** The window's hard end and what this step needs of it; absent when the window has no budget. */
  budget?: StepBudget;
  /** Poll interval of monitor loops (minutes of orchestration time). */
  pollMinutes: number;
}

export interface StepBudget {
  /** The window's hard end (ISO). */
  endsAt: string;
  /** Minutes from this step's start until it, and what must follow it, can be done (deferrable followers left out). */
  needsMinutes: number;
  /** Who decides whether a step that does not fit, and may not be deferred, runs anyway. */
  approvers?: { role: string; approvers: string[] };
}

export interface StepResult {
  stepId: string;
  state: 'done' | 'failed' | 'aborted' | 'not-doing' | 'deferred';
  summary: string;
  /** Orchestration times the step began its work and ended (ISO); measured steps feed `estimateFrom`. */
  startedAt?: string;
  finishedAt?: string;
  /** Servers the step left out of their pools on purpose (failed patch or probe). */
  keptOut?: { server: string; pools: string[]; reason: string }[];
  /** Server-level results of patch steps. */
  servers?: Record<string, ServerOutcome>;
  /** A rotated Mailgun key's old key, to delete once `after` (steps updating its other consumers) are done. */
  retireKey?: { keyId: string; after: string[] };
}

export interface ServerOutcome {
  state: 'patched' | 'failed' | 'skipped' | 'pending';
  detail?: string;
}

export interface WindowResult {
  windowId: string;
  runId?: string;
  state: 'succeeded' | 'failed' | 'aborted';
  steps: Record<string, StepResult['state'] | 'blocked'>;
  failed: string[];
  notDone: string[];
  restore: RestoreResult;
  summary: string;
}

/** A permanent failure returned by an activity (durable retries are for transient ones). */
export interface Failure {
  ok: false;
  code: string;
  message: string;
}
export type Outcome<T> = ({ ok: true } & T) | Failure;

/**
 * An activity whose work is still running outside (a Run Command, a pool write): the caller
 * checks again with `resume` after `afterSeconds`, on a durable timer. No activity waits for it.
 */
export interface StillRunning {
  pending: { resume: unknown; afterSeconds: number };
}

/** What an activity saw of a long-running vendor operation. */
/** `resumeToken` absent on a running operation: the token asked with still holds. */
export type Progress<T> = { state: 'running'; resumeToken?: string } | { state: 'succeeded'; result: T } | { state: 'failed'; code: string; message: string };

// ---------------------------------------------------------------- ledger

/** The inverse of a change, recorded when the change is made. */
export type LedgerAction =
  | { type: 'pool-add'; pool: ResolvedPool; servers: { name: string; address: string }[] }
  | { type: 'lift-alerts'; ruleName: string }
  | { type: 'dns-restore'; zone: string; hostname: string; content: string }
  | { type: 'purge-cache'; zone: string; hostnames: string[] }
  | { type: 'end-uptime-maintenance'; maintenanceId: number }
  /** `datacenter`: the key's Consul datacenter (absent: the agent's own). */
  | { type: 'consul-key'; key: string; value?: string; datacenter?: string }
  | { type: 'node-maintenance-off'; node: string }
  /** `before`: the service as it was (absent in entries written before it was recorded: start it). */
  | { type: 'worker-service-on'; node: string; service: string; before?: { startType: 'Automatic' | 'Manual' | 'Disabled'; running: boolean } }
  /** `wasEnabled: false`: the task was already off, so the restore leaves it off. */
  | { type: 'scheduled-task-on'; node: string; task: string; wasEnabled?: boolean }
  | { type: 'pool-remove'; pool: ResolvedPool; servers: { name: string; address: string }[] }
  /**
   * A secret roll-out so far: Key Vault back to `toVersion` (as a new version; `disableVersion` off),
   * IIS recycled on the servers that took the new value so they read the old one again, and the new
   * Mailgun key deleted. The servers are re-recorded as each batch rolls.
   */
  | { type: 'secret-rollback'; vault: string; name: string; toVersion: string; disableVersion: string; deleteKeyId?: string; recycle: Server[] };

/** Servers read their secrets when IIS starts, so a recycle is how a new (or old) value reaches them. */
export const RECYCLE_IIS = ['iisreset /restart', 'Write-Output "IIS recycled"'];

export interface LedgerEntry {
  /** Deterministic: the same change always has the same key, so retries upsert. */
  key: string;
  stepId: string;
  /** Orchestration time of the change (epoch ms) and a tie-breaker; restore walks descending. */
  order: number;
  action: LedgerAction;
  description: string;
  state: 'open' | 'undone' | 'kept' | 'failed';
  note?: string;
}

export interface RestoreResult {
  undone: string[];
  kept: { key: string; description: string; note: string }[];
  failed: { key: string; description: string; error: string }[];
}

// ---------------------------------------------------------------- activity inputs

export interface RecordStepInput {
  windowId: string;
  stepId: string;
  state: StepState;
  at: string;
  detail?: string;
}

export interface NotifyInput {
  windowId: string;
  /** Deterministic per message so a retried activity posts once. */
  key: string;
  channels: string[];
  text: string;
  /** Shown where the app can take their clicks (Slack interactivity); the text must make sense without them. */
  buttons?: ChatButton[];
  /** Several steps may post it at once (a phase's first steps): only the one that claims it first posts. */
  once?: boolean;
  /**
   * A post of this key whose records were lost (storage that lost acknowledged writes) is found in the
   * channel: a message starting with `prefix` posted since `since` (ISO) is adopted, never posted again.
   */
  adopt?: { prefix: string; since: string };
  /** The message laid out as Block Kit sections (results, summaries); `text` is the fallback. */
  sections?: string[];
}

export interface PoolWriteInput {
  windowId: string;
  key: string;
  pool: ResolvedPool;
  remove: string[];
  add: string[];
}

export interface PatchBeginInput {
  windowId: string;
  key: string;
  server: Server;
  patch: { maximumDurationInMinutes: number; rebootSetting: 'IfRequired' | 'Never' | 'Always'; classifications: string[]; excludeKbs: string[] };
}

export interface ProbeInput {
  server: Server;
  checks: HttpCheck[];
}

export interface ProbeOutcome {
  ok: boolean;
  failures: string[];
}
