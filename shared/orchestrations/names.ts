/** Every orchestration, activity, entity and event name, defined once. */

export const Orchestrations = {
  window: 'windowOrchestrator',
  step: 'stepOrchestrator',
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
  // pipelines
  startPipeline: 'startPipeline',
  getPipelineRun: 'getPipelineRun',
  // maintenance page
  setDnsRecord: 'setDnsRecord',
  purgeCache: 'purgeCache',
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

/** Deterministic instance ids: a duplicate or late start never makes a second run. */
export const InstanceIds = {
  window: (windowId: string): string => `window-${windowId}`,
  step: (windowId: string, stepId: string): string => `window-${windowId}:${stepId}`,
  /** `|` cannot appear in a step id, so this never collides with a step's instance. */
  restore: (windowId: string): string => `window-${windowId}|restore`,
  windowIdOf: (instanceId: string): string | undefined => /^window-([^:]+)$/.exec(instanceId)?.[1],
};
