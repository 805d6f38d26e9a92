import { formatMinutes } from './duration';
import { ancestors, buildGraph, describeNode, findCycle, pagesDownBefore, type WindowGraph } from './graph';
import { parsePath, type PathProblem, type PathSegment } from './problems';
import { expectedAt, PATCH_MAX_MINUTES, type Step, type WindowDef } from './schema';
import { suggest } from './suggest';
import { parseWallTime, resolveWallTime } from './walltime';
import { memberName, poolMembership } from './estate';
import { PLANNER_DEFAULTS } from './plan/defaults';

/**
 * Cross-field rules the schema cannot express. Each check returns problems with
 * the path of the field a person must change, and a reason that says why.
 */
export function validateWindow(window: WindowDef, options: ValidateOptions = {}): PathProblem[] {
  const problems: PathProblem[] = [];
  const add = (path: string | PathSegment[], reason: string): void => {
    problems.push({ path: typeof path === 'string' ? parsePath(path) : path, reason });
  };
  const graph = buildGraph(window);

  checkIds(graph, add);
  const refsOk = checkReferences(graph, add);
  checkTimes(window, graph, add);
  checkPeople(window, add);
  checkEstate(window, graph, add);
  checkServersOnce(window, graph, add);
  checkPatchDurations(window, graph, add);
  checkEstimateTargets(window, graph, add);
  if (refsOk) {
    const cycle = findCycle(graph);
    if (cycle) {
      const first = graph.nodes.get(cycle[0]!)!;
      add(first.refs[0]?.path ?? first.path, `dependency cycle: ${cycle.map((id) => describeNode(graph, id)).join(' → ')} (each waits for the next)`);
    } else {
      checkPairs(graph, add);
      checkPageUpOnFailure(graph, add);
      checkEstimateFrom(graph, add);
      checkOldKeyConsumers(graph, add);
      if (problems.length === 0 && options.checkBudget) {
        for (const p of options.checkBudget(window)) add(p.path, p.reason);
      }
    }
  }
  return problems;
}

export interface ValidateOptions {
  /** Plans the window and reports a budget overrun (injected so the planner stays separate). */
  checkBudget?: (window: WindowDef) => { path: string; reason: string }[];
}

type Add = (path: string | PathSegment[], reason: string) => void;

function checkIds(graph: WindowGraph, add: Add): void {
  for (const dup of graph.duplicates) {
    for (const path of dup.paths.slice(1)) add(`${path}.id`, `duplicate id "${dup.id}" (first defined at ${dup.paths[0]})`);
  }
}

