import { createHash } from 'crypto';
import { memberName, memberPools, poolMembership } from './estate';
import { buildGraph, pagesDownBefore, topologicalOrder, type WindowGraph } from './graph';
import type { Plan } from './plan';
import type { ConsulEstateDef, MemberDef, PipelineRefDef, SanityCheckDef, Step, WindowDef } from './schema';
import { expectedAt } from './schema';
import { layoutOf, type PhaseLayout } from './layout';
import { parseWallTime, resolveWallTime } from './walltime';

/**
 * The runbook is what the engine runs: a validated, planned window flattened into
 * steps with resolved dependencies, instants and resource ids. It is computed once
 * at the start of a run and stored, so every function of that run sees the same one.
 */
export interface Runbook {
  windowId: string;
  /** sha256 of the window file text: a run always names the exact file it ran. */
  revision: string;
  title: string;
  timeZone: string;
  displayZones: string[];
  startAt: string;
  plannedEndAt: string;
  budgetEndsAt?: string;
  /** Who decides whether a step past the budget that may not be deferred runs anyway (`budget.approvers`). */
  budgetApprovers?: { role: string; approvers: string[] };
  channels: { milestones: string[]; failures: string[] };
  /** Who may act on the run: approvers, assignees, team members (identity matched by Entra object id, UPN or email). */
  people: Record<string, RunbookPerson>;
  /** Person ids who may steer the run besides approvers (resolved from the window's `access`). Absent in runs recorded before access existed. */
  access?: { leads: string[]; onCall: string[] };
  /** Phases in file order, for notices and the status page. */
  phases: { id: string; title: string }[];
  /** Steps in dependency order. */
  steps: RunbookStep[];
  /** The page's own shape (numbered sequences, bulleted parallel changes); absent in runbooks stored before it existed. */
  layout?: PhaseLayout[];
  /** The window's notes, for the report. */
  notes?: string[];
  /** What the window is for, where it came from and its tickets, for the report. */
  about?: { description?: string; source?: string; tickets?: string[] };
}

export interface RunbookPerson {
  name: string;
  email?: string;
  upn?: string;
  entraObjectId?: string;
  slack?: string;
}

export interface Server {
  name: string;
  vmId: string;
  host: string;
}

export interface ResolvedPool {
  id: string;
  kind: 'application-gateway' | 'load-balancer';
  resourceId: string;
  backendPool: string;
  floor: number;
  members: string[];
}

export interface HttpCheck {
  name: string;
  url: string;
  method: 'GET' | 'HEAD' | 'POST';
  expectStatus: number[];
  expectBody?: string;
  rejectBody?: string;
  expectHeader?: string;
  timeoutInMs: number;
  attempts: number;
}

export interface ResolvedPipeline {
  project: string;
  name: string;
  pipelineId?: number;
  stages: string[];
  refName?: string;
  parameters: Record<string, string>;
}

