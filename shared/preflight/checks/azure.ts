import type { PoolMember, PoolRef } from '../../ports/pools';
import { ACTIONS, allows } from '../actions';
import { resourceGroupOf, scriptTargetNames, serverTargets, stepsWithPaths, poolUses, type ServerTarget } from '../targets';
import { reasonOf, type Check, type PreflightContext, type Recorder } from '../types';

const ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i;

/**
 * Servers and pools: every VM the window names exists (and has an address), every pool exists and
 * holds exactly the servers the window says are in it, and stays above its floor.
 */
export const checkServersAndPools: Check = async (ctx, out) => {
  const servers = serverTargets(ctx.window);
  const addresses = await resolveServers(ctx, servers, out);
  const uses = poolUses(ctx.window);
  for (const [poolId, pool] of Object.entries(ctx.window.pools)) {
    const resourceField = `pools.${poolId}.${pool.kind === 'application-gateway' ? 'gateway' : 'loadBalancer'}`;
    const resourceId = pool.kind === 'application-gateway' ? pool.gateway : pool.loadBalancer;
    out.count('resources');
    if (!ARM_ID.test(resourceId)) {
      out.error('resources', resourceField, `"${resourceId}" is not an Azure resource id (/subscriptions/…/resourceGroups/…/providers/…)`);
      continue;
    }
    const ref: PoolRef = { kind: pool.kind, resourceId, backendPool: pool.backendPool };
    let members: PoolMember[];
    try {
      members = await ctx.ports.pools.listMembers(ref);
    } catch (e) {
      out.error('resources', resourceField, `cannot read backend pool ${pool.backendPool}: ${reasonOf(e)}`);
      continue;
    }
    out.count('pools');
    const where = (uses.get(poolId) ?? []).join(', ');
    const expected = servers.filter((s) => s.pools.includes(poolId));
    const seen = new Set<PoolMember>();
    for (const server of expected) {
      const ip = addresses.get(server.name);
      const member = members.find((m) => (ip !== undefined && m.ipAddress === ip) || (m.fqdn !== undefined && [server.host, server.name].some((h) => h.toLowerCase() === m.fqdn!.toLowerCase())));
      if (member) {
        seen.add(member);
        continue;
      }
      if (ip === undefined && !members.some((m) => m.fqdn)) continue; // Its VM was not found: reported once, above.
      out.error(
        'pools',
        server.field,
        `${server.name}${ip ? ` (${ip})` : ''} is not in pool ${poolId} (${pool.backendPool} of ${nameOf(resourceId)})${where ? `, which ${where} drains` : ''}: put it back or take it out of the window`,
      );
    }
    const strangers = members.filter((m) => !seen.has(m)).map((m) => m.ipAddress ?? m.fqdn ?? '?');
    if (strangers.length > 0) out.warn('pools', `pools.${poolId}`, `pool ${poolId} also holds ${strangers.join(', ')}, which the window does not name (its floor counts them)`);
    if (members.length < pool.minHealthy) out.error('pools', `pools.${poolId}.minHealthy`, `pool ${poolId} has ${members.length} member(s), below its floor of ${pool.minHealthy}: no batch can leave`);
  }
};

/** Each server's address, by name; a VM that cannot be read is an error at the member's field. */
async function resolveServers(ctx: PreflightContext, servers: ServerTarget[], out: Recorder): Promise<Map<string, string>> {
  const addresses = new Map<string, string>();
  const canaries = stepsWithPaths(ctx.window).flatMap(({ step, path }) =>
    step.kind === 'canary' && !step.skip && step.server.vm ? [{ name: step.server.name, vmId: step.server.vm, field: `${path}.server.vm` }] : [],
  );
  for (const s of [...servers.map((x) => ({ name: x.name, vmId: x.vmId, field: x.field })), ...canaries]) {
    if (!s.vmId) continue;
    out.count('resources');
    try {
      const vm = await ctx.ports.compute.getVm(s.vmId);
      if (vm.privateIp) addresses.set(s.name, vm.privateIp);
      else out.warn('resources', s.field, `${s.name} has no private IP address: it cannot be matched to a pool member`);
    } catch (e) {
      out.error('resources', s.field, `VM ${s.name} cannot be read: ${reasonOf(e)}`);
    }
  }
  return addresses;
}