/** `after:` targets must exist; returns false when any does not (cycles are meaningless then). */
function checkReferences(graph: WindowGraph, add: Add): boolean {
  const targets = [...graph.nodes.keys()].filter((id) => !id.endsWith('@start') && !id.startsWith('~'));
  let ok = true;
  for (const node of graph.nodes.values()) {
    for (const ref of node.refs) {
      if (graph.nodes.has(ref.target) && !ref.target.endsWith('@start')) {
        if (ref.target === node.id || ref.target === node.id.replace(/@start$/, '')) {
          add(ref.path, `"${ref.target}" cannot wait for itself`);
          ok = false;
        }
        continue;
      }
      const hint = suggest(ref.target, targets);
      add(ref.path, `unknown step "${ref.target}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      ok = false;
    }
  }
  return ok;
}

function checkTimes(window: WindowDef, graph: WindowGraph, add: Add): void {
  const check = (text: string, path: string): void => {
    const parsed = parseWallTime(text);
    if (typeof parsed === 'string') return; // the schema reported it
    const resolved = resolveWallTime(parsed, window.date, window.timeZone);
    if (!resolved.ok) add(path, resolved.reason);
  };
  for (const node of graph.nodes.values()) if (node.notBefore) check(node.notBefore.text, node.notBefore.path);
  if (window.budget?.endsBy) check(window.budget.endsBy, 'budget.endsBy');
  for (const node of graph.steps) {
    if (node.step?.kind === 'canary') check(node.step.decisionAt, `${node.path}.decisionAt`);
    const expect = expectedAt(node.step?.expect);
    if (expect) check(expect.at, typeof node.step?.expect === 'string' ? `${node.path}.expect` : `${node.path}.expect.at`);
  }
}

function checkPeople(window: WindowDef, add: Add): void {
  const people = Object.keys(window.people);
  for (const [roleId, role] of Object.entries(window.roles)) {
    role.members.forEach((member, i) => {
      if (!window.people[member]) {
        const hint = suggest(member, people);
        add(['roles', roleId, 'members', i], `unknown person "${member}"${hint ? ` (did you mean "${hint}"?)` : ''}; declare them under people`);
      }
    });
  }
  for (const [teamId, team] of Object.entries(window.teams)) {
    team.members.forEach((member, i) => {
      if (!window.people[member]) add(['teams', teamId, 'members', i], `unknown person "${member}"; declare them under people`);
    });
  }
  const budgetRole = window.budget?.approvers;
  if (budgetRole !== undefined) {
    const role = window.roles[budgetRole];
    if (!role) {
      const hint = suggest(budgetRole, Object.keys(window.roles));
      add('budget.approvers', `unknown role "${budgetRole}"${hint ? ` (did you mean "${hint}"?)` : ''}; declare it under roles`);
    } else if (role.members.length < 2) {
      // Whoever starts the window cannot approve; one member may be that person.
      add('budget.approvers', `role "${budgetRole}" needs at least two members: whoever starts the window cannot approve its overruns`);
    }
  }
  const named = [...people, ...Object.keys(window.roles), ...Object.keys(window.teams)];
  for (const key of ['leads', 'onCall'] as const) {
    window.access[key].forEach((id, i) => {
      if (!window.people[id] && !window.roles[id] && !window.teams[id]) {
        const hint = suggest(id, named);
        add(['access', key, i], `unknown person, role or team "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
    });
  }
}