export type StepSpec =
  | { kind: 'pipeline'; pipeline: ResolvedPipeline }
  | { kind: 'script'; targets: Server[]; script: string[]; shell: 'powershell' | 'shell'; parameters: Record<string, string>; serial: boolean }
  | {
      kind: 'approval';
      roles: { role: string; quorum: number; approvers: string[] }[];
      timeoutMinutes: number;
      onTimeout: 'reject' | 'approve' | 'escalate';
      escalateTo?: { role: string; approvers: string[] };
      maxEscalations: number;
      channels: string[];
      message: string;
    }
  | {
      kind: 'maintenance-page';
      page: string;
      /** The page's title, for notices. */
      title?: string;
      action: 'up' | 'down';
      cloudflare?: { zone: string; hostnames: string[]; origin: string; maintenance: string; purgeCache: boolean };
      consul?: { key: string; value: string; restoreValue?: string };
      pingdomChecks: (string | number)[];
      channels: string[];
    }
  | { kind: 'alerts'; set: string; /** The set's title, for notices. */ title?: string; action: 'pause' | 'resume'; scopes: string[]; pingdomChecks: (string | number)[]; channels: string[] }
  | { kind: 'notify'; channels: string[]; message: string }
  | {
      kind: 'rotate-secret';
      secret:
        | { type: 'mailgun'; vault: string; name: string; domain: string }
        | { type: 'machine-key'; vault: string; name: string; validation: string; decryption: string };
      validateOn: Server;
      batches: { members: Server[]; after: string[] }[];
      recycleIis: boolean;
      validation: HttpCheck[];
      /** Steps that update the key's other consumers: the old Mailgun key is deleted once they are done. */
      deleteOldKeyAfter: string[];
    }
  | {
      kind: 'test';
      suite: string;
      target?: string;
      checks: HttpCheck[];
      pipeline?: ResolvedPipeline;
      /** `onFailure: page-up`: the pages taken down before this test, put back up (action `up`) when it fails. */
      pageUpOnFailure?: Extract<StepSpec, { kind: 'maintenance-page' }>[];
    }
  | {
      kind: 'canary';
      server: Server;
      pools: ResolvedPool[];
      everyMinutes: number;
      /** `channel`: the team's own Slack channel, also asked at each checkpoint; `apps`: named in the question. */
      teams: { id: string; title: string; members: string[]; apps: string[]; channel?: string }[];
      channel: string;
      decisionAt: string;
      defaultOutcome: 'go' | 'no-go';
      /** `remove`: a "not ok" takes the canary out at once. */
      onNotOk: 'decide' | 'remove';
    }
  | {
      kind: 'takedown';
      action: 'down' | 'restore';
      estate: {
        id: string;
        /** The estate's title, for notices. */
        title?: string;
        /** The Consul datacenter of the maintenance key (`?dc=`); absent: the agent's own. */
        datacenter?: string;
        maintenanceKey: { key: string; value: string; restoreValue?: string };
        verifyRedirect: string[];
        maintenanceMarker?: string;
        verifyDown: HttpCheck[];
        apiNodes: string[];
        workers: { node: string; services: string[] }[];
        scheduledTasks?: { node: string; tasks: string[] };
        smokeTests: HttpCheck[];
        /** Direct integration partners the take-down and restore notices say to tell (absent in runbooks stored before). */
        partners?: string[];
      };
    }
  | { kind: 'manual'; instructions: string; assignee?: string; /** The person ids who may tick it (the assignee resolved). */ assignees?: string[] }
  | {
      kind: 'patch';
      group: string;
      batches: { id: string; members: Server[] }[];
      pools: ResolvedPool[];
      /** Pools each member sits in. */
      memberPools: Record<string, string[]>;
      patch: { maximumDurationInMinutes: number; rebootSetting: 'IfRequired' | 'Never' | 'Always'; classifications: string[]; excludeKbs: string[] };
      sanityChecks: HttpCheck[];
      suppressAlerts: { enabled: boolean; scopes: string[] };
      errorThreshold: number;
      /** Chains whose members never overlap. */
      oneAfterAnother: string[][];
    };

export interface RunbookStep {
  id: string;
  title: string;
  phaseId: string;
  deps: string[];
  /** Steps that must finish before this one can finish (rollout batches). */
  finishAfter: string[];
  /** Not before this instant (own `at` or an enclosing phase/block start). */
  notBefore?: string;
  /** The seed's time for it (`expect:`): it should begin by then; the status flags it when later. */
  expectBy?: string;
  /** Why the window plans it later than that (`expect: { at, why }`). */
  expectLateBecause?: string;
  plannedStart: string;
  plannedEnd: string;
  estimateMinutes: number;
  tickets: string[];
  team?: string;
  skip?: string;
  /** Run only if `step` ended done (`done: true`) or did not (`done: false`); otherwise not doing. */
  when?: { step: string; done: boolean };
  continueOnFailure: boolean;
  /** May be pushed to a following window when the budget no longer holds it. */
  deferrable: boolean;
  /** At run time the estimate is what `step` took in this run, times `factor`. */
  estimateFrom?: { step: string; factor: number };
  spec: StepSpec;
}

