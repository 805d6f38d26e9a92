import { memberName, memberPools } from '../window/estate';
import { isBlock, type Item, type MemberDef, type PipelineRefDef, type Step, type WindowDef } from '../window/schema';

/**
 * The window's fields that name something in the estate, each with its path in the file, so a
 * finding can say where it comes from. Pure: reads the window only.
 */

/** Every step with its field path (`phases[1].steps[3]`, blocks looked through: `phases[0].steps[0].steps[2]`). */
export function stepsWithPaths(window: WindowDef): { step: Step; path: string }[] {
  const out: { step: Step; path: string }[] = [];
  const walk = (items: Item[], prefix: string) =>
    items.forEach((item, i) => {
      const path = `${prefix}.steps[${i}]`;
      if (isBlock(item)) walk(item.steps, path);
      else out.push({ step: item, path });
    });
  window.phases.forEach((phase, i) => walk(phase.steps, `phases[${i}]`));
  return out;
}

/** A server the window names, with where: its VM id (explicit or from `azure:`) and host. */
export interface ServerTarget {
  name: string;
  vmId?: string;
  host: string;
  field: string;
  /** Pool ids it sits in. */
  pools: string[];
  group: string;
}

export function serverTargets(window: WindowDef): ServerTarget[] {
  const out: ServerTarget[] = [];
  for (const [groupId, group] of Object.entries(window.serverGroups)) {
    group.members.forEach((member: MemberDef, i) => {
      const name = memberName(member);
      const explicit = typeof member === 'string' ? undefined : member.vm;
      const vmId = explicit ?? (window.azure ? `/subscriptions/${window.azure.subscriptionId}/resourceGroups/${window.azure.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}` : undefined);
      out.push({
        name,
        ...(vmId ? { vmId } : {}),
        host: (typeof member === 'string' ? undefined : member.host) ?? name,
        field: `serverGroups.${groupId}.members[${i}]`,
        pools: memberPools(member, group.pools),
        group: groupId,
      });
    });
  }
  return out;
}

/** Every pipeline reference: pipeline steps and test steps that run one. */
export function pipelineTargets(window: WindowDef): { ref: PipelineRefDef; field: string }[] {
  const out: { ref: PipelineRefDef; field: string }[] = [];
  for (const { step, path } of stepsWithPaths(window)) {
    if (step.skip) continue;
    if (step.kind === 'pipeline') out.push({ ref: step.pipeline, field: `${path}.pipeline` });
    if (step.kind === 'test' && step.pipeline) out.push({ ref: step.pipeline, field: `${path}.pipeline` });
  }
  return out;
}

/** Every Slack channel the window posts to, each with every field that names it (first one first). */
export function channelTargets(window: WindowDef): { channel: string; fields: string[] }[] {
  const byName = new Map<string, { channel: string; fields: string[] }>();
  const add = (channel: string, field: string) => {
    const key = channel.trim().replace(/^#/, '').toLowerCase();
    if (!key) return;
    const entry = byName.get(key) ?? { channel, fields: [] };
    entry.fields.push(field);
    byName.set(key, entry);
  };
  window.notifications?.channels.forEach((c, i) => add(c, `notifications.channels[${i}]`));
  window.notifications?.failures.forEach((c, i) => add(c, `notifications.failures[${i}]`));
  for (const [id, team] of Object.entries(window.teams)) if (team.channel) add(team.channel, `teams.${id}.channel`);
  for (const [id, page] of Object.entries(window.maintenancePages)) page.channels.forEach((c, i) => add(c, `maintenancePages.${id}.channels[${i}]`));
  for (const [id, set] of Object.entries(window.alertSets)) set.channels.forEach((c, i) => add(c, `alertSets.${id}.channels[${i}]`));
  for (const { step, path } of stepsWithPaths(window)) {
    if (step.skip) continue;
    if (step.kind === 'notify' || step.kind === 'approval') step.channels.forEach((c, i) => add(c, `${path}.channels[${i}]`));
    if (step.kind === 'canary') add(step.checkpoints.channel, `${path}.checkpoints.channel`);
  }
  return [...byName.values()];
}

/** Key Vault secrets the window rotates. */
export function secretTargets(window: WindowDef): { vault: string; name: string; type: string; field: string }[] {
  return stepsWithPaths(window).flatMap(({ step, path }) => (step.kind === 'rotate-secret' && !step.skip ? [{ vault: step.secret.vault, name: step.secret.name, type: step.secret.type, field: `${path}.secret` }] : []));
}

/** Pools the window drains, with the field that declares each and the steps that use it. */
export function poolUses(window: WindowDef): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (pool: string, field: string) => uses.set(pool, [...(uses.get(pool) ?? []), field]);
  for (const { step, path } of stepsWithPaths(window)) {
    if (step.skip) continue;
    if (step.kind === 'canary') step.pools.forEach((p, i) => add(p, `${path}.pools[${i}]`));
    if (step.kind === 'patch') {
      const group = window.serverGroups[step.group];
      const pools = new Set((group?.members ?? []).flatMap((m) => memberPools(m, group?.pools ?? [])));
      for (const p of pools) add(p, `${path}.group`);
    }
  }
  return uses;
}

/** The resource group id (`/subscriptions/…/resourceGroups/…`) of an ARM id, as written. */
export function resourceGroupOf(id: string): string | undefined {
  const m = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+)(\/|$)/i.exec(id);
  return m?.[1];
}

/** The servers named by script targets (`group:<id>` expanded). */
export function scriptTargetNames(window: WindowDef, targets: string[]): string[] {
  return targets.flatMap((t) => (t.startsWith('group:') ? (window.serverGroups[t.slice('group:'.length)]?.members ?? []).map(memberName) : [t]));
}