function checkEstate(window: WindowDef, graph: WindowGraph, add: Add): void {
  const poolIds = Object.keys(window.pools);
  const groupIds = Object.keys(window.serverGroups);
  const membership = poolMembership(window);
  const servers = knownServers(window, graph);

  const checkPool = (poolId: string, path: PathSegment[]): boolean => {
    if (window.pools[poolId]) return true;
    const hint = suggest(poolId, poolIds);
    add(path, `unknown pool "${poolId}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
    return false;
  };
  const checkServer = (name: string, path: string): void => {
    if (name.startsWith('group:')) {
      const group = name.slice('group:'.length);
      if (!window.serverGroups[group]) add(path, `unknown server group "${group}"`);
      return;
    }
    if (servers.has(name.toLowerCase())) return;
    const hint = suggest(name, [...servers.values()]);
    add(path, `unknown server "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; servers are declared as server group members`);
  };

  for (const [poolId, pool] of Object.entries(window.pools)) {
    const size = membership.get(poolId)?.length ?? 0;
    if (pool.minHealthy > size) add(['pools', poolId, 'minHealthy'], `floor ${pool.minHealthy} is above the pool's ${size} member(s)`);
  }

  for (const [groupId, group] of Object.entries(window.serverGroups)) {
    group.pools.forEach((p, i) => checkPool(p, ['serverGroups', groupId, 'pools', i]));
    const names = group.members.map(memberName);
    group.members.forEach((member, i) => {
      if (typeof member !== 'string') member.pools?.forEach((p, j) => checkPool(p, ['serverGroups', groupId, 'members', i, 'pools', j]));
    });
    if (group.patch.maxDuration > PATCH_MAX_MINUTES) {
      add(['serverGroups', groupId, 'patch', 'maxDuration'], `${formatMinutes(group.patch.maxDuration)} is above Azure Update Manager's maximum of ${PATCH_MAX_MINUTES} minutes`);
    } else if (group.patch.maxDuration < 1) {
      add(['serverGroups', groupId, 'patch', 'maxDuration'], `${formatMinutes(group.patch.maxDuration)} would stop Update Manager before it installs anything; leave it at ${PATCH_MAX_MINUTES} minutes`);
    }
    group.oneAfterAnother.forEach((chain, c) => {
      chain.forEach((name, i) => {
        if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) {
          add(['serverGroups', groupId, 'oneAfterAnother', c, i], `"${name}" is not a member of server group "${groupId}"`);
        }
      });
    });
    if (group.maxConcurrency !== undefined && group.batchSize !== undefined && group.batchSize > group.maxConcurrency) {
      add(['serverGroups', groupId, 'batchSize'], `batch of ${group.batchSize} exceeds maxConcurrency ${group.maxConcurrency}`);
    }
    checkFloors(window, groupId, names, group.batchSize, ['serverGroups', groupId, 'batchSize'], add);
  }

  for (const node of graph.steps) {
    const step = node.step!;
    const p = node.path;
    if (step.when) {
      const keys = (['done', 'notDone'] as const).filter((k) => step.when![k] !== undefined);
      if (keys.length !== 1) add(`${p}.when`, 'when needs exactly one of done or notDone (a step id)');
      const target = keys.length === 1 ? graph.nodes.get(step.when[keys[0]!]!) : undefined;
      if (target && target.type !== 'step') add(`${p}.when.${keys[0]!}`, `"${target.id}" is a ${target.type.replace(/-.*/, '')}, not a step: a condition names one step`);
    }
    switch (step.kind) {
      case 'patch': {
        const group = window.serverGroups[step.group];
        if (!group) {
          const hint = suggest(step.group, groupIds);
          add(`${p}.group`, `unknown server group "${step.group}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
          break;
        }
        const names = group.members.map(memberName);
        step.members?.forEach((m, i) => {
          if (!names.some((n) => n.toLowerCase() === m.toLowerCase())) {
            const hint = suggest(m, names);
            add(`${p}.members[${i}]`, `"${m}" is not a member of server group "${step.group}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
          }
        });
        // Without a batch size anywhere the planner chooses one that keeps the floors.
        const batch = step.batchSize ?? group.batchSize;
        if (step.batchSize !== undefined || step.members) {
          checkFloors(window, step.group, step.members ?? names, batch, parsePath(step.batchSize !== undefined ? `${p}.batchSize` : `${p}.members`), add, step.id);
        }
        break;
      }
      case 'approval': {
        for (const [roleId, quorum] of Object.entries(step.roles)) {
          const role = window.roles[roleId];
          if (!role) {
            const hint = suggest(roleId, Object.keys(window.roles));
            add(`${p}.roles.${roleId}`, `unknown role "${roleId}"${hint ? ` (did you mean "${hint}"?)` : ''}; declare it under roles`);
          } else if (role.members.length === 0) {
            add(`${p}.roles.${roleId}`, `role "${roleId}" has no approver; add people to roles.${roleId}.members`);
          } else if (role.members.length < quorum) {
            add(`${p}.roles.${roleId}`, `needs ${quorum} approval(s) from "${roleId}" but the role has ${role.members.length} member(s)`);
          }
        }
        if (Object.keys(step.roles).length === 0) add(`${p}.roles`, 'an approval gate needs at least one role');
        if (step.onTimeout === 'escalate') {
          if (!step.escalateTo) add(`${p}.escalateTo`, 'onTimeout "escalate" needs escalateTo (the role to notify)');
          else if (!window.roles[step.escalateTo]) add(`${p}.escalateTo`, `unknown role "${step.escalateTo}"`);
        }
        break;
      }
      case 'maintenance-page': {
        const page = window.maintenancePages[step.page];
        if (!page) {
          const hint = suggest(step.page, Object.keys(window.maintenancePages));
          add(`${p}.page`, `unknown maintenance page "${step.page}"${hint ? ` (did you mean "${hint}"?)` : ''}; declare it under maintenancePages`);
        }
        break;
      }
      case 'alerts':
        if (!window.alertSets[step.set]) {
          const hint = suggest(step.set, Object.keys(window.alertSets));
          add(`${p}.set`, `unknown alert set "${step.set}"${hint ? ` (did you mean "${hint}"?)` : ''}; declare it under alertSets`);
        }
        break;
      case 'takedown':
        if (!window.consulEstates[step.estate]) add(`${p}.estate`, `unknown Consul estate "${step.estate}"; declare it under consulEstates`);
        break;
      case 'canary': {
        if (step.checkpoints.every <= 0) add(`${p}.checkpoints.every`, 'checkpoints need a period longer than 0 (e.g. "1h")');
        step.pools.forEach((pool, i) => checkPool(pool, [...parsePath(p), 'pools', i]));
        step.checkpoints.teams.forEach((team, i) => {
          if (!window.teams[team]) {
            const hint = suggest(team, Object.keys(window.teams));
            add(`${p}.checkpoints.teams[${i}]`, `unknown team "${team}"${hint ? ` (did you mean "${hint}"?)` : ''}; declare it under teams`);
          }
        });
        break;
      }
      case 'script':
        step.targets.forEach((t, i) => checkServer(t, `${p}.targets[${i}]`));
        break;
      case 'rotate-secret':
        checkServer(step.rollout.validateOn, `${p}.rollout.validateOn`);
        step.rollout.batches.forEach((b, i) => b.members.forEach((m, j) => checkServer(m, `${p}.rollout.batches[${i}].members[${j}]`)));
        break;
      case 'manual':
        if (step.assignee && !window.roles[step.assignee] && !window.people[step.assignee] && !window.teams[step.assignee]) {
          add(`${p}.assignee`, `unknown assignee "${step.assignee}"; name a role, person or team`);
        }
        break;
      default:
        break;
    }
  }

  for (const [setId, set] of Object.entries(window.alertSets)) {
    if (set.scopes.length === 0 && !set.pingdom) add(['alertSets', setId], 'an alert set needs scopes (Azure resource ids) or pingdom checks');
  }
  for (const [pageId, page] of Object.entries(window.maintenancePages)) {
    if (!page.cloudflare && !page.consul) add(['maintenancePages', pageId], 'a maintenance page needs cloudflare or consul');
    if (page.cloudflare && page.consul) add(['maintenancePages', pageId, 'consul'], 'a maintenance page uses cloudflare or consul, not both');
  }
}