/** Resource group → action → the first window field that needs it. */
type Needs = Map<string, { id: string; actions: Map<string, string> }>;

function need(needs: Needs, resourceId: string | undefined, actions: readonly string[], field: string): void {
  const rg = resourceId ? resourceGroupOf(resourceId) : undefined;
  if (!rg) return;
  const entry = needs.get(rg.toLowerCase()) ?? { id: rg, actions: new Map<string, string>() };
  for (const a of actions) if (!entry.actions.has(a)) entry.actions.set(a, field);
  needs.set(rg.toLowerCase(), entry);
}

/** What the window will do where, as RBAC actions per resource group, each with the field that asks for it. */
export function neededActions(ctx: Pick<PreflightContext, 'window' | 'alertRulesScope'>): Needs {
  const { window } = ctx;
  const needs: Needs = new Map();
  const servers = serverTargets(window);
  const byName = new Map(servers.map((s) => [s.name.toLowerCase(), s]));
  for (const [id, pool] of Object.entries(window.pools)) {
    if (pool.kind === 'application-gateway') need(needs, pool.gateway, ACTIONS.applicationGateway, `pools.${id}.gateway`);
    else {
      need(needs, pool.loadBalancer, ACTIONS.loadBalancer, `pools.${id}.loadBalancer`);
      for (const s of servers.filter((x) => x.pools.includes(id))) need(needs, s.vmId, ACTIONS.pooledNic, s.field);
    }
  }
  for (const { step, path } of stepsWithPaths(window)) {
    if (step.skip) continue;
    if (step.kind === 'patch') {
      const group = window.serverGroups[step.group];
      const members = step.members ?? group?.members.map((m) => (typeof m === 'string' ? m : m.name)) ?? [];
      for (const name of members) {
        const s = byName.get(name.toLowerCase());
        need(needs, s?.vmId, ACTIONS.patchedVm, s?.field ?? `${path}.members`);
      }
      if (group && group.suppressAlerts !== false) need(needs, ctx.alertRulesScope, ACTIONS.alertRules, `serverGroups.${step.group}.suppressAlerts`);
    }
    if (step.kind === 'alerts' && (window.alertSets[step.set]?.scopes.length ?? 0) > 0) need(needs, ctx.alertRulesScope, ACTIONS.alertRules, `${path}.set`);
    if (step.kind === 'script') {
      scriptTargetNames(window, step.targets).forEach((name) => {
        const s = byName.get(name.toLowerCase());
        need(needs, s?.vmId, ACTIONS.scriptedVm, `${path}.targets`);
      });
    }
    if (step.kind === 'rotate-secret') {
      const names = [step.rollout.validateOn, ...step.rollout.batches.flatMap((b) => scriptTargetNames(window, b.members))];
      for (const name of names) need(needs, byName.get(name.toLowerCase())?.vmId, ACTIONS.scriptedVm, `${path}.rollout`);
    }
    if (step.kind === 'canary') need(needs, step.server.vm ?? byName.get(step.server.name.toLowerCase())?.vmId, ACTIONS.readVm, `${path}.server`);
  }
  return needs;
}

/**
 * The app's identity holds every action the window needs, in each resource group (ARM
 * `GET {resourceGroup}/providers/Microsoft.Authorization/permissions`). A read that fails is how a
 * revoked or expired Azure credential shows, so it is reported as a credential problem.
 */
export const checkPermissions: Check = async (ctx, out) => {
  for (const { id, actions } of neededActions(ctx).values()) {
    out.count('permissions');
    const firstField = actions.values().next().value ?? 'azure';
    let grants;
    try {
      grants = await ctx.ports.access.listPermissions(id);
    } catch (e) {
      out.error('credentials', firstField, `cannot read the app's permissions in ${id}: ${reasonOf(e)}`);
      continue;
    }
    const missing = new Map<string, string[]>();
    for (const [action, field] of actions) if (!allows(grants, action)) missing.set(field, [...(missing.get(field) ?? []), action]);
    for (const [field, list] of missing) out.error('permissions', field, `the app's identity lacks ${list.join(', ')} in ${nameOf(id)} (assign the estate role there: infra/app/roles)`);
  }
};

function nameOf(id: string): string {
  return id.split('/').filter(Boolean).at(-1) ?? id;
}
