import { formatMinutes } from '../duration';
import { memberName, memberPools } from '../estate';
import type { PatchStepT, Step, WindowDef } from '../schema';
import { PLANNER_DEFAULTS } from './defaults';
import type { EstimateSource } from './types';

/** How long each step takes, and each server of a patch step. */

export interface Estimate {
  minutes: number;
  from: EstimateSource;
}

/** Window `estimates.steps[id]` > the step's `estimate` > window `estimates.kinds[kind]` > PLANNER_DEFAULTS. */
export function stepEstimate(window: WindowDef, step: Step): Estimate {
  if (step.skip !== undefined) return { minutes: 0, from: 'not-doing' };
  const windowStep = window.estimates?.steps[step.id];
  if (windowStep !== undefined) return { minutes: windowStep, from: 'window-step' };
  if (step.estimate !== undefined) return { minutes: step.estimate, from: 'step' };
  const windowKind = window.estimates?.kinds[step.kind];
  if (windowKind !== undefined) return { minutes: windowKind, from: 'window-kind' };
  if (step.kind === 'test') return { minutes: PLANNER_DEFAULTS.testSuites[step.suite], from: 'default' };
  return { minutes: PLANNER_DEFAULTS.kinds[step.kind], from: 'default' };
}

export interface PatchMember {
  name: string;
  pools: string[];
  /** Patch minutes for this server, before the batch overhead. */
  minutes: number;
  /** Position in the group, for file order. */
  index: number;
}

/**
 * Members of a patch step with their pools and patch minutes. Per server: the member's
 * `patchEstimate` > window `estimates.steps[id]` > the step's `estimate` > group
 * `patch.estimate` > window `estimates.kinds.patch` > PLANNER_DEFAULTS.kinds.patch; never
 * above the group's `patch.maxDuration` (the validator refuses that: Update Manager stops there).
 */
export function patchMembers(window: WindowDef, step: PatchStepT, path: string): PatchMember[] {
  const group = window.serverGroups[step.group];
  if (!group) throw new Error(`${path}.group: unknown server group "${step.group}"`);
  const stepLevel = window.estimates?.steps[step.id] ?? step.estimate;
  const fallback = stepLevel ?? group.patch.estimate ?? window.estimates?.kinds.patch ?? PLANNER_DEFAULTS.kinds.patch;
  const all = group.members.map((member, index) => {
    const minutes = typeof member === 'string' ? fallback : (member.patchEstimate ?? fallback);
    // The validator refuses this; planning on would hide that Update Manager stops mid-install.
    if (minutes > group.patch.maxDuration) {
      throw new RangeError(`${path}: the patch estimate of ${formatMinutes(minutes)} for ${memberName(member)} is above serverGroups.${step.group}.patch.maxDuration (${formatMinutes(group.patch.maxDuration)})`);
    }
    return { name: memberName(member), pools: memberPools(member, group.pools), minutes, index };
  });
  if (!step.members) return all;
  return step.members.map((name, i) => {
    const found = all.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new Error(`${path}.members[${i}]: "${name}" is not a member of server group "${step.group}"`);
    return found;
  });
}
