/** Every orchestration, activity, entity and event name, defined once. */

export const Orchestrations = {
  window: 'windowOrchestrator',
  step: 'stepOrchestrator',
  /** One chunk of a patch step (drain, patch, probe, put back): a history of its own, bounded by the chunk. */
  patchChunk: 'patchChunkOrchestrator',
  restore: 'restoreOrchestrator',
} as const;

export const Activities = {
  prepareRun: 'prepareRun',
  recordStep: 'recordStepState',
  recordRun: 'recordRunState',
  recordEvent: 'recordEvent',
  readStepStates: 'readStepStates',
  signalInstances: 'signalInstances',
  startSteps: 'startSteps',
  notify: 'notify',
  /** Rewrites a notice the window posted (by its key) and takes its buttons away: the question is closed. */
  closeNotice: 'closeNotice',
  /** Renders the window report (Markdown and HTML) into Blob storage beside the run. */
  writeReport: 'writeReport',
  // ledger
  recordLedger: 'recordLedgerEntry',
  listLedger: 'listLedger',
  settleLedger: 'settleLedgerEntry',
  undoLedger: 'undoLedgerEntry',
  // patching and pools
  resolveServers: 'resolveServers',
  readPool: 'readPool',
  beginPoolWrite: 'beginPoolWrite',
  pollPoolWrite: 'pollPoolWrite',
  suppressAlerts: 'suppressAlerts',
  liftAlerts: 'liftAlerts',
  beginPatch: 'beginPatch',
  pollPatches: 'pollPatches',
  runProbes: 'runProbes',
  beginRunCommand: 'beginRunCommand',
  pollRunCommands: 'pollRunCommands',
  /** Deletes the window's finished run commands on one VM, after the restore walk. */
  tidyRunCommands: 'tidyRunCommands',
  // pipelines
  startPipeline: 'startPipeline',
  getPipelineRun: 'getPipelineRun',
  // maintenance page
  setDnsRecord: 'setDnsRecord',
  purgeCache: 'purgeCache',
  dnsStillAt: 'dnsStillAt',
  pointDnsBack: 'pointDnsBack',
  startUptimeMaintenance: 'startUptimeMaintenance',
  // consul
  setConsulKey: 'setConsulKey',
  setNodeMaintenance: 'setNodeMaintenance',
  setWorkerService: 'setWorkerService',
  setScheduledTask: 'setScheduledTask',
  // secrets
  createMailgunKey: 'createMailgunKey',
  verifyMailgunKey: 'verifyMailgunKey',
  deleteMailgunKey: 'deleteMailgunKey',
  generateMachineKey: 'generateMachineKey',
  rollbackSecret: 'rollbackSecret',
  markRolledOut: 'markRolledOut',
} as const;

export type ActivityName = (typeof Activities)[keyof typeof Activities];

export const Events = {
  abort: 'abort',
  approval: 'approval',
  manualDone: 'manual-done',
  canaryAnswer: 'canary-answer',
  /** A step tells its window it has finished (payload: its StepResult). */
  stepDone: 'step-done',
} as const;

/**
 * Restore-ledger keys of what outlives its step: per maintenance page and per alert set, not per
 * step, so the `down`/`resume` step finds what `up`/`pause` recorded, and the status API can tell
 * from the ledger alone whether a page is up or a set paused.
 */
export const LedgerKeys = {
  page: (page: string, ...parts: string[]): string => ['page', page, ...parts].join(':'),
  alertSet: (set: string, ...parts: string[]): string => ['alerts', set, ...parts].join(':'),
  /** A Consul estate's take-down (seed 004), per estate so `restore` finds what `down` changed. */
  estate: (estate: string, ...parts: string[]): string => ['estate', estate, ...parts].join(':'),
  /**
   * What keeps customers out: a maintenance page (all of its records and checks) or a Consul estate's
   * maintenance key (HAProxy's friendly message). Undoing it lets customers in, so a failed or aborted
   * window leaves it as it is and a person decides (see restore.ts). Returns what it is, in words.
   */
  keepsCustomersOut: (key: string): string | undefined => {
    const page = /^page:([^:]+):/.exec(key);
    if (page) return `maintenance page ${page[1]}`;
    const estate = /^estate:([^:]+):key$/.exec(key);
    return estate ? `the maintenance key of ${estate[1]} (outside traffic redirected)` : undefined;
  },
  /** The page or alert set a key belongs to (ids never contain ':'). */
  owner: (key: string): { kind: 'page' | 'alerts'; id: string } | undefined => {
    const m = /^(page|alerts):([^:]+):/.exec(key);
    return m ? { kind: m[1] as 'page' | 'alerts', id: m[2]! } : undefined;
  },
};

/** Slack `action_id`s of the buttons the app posts; /api/slack/interactions acts on them. */
export const SlackActions = {
  approve: 'mw-approve',
  reject: 'mw-reject',
} as const;

export const Entities = {
  /** One per gateway or load balancer: its backend pool writes are serialised through a lock on it. */
  poolWriter: 'poolwriter',
} as const;

/**
 * Deterministic instance ids. `window-<id>` is the guard: while a run of a window is going, a
 * duplicate or late start finds it and makes no second run. Everything a run starts (its steps,
 * its restore walk) is scoped to the run, `window-<id>@<runId>`, so a later run of the same window
 * (after an abort, a failure or a rehearsal in the same task hub) never finds the earlier run's
 * instances and mistakes them for its own.
 */
export const InstanceIds = {
  window: (windowId: string): string => `window-${windowId}`,
  /** Ids never contain '@', ':' or '|' (schema), so these never collide with each other or a window. */
  run: (windowId: string, runId: string): string => `window-${windowId}@${runId}`,
  step: (windowId: string, runId: string, stepId: string): string => `${InstanceIds.run(windowId, runId)}:${stepId}`,
  restore: (windowId: string, runId: string): string => `${InstanceIds.run(windowId, runId)}|restore`,
  /**
   * A patch step's n-th chunk, under its step's instance ('~' appears in no other id). Not the
   * chunk's name: batch ids hold '#', which instance ids must not (they key Azure Storage rows).
   */
  patchChunk: (stepInstanceId: string, chunkNo: number): string => `${stepInstanceId}~${chunkNo}`,
  windowIdOf: (instanceId: string): string | undefined => /^window-([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(instanceId)?.[1],
};

/**
 * A run's id: the orchestration time it started, to the second, in UTC digits (`20250622043000`),
 * the id its report is filed under (shared/api/details.ts). Deterministic on replay, sortable,
 * readable in a URL; two runs of one window cannot start in the same second because `window-<id>`
 * admits one at a time.
 */
export function runIdOf(startedAtIso: string): string {
  return startedAtIso.replace(/[^0-9]/g, '').slice(0, 14);
}