/** The id of a run's revision: a short content hash of the window file. */
export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Compiles a valid window and its plan into a runbook. */
export function compileRunbook(window: WindowDef, plan: Plan, revision: string): Runbook {
  const graph = buildGraph(window);
  const membership = poolMembership(window);
  const servers = serverIndex(window);
  const instant = (text: string): string => {
    const parsed = parseWallTime(text);
    if (typeof parsed === 'string') throw new RangeError(parsed);
    const resolved = resolveWallTime(parsed, window.date, window.timeZone);
    if (!resolved.ok) throw new RangeError(resolved.reason);
    return new Date(resolved.epochMs).toISOString();
  };
  const server = (name: string): Server => {
    const found = servers.get(name.toLowerCase());
    if (found) return found;
    return { name, vmId: vmIdFor(window, name), host: name };
  };
  const expand = (names: string[]): Server[] =>
    names.flatMap((n) => {
      if (!n.startsWith('group:')) return [server(n)];
      const group = window.serverGroups[n.slice('group:'.length)];
      return group ? group.members.map((m) => server(memberName(m))) : [];
    });
  const pool = (id: string): ResolvedPool => {
    const def = window.pools[id]!;
    return {
      id,
      kind: def.kind,
      resourceId: def.kind === 'application-gateway' ? def.gateway : def.loadBalancer,
      backendPool: def.backendPool,
      floor: def.minHealthy,
      members: membership.get(id) ?? [],
    };
  };
  const pipeline = (ref: PipelineRefDef): ResolvedPipeline => ({
    project: ref.project ?? window.devops?.project ?? 'default',
    name: ref.name,
    ...(ref.id !== undefined ? { pipelineId: ref.id } : {}),
    stages: ref.stages,
    ...(refName(ref) ? { refName: refName(ref)! } : {}),
    parameters: Object.fromEntries(Object.entries(ref.parameters).map(([k, v]) => [k, String(v)])),
  });

  const planned = new Map(plan.steps.map((s) => [s.id, s]));
  const steps: RunbookStep[] = [];
  for (const id of stepOrder(graph)) {
    const node = graph.nodes.get(id)!;
    const step = node.step!;
    const p = planned.get(id)!;
    const { deps, gates } = collapse(graph, id);
    // A maintenance page the plan holds back (up later, same end) waits for its planned start.
    const gateInstants = [...gates.map(instant), ...(p.holdUntil ? [new Date(p.holdUntil.epochMs).toISOString()] : [])];
    const notBefore = gateInstants.sort().at(-1);
    steps.push({
      id,
      title: step.title ?? id,
      phaseId: node.phaseId,
      deps,
      finishAfter: node.finishAfter.flatMap((f) => collapse(graph, f, true).deps),
      ...(notBefore ? { notBefore } : {}),
      ...(step.expect ? { expectBy: instant(expectedAt(step.expect)!.at) } : {}),
      ...(expectedAt(step.expect)?.why ? { expectLateBecause: expectedAt(step.expect)!.why } : {}),
      plannedStart: new Date(p.start.epochMs).toISOString(),
      plannedEnd: new Date(p.end.epochMs).toISOString(),
      estimateMinutes: p.estimateMinutes,
      tickets: step.tickets ?? [],
      ...(step.team ? { team: step.team } : {}),
      ...(step.skip !== undefined ? { skip: step.skip === true ? 'not doing' : step.skip } : {}),
      ...(step.when?.done ? { when: { step: step.when.done, done: true } } : step.when?.notDone ? { when: { step: step.when.notDone, done: false } } : {}),
      continueOnFailure: step.continueOnFailure,
      deferrable: step.deferrable,
      ...(step.estimateFrom ? { estimateFrom: { step: step.estimateFrom.step, factor: step.estimateFrom.factor } } : {}),
      spec: specOf(step, { window, pool, pipeline, server, expand, instant, plannedBatches: p.batches ?? [], membership, pagesDownBefore: () => pagesDownBefore(graph, id) }),
    });
  }

  return {
    windowId: window.id,
    revision,
    title: window.title,
    timeZone: window.timeZone,
    displayZones: window.displayZones,
    startAt: new Date(plan.start.epochMs).toISOString(),
    plannedEndAt: new Date(plan.end.epochMs).toISOString(),
    ...(plan.budget ? { budgetEndsAt: new Date(plan.budget.deadline.epochMs).toISOString() } : {}),
    ...(window.budget?.approvers ? { budgetApprovers: { role: window.budget.approvers, approvers: window.roles[window.budget.approvers]?.members ?? [] } } : {}),
    channels: channelsOf(window),
    phases: window.phases.map((p) => ({ id: p.id, title: p.title ?? p.id })),
    people: Object.fromEntries(Object.entries(window.people).map(([id, p]) => [id, { name: p.name, ...(p.email ? { email: p.email } : {}), ...(p.upn ? { upn: p.upn } : {}), ...(p.entraObjectId ? { entraObjectId: p.entraObjectId } : {}), ...(p.slack ? { slack: p.slack } : {}) }])),
    access: { leads: membersOf(window, window.access.leads), onCall: membersOf(window, window.access.onCall) },
    steps,
    layout: layoutOf(window),
    ...(window.notes?.length ? { notes: window.notes } : {}),
    ...(window.description || window.source || window.tickets?.length
      ? { about: { ...(window.description ? { description: window.description } : {}), ...(window.source ? { source: window.source } : {}), ...(window.tickets?.length ? { tickets: window.tickets } : {}) } }
      : {}),
  };
}