/**
 * A batch of `batch` members drawn from `members` must leave every pool at or above
 * its floor. The worst case is a batch made entirely of one pool's members.
 */
function checkFloors(window: WindowDef, groupId: string, members: string[], batch: number | undefined, path: PathSegment[], add: Add, stepId?: string): void {
  const membership = poolMembership(window);
  for (const [poolId, pool] of Object.entries(window.pools)) {
    const inPool = membership.get(poolId) ?? [];
    const size = inPool.length;
    const ours = members.filter((m) => inPool.some((x) => x.toLowerCase() === m.toLowerCase())).length;
    if (ours === 0) continue;
    const capacity = size - pool.minHealthy;
    if (capacity <= 0) {
      add(path, `no member of pool "${poolId}" can be drained: it has ${size} member(s) and a floor of ${pool.minHealthy}`);
      continue;
    }
    if (batch === undefined) continue;
    const drained = Math.min(batch, ours);
    if (size - drained < pool.minHealthy) {
      const who = stepId ? `step "${stepId}"` : `server group "${groupId}"`;
      add(path, `a batch of ${drained} from ${who} would leave ${size - drained} of ${size} member(s) in pool "${poolId}", below its floor of ${pool.minHealthy}`);
    }
  }
}

/** Maintenance pages and take-downs must be undone, and undone after they are done. */
function checkPairs(graph: WindowGraph, add: Add): void {
  const steps = graph.steps.filter((n) => !n.step!.skip);
  const pairs: { up: (s: Step) => string | undefined; down: (s: Step) => string | undefined; what: string; undo: string; verbs?: [string, string] }[] = [
    {
      up: (s) => (s.kind === 'maintenance-page' && s.action === 'up' ? s.page : undefined),
      down: (s) => (s.kind === 'maintenance-page' && s.action === 'down' ? s.page : undefined),
      what: 'maintenance page',
      undo: 'a maintenance-page step with action "down"',
    },
    {
      up: (s) => (s.kind === 'takedown' && s.action === 'down' ? s.estate : undefined),
      down: (s) => (s.kind === 'takedown' && s.action === 'restore' ? s.estate : undefined),
      what: 'Consul estate',
      undo: 'a takedown step with action "restore"',
    },
    {
      up: (s) => (s.kind === 'alerts' && s.action === 'pause' ? s.set : undefined),
      down: (s) => (s.kind === 'alerts' && s.action === 'resume' ? s.set : undefined),
      what: 'alert set',
      undo: 'an alerts step with action "resume"',
      verbs: ['paused', 'resumed'],
    },
  ];
  for (const pair of pairs) {
    for (const upNode of steps) {
      const key = pair.up(upNode.step!);
      if (key === undefined) continue;
      const downs = steps.filter((n) => pair.down(n.step!) === key);
      if (downs.length === 0) {
        add(upNode.path, `${pair.what} "${key}" is ${pair.verbs?.[0] ?? 'put up'} here and never ${pair.verbs?.[1] ?? 'taken down'}; add ${pair.undo}`);
        continue;
      }
      const ordered = downs.some((d) => ancestors(graph, d.id).has(upNode.id));
      if (!ordered) {
        add(upNode.path, `${pair.what} "${key}" is ${pair.verbs?.[1] ?? 'taken down'} by "${downs[0]!.id}", which is not ordered after this step; add after: [${upNode.id}] there`);
      }
    }
  }
}

