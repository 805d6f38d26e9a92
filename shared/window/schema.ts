import { z } from 'zod';
import { parseDurationMinutes } from './duration';
import { calendarDateProblem, parseWallTime } from './walltime';
import { zoneProblem } from './zones';
import { suggest } from './suggest';

/**
 * The window definition language (docs/window-format.md). Schemas here check shape;
 * cross-field rules (dependencies, floors, time zones, budgets) live in validate.ts.
 */

/** Azure Update Manager refuses a maximum duration above 3h 55m. */
export const PATCH_MAX_MINUTES = 235;

/** The longest duration (estimate, timeout, budget) a window may give: a week, longer than any window runs. */
export const MAX_DURATION_MINUTES = 7 * 1440;

/** Marks messages of unknown-key issues so the reporter can split them per key. */
export const UNKNOWN_KEY_SEPARATOR = '\u0000';

/**
 * A strict object whose unknown-key errors name each key and suggest the closest
 * allowed one; the window files are hand-written, so typos are the common mistake.
 */
function strict<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      return issue.keys
        .map((key) => {
          const hint = suggest(key, allowed);
          return `${key}${UNKNOWN_KEY_SEPARATOR}unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${allowed.join(', ')}`;
        })
        .join(UNKNOWN_KEY_SEPARATOR + UNKNOWN_KEY_SEPARATOR);
    },
  });
}