interface SpecContext {
  window: WindowDef;
  pool: (id: string) => ResolvedPool;
  pipeline: (ref: PipelineRefDef) => ResolvedPipeline;
  server: (name: string) => Server;
  expand: (names: string[]) => Server[];
  instant: (text: string) => string;
  plannedBatches: { id: string; members: string[] }[];
  membership: Map<string, string[]>;
  /** Maintenance pages a `down` step takes down before this step (it waits for that step). */
  pagesDownBefore: () => string[];
}

function pageSpec(window: WindowDef, page: string, action: 'up' | 'down'): Extract<StepSpec, { kind: 'maintenance-page' }> {
  const def = window.maintenancePages[page]!;
  return {
    kind: 'maintenance-page',
    page,
    ...(def.title ? { title: def.title } : {}),
    action,
    ...(def.cloudflare ? { cloudflare: def.cloudflare } : {}),
    ...(def.consul ? { consul: def.consul } : {}),
    pingdomChecks: def.pingdom?.checks ?? [],
    channels: def.channels,
  };
}

function specOf(step: Step, c: SpecContext): StepSpec {
  switch (step.kind) {
    case 'pipeline':
      return { kind: 'pipeline', pipeline: c.pipeline(step.pipeline) };
    case 'script':
      return { kind: 'script', targets: c.expand(step.targets), script: step.script, shell: step.shell, parameters: step.parameters, serial: step.serial };
    case 'approval':
      return {
        kind: 'approval',
        roles: Object.entries(step.roles).map(([role, quorum]) => ({ role, quorum, approvers: c.window.roles[role]?.members ?? [] })),
        timeoutMinutes: step.timeout,
        onTimeout: step.onTimeout,
        ...(step.escalateTo ? { escalateTo: { role: step.escalateTo, approvers: c.window.roles[step.escalateTo]?.members ?? [] } } : {}),
        maxEscalations: step.maxEscalations,
        channels: step.channels.length > 0 ? step.channels : (c.window.notifications?.channels ?? []),
        message: step.message ?? step.title ?? `Approval needed: ${step.id}`,
      };
    case 'maintenance-page':
      return pageSpec(c.window, step.page, step.action);
    case 'alerts': {
      const set = c.window.alertSets[step.set]!;
      return { kind: 'alerts', set: step.set, ...(set.title ? { title: set.title } : {}), action: step.action, scopes: set.scopes, pingdomChecks: set.pingdom?.checks ?? [], channels: set.channels };
    }
    case 'notify':
      return { kind: 'notify', channels: step.channels, message: step.message };
    case 'rotate-secret':
      return {
        kind: 'rotate-secret',
        secret: step.secret,
        validateOn: c.server(step.rollout.validateOn),
        batches: step.rollout.batches.map((b) => ({ members: c.expand(b.members), after: b.after ?? [] })),
        recycleIis: step.rollout.recycleIis,
        validation: step.rollout.validation.map(httpCheck),
        deleteOldKeyAfter: step.rollout.deleteOldKeyAfter ?? [],
      };
    case 'test':
      return {
        kind: 'test',
        suite: step.suite,
        ...(step.target ? { target: step.target } : {}),
        checks: step.checks.map(httpCheck),
        ...(step.pipeline ? { pipeline: c.pipeline(step.pipeline) } : {}),
        ...(step.onFailure === 'page-up' ? { pageUpOnFailure: c.pagesDownBefore().map((page) => pageSpec(c.window, page, 'up')) } : {}),
      };
    case 'canary':
      return {
        kind: 'canary',
        server: step.server.vm
          ? { name: step.server.name, vmId: step.server.vm, host: step.server.host ?? step.server.name }
          : { ...c.server(step.server.name), ...(step.server.host ? { host: step.server.host } : {}) },
        pools: step.pools.map(c.pool),
        everyMinutes: step.checkpoints.every,
        teams: step.checkpoints.teams.map((id) => {
          const team = c.window.teams[id]!;
          return { id, title: team.title, members: team.members, apps: team.apps, ...(team.channel ? { channel: team.channel } : {}) };
        }),
        channel: step.checkpoints.channel,
        decisionAt: c.instant(step.decisionAt),
        defaultOutcome: step.defaultOutcome,
        onNotOk: step.onNotOk,
      };
    case 'takedown':
      return { kind: 'takedown', action: step.action, estate: estateOf(step.estate, c.window.consulEstates[step.estate]!) };
    case 'manual':
      return { kind: 'manual', instructions: step.instructions, ...(step.assignee ? { assignee: step.assignee, assignees: membersOf(c.window, [step.assignee]) } : {}) };
    case 'patch': {
      const group = c.window.serverGroups[step.group]!;
      const memberPoolsOf: Record<string, string[]> = {};
      for (const m of group.members) memberPoolsOf[memberName(m)] = memberPools(m, group.pools);
      const poolIds = [...new Set(Object.values(memberPoolsOf).flat())];
      const suppress = group.suppressAlerts;
      return {
        kind: 'patch',
        group: step.group,
        batches: c.plannedBatches.map((b) => ({ id: b.id, members: b.members.map(c.server) })),
        pools: poolIds.map(c.pool),
        memberPools: memberPoolsOf,
        patch: {
          maximumDurationInMinutes: group.patch.maxDuration,
          rebootSetting: group.patch.reboot,
          classifications: group.patch.classifications,
          excludeKbs: group.patch.excludeKbs,
        },
        sanityChecks: group.sanityChecks.map(httpCheck),
        suppressAlerts:
          typeof suppress === 'boolean' ? { enabled: suppress, scopes: [] } : { enabled: true, scopes: suppress.scopes },
        errorThreshold: group.errorThreshold,
        oneAfterAnother: group.oneAfterAnother,
      };
    }
  }
}

