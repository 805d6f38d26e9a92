import type { MemberDef, WindowDef } from './schema';

/** A member's server name, whether written as a bare name or an object. */
export function memberName(member: MemberDef): string {
  return typeof member === 'string' ? member : member.name;
}

/** Pools a member belongs to: its own list, else its group's. */
export function memberPools(member: MemberDef, groupPools: readonly string[]): string[] {
  return typeof member === 'string' ? [...groupPools] : (member.pools ?? [...groupPools]);
}

/** Pool id → names of every server (across all groups) that sits in it. */
export function poolMembership(window: WindowDef): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const group of Object.values(window.serverGroups)) {
    for (const member of group.members) {
      for (const pool of memberPools(member, group.pools)) {
        const list = result.get(pool) ?? [];
        const name = memberName(member);
        if (!list.some((n) => n.toLowerCase() === name.toLowerCase())) list.push(name);
        result.set(pool, list);
      }
    }
  }
  return result;
}