/** The steps that update a Mailgun key's other consumers come after its rotation (they need the new key). */
function checkOldKeyConsumers(graph: WindowGraph, add: Add): void {
  for (const node of graph.steps) {
    const step = node.step!;
    if (step.kind !== 'rotate-secret' || !step.rollout.deleteOldKeyAfter) continue;
    if (step.secret.type !== 'mailgun') {
      add(`${node.path}.rollout.deleteOldKeyAfter`, 'only a Mailgun rotation deletes an old key; a machineKey has none');
      continue;
    }
    step.rollout.deleteOldKeyAfter.forEach((id, i) => {
      const target = graph.nodes.get(id);
      if (!target || target.type !== 'step') {
        const hint = suggest(id, graph.steps.map((n) => n.id));
        add(`${node.path}.rollout.deleteOldKeyAfter[${i}]`, `unknown step "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      } else if (!ancestors(graph, id).has(node.id)) {
        add(`${node.path}.rollout.deleteOldKeyAfter[${i}]`, `"${id}" must come after this rotation (it updates a consumer with the new key); add after: [${node.id}] there`);
      }
    });
  }
}

/** `estimateFrom` measures a step that has ended before this one starts. */
function checkEstimateFrom(graph: WindowGraph, add: Add): void {
  for (const node of graph.steps) {
    const from = node.step!.estimateFrom;
    if (!from) continue;
    const source = graph.nodes.get(from.step);
    if (!source || source.type !== 'step') {
      const hint = suggest(from.step, graph.steps.map((n) => n.id));
      add(`${node.path}.estimateFrom.step`, `unknown step "${from.step}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
    } else if (!ancestors(graph, node.id).has(from.step)) {
      add(`${node.path}.estimateFrom.step`, `"${from.step}" is not done before this step starts; order this step after it`);
    }
  }
}

/** `onFailure: page-up` needs a page to put back: one taken down before the test. */
function checkPageUpOnFailure(graph: WindowGraph, add: Add): void {
  for (const node of graph.steps) {
    const step = node.step!;
    if (step.kind !== 'test' || step.onFailure !== 'page-up' || step.skip) continue;
    if (pagesDownBefore(graph, node.id).length === 0) {
      add(`${node.path}.onFailure`, 'onFailure: page-up, but no maintenance page is taken down before this test; order it after the page\'s "down" step');
    }
  }
}

/** Every server the window declares, lower-cased name → name as written. */
function knownServers(window: WindowDef, graph: WindowGraph): Map<string, string> {
  const names = new Map<string, string>();
  const put = (n: string) => names.set(n.toLowerCase(), n);
  for (const group of Object.values(window.serverGroups)) group.members.forEach((m) => put(memberName(m)));
  for (const estate of Object.values(window.consulEstates)) {
    estate.apiNodes.forEach(put);
    estate.workers.forEach((w) => put(w.node));
    if (estate.scheduledTasks) put(estate.scheduledTasks.node);
  }
  for (const node of graph.steps) if (node.step?.kind === 'canary') put(node.step.server.name);
  return names;
}

/**
 * Each server is patched at most once: listed once in its group, in one group only, once in
 * a step's members, and by one patch step (two steps with opposite conditions on the same
 * step never both run). Otherwise the plan would drain and patch it twice.
 */
function checkServersOnce(window: WindowDef, graph: WindowGraph, add: Add): void {
  const groupOf = new Map<string, { group: string; index: number }>();
  for (const [groupId, group] of Object.entries(window.serverGroups)) {
    group.members.forEach((member, i) => {
      const key = memberName(member).toLowerCase();
      const first = groupOf.get(key);
      if (!first) groupOf.set(key, { group: groupId, index: i });
      else if (first.group === groupId) add(['serverGroups', groupId, 'members', i], `"${memberName(member)}" is listed twice in server group "${groupId}" (also members[${first.index}])`);
      else add(['serverGroups', groupId, 'members', i], `"${memberName(member)}" is already a member of server group "${first.group}" (serverGroups.${first.group}.members[${first.index}]); a server belongs to one group`);
    });
    const inChains = new Map<string, string>();
    group.oneAfterAnother.forEach((chain, c) => {
      chain.forEach((name, i) => {
        const key = name.toLowerCase();
        const first = inChains.get(key);
        if (first !== undefined) add(['serverGroups', groupId, 'oneAfterAnother', c, i], `"${name}" is already in a chain (${first}); a server can follow or lead only one chain position`);
        else inChains.set(key, `oneAfterAnother[${c}][${i}]`);
      });
    });
  }

  const patchedBy = new Map<string, { step: string; when?: { on: string; done: boolean } }>();
  for (const node of graph.steps) {
    const step = node.step!;
    if (step.kind !== 'patch' || step.skip !== undefined) continue;
    const group = window.serverGroups[step.group];
    if (!group) continue;
    const seen = new Map<string, number>();
    step.members?.forEach((name, i) => {
      const key = name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) add(`${node.path}.members[${i}]`, `"${name}" is listed twice (also members[${first}])`);
      else seen.set(key, i);
    });
    const when = step.when?.done ? { on: step.when.done, done: true } : step.when?.notDone ? { on: step.when.notDone, done: false } : undefined;
    const names = step.members ?? group.members.map(memberName);
    const clashes: string[] = [];
    let other: string | undefined;
    for (const name of new Set(names.map((n) => n.toLowerCase()))) {
      const first = patchedBy.get(name);
      if (!first) {
        patchedBy.set(name, { step: step.id, ...(when ? { when } : {}) });
        continue;
      }
      const exclusive = first.when && when && first.when.on === when.on && first.when.done !== when.done;
      if (!exclusive) {
        clashes.push(names.find((n) => n.toLowerCase() === name)!);
        other ??= first.step;
      }
    }
    if (clashes.length > 0) {
      add(step.members ? `${node.path}.members` : `${node.path}.group`, `${clashes.join(', ')} ${clashes.length === 1 ? 'is' : 'are'} already patched by step "${other!}"; each server is patched once (give each step its own members)`);
    }
  }
}

/**
 * A patch estimate above the group's maximum duration would be cut off by Update Manager
 * mid-install: an error at the field that gives the estimate, not a silent cap.
 */
function checkPatchDurations(window: WindowDef, graph: WindowGraph, add: Add): void {
  const reported = new Set<string>();
  for (const node of graph.steps) {
    const step = node.step!;
    if (step.kind !== 'patch' || step.skip !== undefined) continue;
    const group = window.serverGroups[step.group];
    if (!group || group.patch.maxDuration < 1 || group.patch.maxDuration > PATCH_MAX_MINUTES) continue;
    const wanted = new Set((step.members ?? group.members.map(memberName)).map((n) => n.toLowerCase()));
    group.members.forEach((member, i) => {
      if (!wanted.has(memberName(member).toLowerCase())) return;
      const estimate = patchEstimateSource(window, step, node.path, member, i);
      if (estimate.minutes <= group.patch.maxDuration || reported.has(estimate.path)) return;
      reported.add(estimate.path);
      const max = `serverGroups.${step.group}.patch.maxDuration`;
      add(
        estimate.path === max ? max : estimate.path,
        estimate.path === max
          ? `${formatMinutes(group.patch.maxDuration)} is below the planner's default patch estimate of ${formatMinutes(estimate.minutes)}; give serverGroups.${step.group}.patch.estimate`
          : `patch estimate ${formatMinutes(estimate.minutes)} is above the maximum duration of ${formatMinutes(group.patch.maxDuration)} (${max}): Update Manager would stop mid-install`,
      );
    });
  }
}

/** Where a member's patch estimate comes from, in the planner's order (see plan/estimates.ts). */
function patchEstimateSource(window: WindowDef, step: Extract<Step, { kind: 'patch' }>, stepPath: string, member: WindowDef['serverGroups'][string]['members'][number], index: number): { minutes: number; path: string } {
  const group = `serverGroups.${step.group}`;
  if (typeof member !== 'string' && member.patchEstimate !== undefined) return { minutes: member.patchEstimate, path: `${group}.members[${index}].patchEstimate` };
  const windowStep = window.estimates?.steps[step.id];
  if (windowStep !== undefined) return { minutes: windowStep, path: `estimates.steps[${JSON.stringify(step.id)}]` };
  if (step.estimate !== undefined) return { minutes: step.estimate, path: `${stepPath}.estimate` };
  const groupEstimate = window.serverGroups[step.group]!.patch.estimate;
  if (groupEstimate !== undefined) return { minutes: groupEstimate, path: `${group}.patch.estimate` };
  const kind = window.estimates?.kinds.patch;
  if (kind !== undefined) return { minutes: kind, path: 'estimates.kinds.patch' };
  return { minutes: PLANNER_DEFAULTS.kinds.patch, path: `${group}.patch.maxDuration` };
}

/** `estimates.steps` names steps; an unknown id would be ignored silently. */
function checkEstimateTargets(window: WindowDef, graph: WindowGraph, add: Add): void {
  const ids = graph.steps.map((n) => n.id);
  for (const id of Object.keys(window.estimates?.steps ?? {})) {
    if (graph.nodes.get(id)?.type === 'step') continue;
    const hint = suggest(id, ids);
    add(['estimates', 'steps', id], `unknown step "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}; estimates.steps gives estimates to steps by id`);
  }
}