function estateOf(id: string, estate: ConsulEstateDef): Extract<StepSpec, { kind: 'takedown' }>['estate'] {
  return {
    id,
    ...(estate.title ? { title: estate.title } : {}),
    ...(estate.datacenter ? { datacenter: estate.datacenter } : {}),
    maintenanceKey: estate.maintenanceKey,
    verifyRedirect: estate.verifyRedirect,
    ...(estate.maintenanceMarker ? { maintenanceMarker: estate.maintenanceMarker } : {}),
    apiNodes: estate.apiNodes,
    workers: estate.workers,
    ...(estate.scheduledTasks ? { scheduledTasks: estate.scheduledTasks } : {}),
    smokeTests: estate.smokeTests.map(httpCheck),
    verifyDown: estate.verifyDown.map(httpCheck),
    partners: estate.partners,
  };
}

function httpCheck(check: SanityCheckDef): HttpCheck {
  return {
    name: check.name ?? check.url,
    url: check.url,
    method: check.method,
    expectStatus: Array.isArray(check.expectStatus) ? check.expectStatus : [check.expectStatus],
    ...(check.expectBody !== undefined ? { expectBody: check.expectBody } : {}),
    ...(check.rejectBody !== undefined ? { rejectBody: check.rejectBody } : {}),
    ...(check.expectHeader !== undefined ? { expectHeader: check.expectHeader } : {}),
    timeoutInMs: Math.round((check.timeout ?? 0.5) * 60_000),
    attempts: check.attempts,
  };
}