export const Id = z
  .string({ error: 'expected an id (text)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'ids use letters, digits, "-", "_" and "." and start with a letter or digit');

/** Minutes, from "30m" / "4h" / "1h30m" / "PT4H" / a number of minutes. */
export const Duration = z.union([z.number(), z.string()], { error: 'expected a duration such as "30m", "4h" or "1h30m"' }).transform((value, ctx) => {
  const minutes = parseDurationMinutes(value);
  if (minutes === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration; write e.g. "30m", "4h" or "1h30m"` });
    return z.NEVER;
  }
  if (minutes > MAX_DURATION_MINUTES) {
    ctx.addIssue({ code: 'custom', message: `${String(value)} is longer than ${MAX_DURATION_MINUTES / 1440} days, the longest duration a window may give (a number alone is minutes)` });
    return z.NEVER;
  }
  return minutes;
});

/** Wall-clock time text, checked for syntax here and resolved against the zone later. */
export const WallTimeText = z.string({ error: 'expected a wall-clock time such as "Saturday 19:00"' }).superRefine((text, ctx) => {
  const parsed = parseWallTime(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

export const Zone = z.string({ error: 'expected an IANA time zone such as "America/New_York"' }).superRefine((zone, ctx) => {
  const problem = zoneProblem(zone);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const IsoDate = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .superRefine((date, ctx) => {
    const problem = calendarDateProblem(date);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const ResourceId = z
  .string()
  .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i, 'expected an Azure resource id (/subscriptions/…/resourceGroups/…/providers/…)');

const StringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

// ---------------------------------------------------------------- people and teams

export const Person = strict({
  name: z.string(),
  email: z.string().email().optional(),
  /** Entra user principal name, when it differs from the email (App Service authentication gives the UPN). */
  upn: z.string().min(3).optional(),
  /** Entra object id (the token's `oid`): matches even after a rename. */
  entraObjectId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected an Entra object id (a GUID)').optional(),
  slack: z.string().optional(),
});

/**
 * Who may steer a run besides its approvers, by person, role or team id. The platform
 * engineers named in the app's configuration may always start a window and abort it.
 */
export const Access = strict({
  /** Window leads: start, abort, switch the maintenance page, tick any manual step, answer for a team with no members. */
  leads: z.array(Id).default([]),
  /** On-call engineers: abort and switch the maintenance page in an emergency. */
  onCall: z.array(Id).default([]),
});

export const Role = strict({
  title: z.string().optional(),
  members: z.array(Id),
});

export const Team = strict({
  title: z.string(),
  /** People on the team who answer checkpoints. */
  members: z.array(Id).default([]),
  /** Applications the team watches (canary checkpoints list them). */
  apps: z.array(z.string()).default([]),
  channel: z.string().optional(),
});

// ---------------------------------------------------------------- estate

export const Pool = z.discriminatedUnion(
  'kind',
  [
    strict({
      kind: z.literal('application-gateway'),
      title: z.string().optional(),
      gateway: z.union([ResourceId, z.string()]),
      backendPool: z.string(),
      /** Capacity floor: members that must stay in the pool at every moment. */
      minHealthy: z.number().int().min(0),
    }),
    strict({
      kind: z.literal('load-balancer'),
      title: z.string().optional(),
      loadBalancer: z.union([ResourceId, z.string()]),
      backendPool: z.string(),
      minHealthy: z.number().int().min(0),
    }),
  ],
  { error: 'pool kind must be "application-gateway" or "load-balancer"' },
);

export const SanityCheck = strict({
  name: z.string().optional(),
  /** `{host}` and `{name}` are replaced by the member's host and name. */
  url: z.string(),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  expectStatus: z.union([z.number().int(), z.array(z.number().int())]).default(200),
  expectBody: z.string().optional(),
  /** Text the body must not contain (the maintenance message, once traffic is back). */
  rejectBody: z.string().optional(),
  /** A response header that must be present (Retry-After on a maintenance 503). */
  expectHeader: z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name such as Retry-After').optional(),
  timeout: Duration.optional(),
  /** Retries before the probe counts as failed (servers warm up after a reboot). */
  attempts: z.number().int().min(1).max(20).default(3),
});

export const Member = z.union([
  z.string(),
  strict({
    name: z.string(),
    vm: ResourceId.optional(),
    host: z.string().optional(),
    pools: z.array(Id).optional(),
    patchEstimate: Duration.optional(),
  }),
]);

export const PatchSettings = strict({
  classifications: z
    .array(z.enum(['Critical', 'Security', 'UpdateRollup', 'FeaturePack', 'ServicePack', 'Definition', 'Tools', 'Updates']))
    .default(['Critical', 'Security', 'UpdateRollup', 'Definition', 'Updates']),
  reboot: z.enum(['IfRequired', 'Never', 'Always']).default('IfRequired'),
  /** Azure Update Manager's maximumDuration; the seeds say leave it at 235 minutes. */
  maxDuration: Duration.default(PATCH_MAX_MINUTES),
  /** Planner estimate for one server; the real run is bounded by maxDuration. */
  estimate: Duration.optional(),
  excludeKbs: z.array(z.string()).default([]),
});

export const AlertSuppression = strict({
  /** Alert processing rule scopes silenced beside the members being patched. */
  scopes: z.array(z.string()).default([]),
});

export const ServerGroup = strict({
  title: z.string().optional(),
  members: z.array(Member).min(1, 'a server group needs at least one member'),
  /** Pools every member belongs to (a member may list its own). */
  pools: z.array(Id).default([]),
  /** Members drained and patched together; the planner may choose smaller. */
  batchSize: z.number().int().min(1).optional(),
  /** At most this many members out at once (defaults to batchSize). */
  maxConcurrency: z.number().int().min(1).optional(),
  /** Stop the line after this many failed members. */
  errorThreshold: z.number().int().min(1).default(1),
  patch: PatchSettings.default(PatchSettings.parse({})),
  sanityChecks: z.array(SanityCheck).default([]),
  suppressAlerts: z.union([z.boolean(), AlertSuppression]).default(true),
  /** Chains of members that never overlap, in order (SFTP1 then SFTP2). */
  oneAfterAnother: z.array(z.array(z.string()).min(2)).default([]),
});

export const CloudflarePage = strict({
  zone: z.string(),
  /** Hostnames whose records swap from origin to the maintenance target. */
  hostnames: z.array(z.string()).min(1),
  origin: z.string(),
  maintenance: z.string(),
  purgeCache: z.boolean().default(true),
});

export const ConsulKey = strict({
  key: z.string(),
  value: z.string(),
  /** Value written back when the page comes down (the estate is restored); absent = the value the key had before, or no key when it had none. */
  restoreValue: z.string().optional(),
});

/**
 * Alerts paused for a stretch of the window, beyond those a patch step silences for its
 * own servers (the seeds: "disable other alerts", "continue to pause more alerts").
 */
export const AlertSet = strict({
  title: z.string().optional(),
  /** Azure resource ids (VMs, resource groups, a subscription) one alert processing rule silences. */
  scopes: z.array(z.string().regex(/^\/subscriptions\//i, 'an Azure resource id starting /subscriptions/')).default([]),
  /** Pingdom checks (names, hostnames or ids) put into maintenance. */
  pingdom: strict({ checks: z.array(z.union([z.string(), z.number()])).min(1) }).optional(),
  /** Where to say the alerts went off or came back. */
  channels: z.array(z.string()).default([]),
});

export const MaintenancePage = strict({
  title: z.string().optional(),
  cloudflare: CloudflarePage.optional(),
  consul: ConsulKey.optional(),
  /** Pingdom checks put into maintenance while the page is up. */
  pingdom: strict({ checks: z.array(z.union([z.string(), z.number()])).min(1) }).optional(),
  /** Where to tell people the page went up or down. */
  channels: z.array(z.string()).default([]),
});

export const ConsulEstate = strict({
  title: z.string().optional(),
  /** The Consul datacenter the maintenance key is in (Consul's `?dc=`); absent: the agent's own. */
  datacenter: z.string().min(1).optional(),
  maintenanceKey: ConsulKey,
  /** UI endpoints that must redirect to the friendly message while down. */
  verifyRedirect: z.array(z.string()).default([]),
  /** Text of the friendly message: the redirect check looks for it, and the restore for its absence. */
  maintenanceMarker: z.string().min(1).optional(),
  apiNodes: z.array(z.string()).min(1),
  workers: z.array(strict({ node: z.string(), services: z.array(z.string()).min(1) })).default([]),
  scheduledTasks: strict({ node: z.string(), tasks: z.array(z.string()).min(1) }).optional(),
  smokeTests: z.array(SanityCheck).default([]),
  /** Checks that must see the estate down while it is (the API answering 503). */
  verifyDown: z.array(SanityCheck).default([]),
  partners: z.array(z.string()).default([]),
}).superRefine((e, ctx) => {
  // A redirect check without the message's text would pass on the normal site (any 200).
  if (e.verifyRedirect.length > 0 && !e.maintenanceMarker) ctx.addIssue({ code: 'custom', path: ['maintenanceMarker'], message: 'required with verifyRedirect: the text of the maintenance message the check looks for' });
});

// ---------------------------------------------------------------- steps

const PipelineRef = strict({
  name: z.string(),
  /** Azure DevOps pipeline id, when known. */
  id: z.number().int().optional(),
  project: z.string().optional(),
  /** Stages to run; the others are skipped. Empty = every stage. */
  stages: z.array(z.string()).default([]),
  /** Git ref: a tag (`platform-0/2.106.0`), branch or full `refs/...`. */
  tag: z.string().optional(),
  branch: z.string().optional(),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

const HttpCheck = SanityCheck;

const common = {
  id: Id,
  title: z.string().optional(),
  tickets: StringList.optional(),
  /** Change team responsible (e.g. "Server Patching"). */
  team: z.string().optional(),
  /** Not before this wall-clock time. */
  at: WallTimeText.optional(),
  /**
   * The time the seed states for this step ("Sunday around 8 AM"): it should begin by then. The
   * plan and the status flag it when it begins later; it never holds the step back (that is `at`).
   */
  expect: z.union([WallTimeText, strict({ at: WallTimeText, why: z.string().trim().min(1) })]).optional(),
  /** Step or phase ids that must finish first ("must wait for X"). */
  after: StringList.optional(),
  estimate: Duration.optional(),
  /** "Not doing": kept in the plan and the record, never run. */
  skip: z.union([z.literal(true), z.string()]).optional(),
  /** Run only if another step was done (or was not): "only if putting up the maintenance page". Waits for that step. */
  when: strict({ done: Id.optional(), notDone: Id.optional() }).optional(),
  notes: StringList.optional(),
  /** A failure here is reported but does not stop the window. */
  continueOnFailure: z.boolean().default(false),
  /**
   * When the budget no longer holds this step (and what must follow it), it may be pushed to a
   * following window: not started, recorded and announced. `false` (the default): an approver of
   * `budget.approvers` decides whether it runs anyway.
   */
  deferrable: z.boolean().default(false),
  /**
   * At run time, this step's estimate is what `step` took in this run, times `factor` (seed 004:
   * production takes twice Mock's time when the database is upgraded, for SQL-A and SQL-B).
   */
  estimateFrom: strict({ step: Id, factor: z.number().positive().max(10).default(1) }).optional(),
};

const PipelineStep = strict({ ...common, kind: z.literal('pipeline'), pipeline: PipelineRef });

const ScriptStep = strict({
  ...common,
  kind: z.literal('script'),
  /** Server names or `group:<id>`. */
  targets: z.array(z.string()).min(1),
  script: StringList,
  shell: z.enum(['powershell', 'shell']).default('powershell'),
  parameters: z.record(z.string(), z.string()).default({}),
  /** One server after another instead of all at once. */
  serial: z.boolean().default(false),
});

const ApprovalStep = strict({
  ...common,
  kind: z.literal('approval'),
  /** Role id → approvals needed from that role (quorum). */
  roles: z.record(Id, z.number().int().min(1)),
  timeout: Duration,
  onTimeout: z.enum(['reject', 'approve', 'escalate']),
  /** Role notified when the gate escalates. */
  escalateTo: Id.optional(),
  maxEscalations: z.number().int().min(1).max(10).default(2),
  channels: z.array(z.string()).default([]),
  message: z.string().optional(),
});

const MaintenancePageStep = strict({
  ...common,
  kind: z.literal('maintenance-page'),
  page: Id,
  action: z.enum(['up', 'down']),
});

const AlertsStep = strict({
  ...common,
  kind: z.literal('alerts'),
  /** An entry of `alertSets`. */
  set: Id,
  action: z.enum(['pause', 'resume']),
});

const NotifyStep = strict({
  ...common,
  kind: z.literal('notify'),
  channels: z.array(z.string()).min(1),
  message: z.string(),
});

const Rollout = strict({
  /** Server that gets the new secret first and must pass validation. */
  validateOn: z.string(),
  /** Then the rest, batch by batch; a batch may wait for other steps. */
  batches: z.array(strict({ members: z.array(z.string()).min(1), after: StringList.optional() })).min(1),
  recycleIis: z.boolean().default(true),
  validation: z.array(SanityCheck).default([]),
  /**
   * Mailgun: steps that update other consumers of the key (a Kubernetes secret, a job); the old key
   * is deleted only once they are all done, and kept (said loudly) if one is not.
   */
  deleteOldKeyAfter: StringList.optional(),
});

const RotateSecretStep = strict({
  ...common,
  kind: z.literal('rotate-secret'),
  secret: z.discriminatedUnion(
    'type',
    [
      strict({ type: z.literal('mailgun'), vault: z.string(), name: z.string(), domain: z.string() }),
      strict({
        type: z.literal('machine-key'),
        vault: z.string(),
        name: z.string(),
        validation: z.enum(['HMACSHA256', 'HMACSHA384', 'HMACSHA512']).default('HMACSHA256'),
        decryption: z.enum(['AES']).default('AES'),
      }),
    ],
    { error: 'secret type must be "mailgun" or "machine-key"' },
  ),
  rollout: Rollout,
});

const TestStep = strict({
  ...common,
  kind: z.literal('test'),
  suite: z.enum(['smoke', 'regression', 'connection', 'custom']),
  target: z.string().optional(),
  checks: z.array(HttpCheck).default([]),
  pipeline: PipelineRef.optional(),
  /**
   * `page-up`: when the test fails, put back up every maintenance page the window took down before
   * it (seed 002: "If issues are detected we can put the Maintenance Page back up in an emergency").
   */
  onFailure: z.literal('page-up', { error: 'onFailure: the only action is "page-up"' }).optional(),
});

const CanaryStep = strict({
  ...common,
  kind: z.literal('canary'),
  server: strict({ name: z.string(), vm: ResourceId.optional(), host: z.string().optional() }),
  pools: z.array(Id).min(1),
  checkpoints: strict({
    every: Duration,
    teams: z.array(Id).min(1),
    channel: z.string(),
  }),
  /** When the go/no-go decision is taken. */
  decisionAt: WallTimeText,
  /** What happens when a team has not answered by the decision. */
  defaultOutcome: z.enum(['go', 'no-go']),
  /** `remove`: a team's "not ok" takes the canary out at once (no-go); `decide` (default): it counts at the decision. */
  onNotOk: z.enum(['decide', 'remove']).default('decide'),
});

const TakedownStep = strict({
  ...common,
  kind: z.literal('takedown'),
  estate: Id,
  action: z.enum(['down', 'restore']),
});

const ManualStep = strict({
  ...common,
  kind: z.literal('manual'),
  instructions: z.string(),
  /** Role or person who ticks it off. */
  assignee: Id.optional(),
});

const PatchStep = strict({
  ...common,
  kind: z.literal('patch'),
  group: Id,
  /** Subset of the group's members; default all. */
  members: z.array(z.string()).optional(),
  batchSize: z.number().int().min(1).optional(),
});

const stepSchemas = [
  PipelineStep,
  ScriptStep,
  ApprovalStep,
  MaintenancePageStep,
  AlertsStep,
  NotifyStep,
  RotateSecretStep,
  TestStep,
  CanaryStep,
  TakedownStep,
  ManualStep,
  PatchStep,
] as const;

export const STEP_KINDS = [
  'pipeline',
  'script',
  'approval',
  'maintenance-page',
  'alerts',
  'notify',
  'rotate-secret',
  'test',
  'canary',
  'takedown',
  'manual',
  'patch',
] as const;
export const BLOCK_KINDS = ['sequence', 'parallel'] as const;

export type PipelineStepT = z.output<typeof PipelineStep>;
export type ScriptStepT = z.output<typeof ScriptStep>;
export type ApprovalStepT = z.output<typeof ApprovalStep>;
export type MaintenancePageStepT = z.output<typeof MaintenancePageStep>;
export type NotifyStepT = z.output<typeof NotifyStep>;
export type RotateSecretStepT = z.output<typeof RotateSecretStep>;
export type TestStepT = z.output<typeof TestStep>;
export type CanaryStepT = z.output<typeof CanaryStep>;
export type TakedownStepT = z.output<typeof TakedownStep>;
export type ManualStepT = z.output<typeof ManualStep>;
export type PatchStepT = z.output<typeof PatchStep>;
export type Step = z.output<(typeof stepSchemas)[number]>;
export type StepKind = Step['kind'];

export interface Block {
  kind: 'sequence' | 'parallel';
  id?: string;
  title?: string;
  tickets?: string[];
  team?: string;
  notes?: string[];
  at?: string;
  after?: string[];
  steps: Item[];
}
export type Item = Step | Block;

const BlockSchema: z.ZodType<Block> = z.lazy(() =>
  strict({
    kind: z.enum(BLOCK_KINDS),
    id: Id.optional(),
    title: z.string().optional(),
    /** A change with several tickets or a change team, as the wiki groups them. */
    tickets: StringList.optional(),
    team: z.string().optional(),
    notes: StringList.optional(),
    at: WallTimeText.optional(),
    after: StringList.optional(),
    steps: z.array(ItemSchema).min(1, 'a block needs at least one step'),
  }),
) as unknown as z.ZodType<Block>;

export const ItemSchema: z.ZodType<Item> = z.lazy(() =>
  z.discriminatedUnion('kind', [...stepSchemas, BlockSchema as never], {
    error: (issue) => {
      const input = issue.input as { kind?: unknown } | undefined;
      const kind = input && typeof input === 'object' ? input.kind : undefined;
      const all = [...STEP_KINDS, ...BLOCK_KINDS];
      if (typeof kind !== 'string') return `every step needs a "kind": one of ${all.join(', ')}`;
      const hint = suggest(kind, all);
      return `unknown step kind "${kind}"${hint ? ` (did you mean "${hint}"?)` : ''}; one of ${all.join(', ')}`;
    },
  }),
) as unknown as z.ZodType<Item>;

export const Phase = strict({
  id: Id,
  title: z.string().optional(),
  /** Wall-clock start ("Saturday 19:00"); without it the phase follows the previous one. */
  start: WallTimeText.optional(),
  after: StringList.optional(),
  /** Numbered (sequence) or bulleted (parallel) steps. */
  mode: z.enum(BLOCK_KINDS).default('sequence'),
  steps: z.array(ItemSchema).min(1, 'a phase needs at least one step'),
});

export const Window = strict({
  apiVersion: z.literal('mw/v1', { error: 'apiVersion must be "mw/v1"' }),
  id: Id,
  title: z.string(),
  description: z.string().optional(),
  /** Where this window came from (wiki page, ticket). */
  source: z.string().optional(),
  tickets: StringList.optional(),
  timeZone: Zone,
  displayZones: z.array(Zone).default([]),
  /** The window's main day; weekday names resolve to the nearest such day. */
  date: IsoDate,
  budget: strict({
    maxDuration: Duration.optional(),
    endsBy: WallTimeText.optional(),
    /** Role whose members decide whether a step that no longer fits the budget (and may not be deferred) runs anyway. */
    approvers: Id.optional(),
  }).optional(),
  azure: strict({ subscriptionId: z.string(), resourceGroup: z.string() }).optional(),
  devops: strict({ organization: z.string(), project: z.string() }).optional(),
  notifications: strict({
    /** Milestones: window start, phases, finish summary. */
    channels: z.array(z.string()).min(1),
    failures: z.array(z.string()).default([]),
  }).optional(),
  people: z.record(Id, Person).default({}),
  roles: z.record(Id, Role).default({}),
  access: Access.default({ leads: [], onCall: [] }),
  teams: z.record(Id, Team).default({}),
  /** Planner estimates: per step kind and per step id (override the steps' own). */
  estimates: strict({
    kinds: z.partialRecord(z.enum(STEP_KINDS), Duration).default({}),
    steps: z.record(z.string(), Duration).default({}),
  }).optional(),
  pools: z.record(Id, Pool).default({}),
  serverGroups: z.record(Id, ServerGroup).default({}),
  maintenancePages: z.record(Id, MaintenancePage).default({}),
  alertSets: z.record(Id, AlertSet).default({}),
  consulEstates: z.record(Id, ConsulEstate).default({}),
  phases: z.array(Phase).min(1, 'a window needs at least one phase'),
  notes: StringList.optional(),
});

export type WindowDef = z.output<typeof Window>;
export type PhaseDef = z.output<typeof Phase>;
export type ServerGroupDef = z.output<typeof ServerGroup>;
export type PoolDef = z.output<typeof Pool>;
export type MemberDef = z.output<typeof Member>;
export type SanityCheckDef = z.output<typeof SanityCheck>;
export type MaintenancePageDef = z.output<typeof MaintenancePage>;
export type AlertSetDef = z.output<typeof AlertSet>;
export type ConsulEstateDef = z.output<typeof ConsulEstate>;
export type PipelineRefDef = z.output<typeof PipelineRef>;

export function isBlock(item: Item): item is Block {
  return item.kind === 'sequence' || item.kind === 'parallel';
}

/** The seed's time of a step (`expect:` as a time, or `{ at, why }` when the window says why it plans later). */
export function expectedAt(expect: string | { at: string; why: string } | undefined): { at: string; why?: string } | undefined {
  if (expect === undefined) return undefined;
  return typeof expect === 'string' ? { at: expect } : expect;
}