function refName(ref: PipelineRefDef): string | undefined {
  if (ref.tag) return ref.tag.startsWith('refs/') ? ref.tag : `refs/tags/${ref.tag}`;
  if (ref.branch) return ref.branch.startsWith('refs/') ? ref.branch : `refs/heads/${ref.branch}`;
  return undefined;
}

function vmIdFor(window: WindowDef, name: string): string {
  const azure = window.azure;
  if (!azure) return name;
  return `/subscriptions/${azure.subscriptionId}/resourceGroups/${azure.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

function serverIndex(window: WindowDef): Map<string, Server> {
  const index = new Map<string, Server>();
  const add = (member: MemberDef) => {
    const name = memberName(member);
    const vm = typeof member === 'string' ? undefined : member.vm;
    const host = typeof member === 'string' ? undefined : member.host;
    index.set(name.toLowerCase(), { name, vmId: vm ?? vmIdFor(window, name), host: host ?? name });
  };
  for (const group of Object.values(window.serverGroups)) group.members.forEach(add);
  return index;
}

/** Step ids in an order where every dependency comes first. */
function stepOrder(graph: WindowGraph): string[] {
  return topologicalOrder(graph).filter((id) => graph.nodes.get(id)?.type === 'step');
}

/**
 * A step's dependencies with phase and block nodes looked through: the steps it
 * waits for, and the wall-clock gates (own and inherited) it must not start before.
 */
function collapse(graph: WindowGraph, id: string, asTarget = false): { deps: string[]; gates: string[] } {
  const deps = new Set<string>();
  const gates: string[] = [];
  const seen = new Set<string>();
  const start = graph.nodes.get(id)!;
  const walk = (nodeId: string): void => {
    if (seen.has(nodeId)) return;
    seen.add(nodeId);
    const node = graph.nodes.get(nodeId);
    if (!node) return;
    if (node.type === 'step') {
      deps.add(nodeId);
      return;
    }
    if (node.notBefore) gates.push(node.notBefore.text);
    node.deps.forEach(walk);
  };
  if (asTarget) {
    walk(id);
  } else {
    if (start.notBefore) gates.push(start.notBefore.text);
    start.deps.forEach(walk);
  }
  return { deps: [...deps], gates };
}

/** Where a window's notices go: milestones to its channels, failures to `failures` or, when it names none, the same channels. */
export function channelsOf(window: WindowDef): { milestones: string[]; failures: string[] } {
  const milestones = window.notifications?.channels ?? [];
  const failures = window.notifications?.failures ?? [];
  return { milestones, failures: failures.length > 0 ? failures : milestones };
}

/** Person ids behind a list of person, role or team ids (unknown ids are the validator's to report). */
export function membersOf(window: Pick<WindowDef, 'people' | 'roles' | 'teams'>, ids: string[]): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    if (window.people[id]) out.add(id);
    for (const m of window.roles[id]?.members ?? []) out.add(m);
    for (const m of window.teams[id]?.members ?? []) out.add(m);
  }
  return [...out];
}
