import { planWindow } from '../window/plan';
import type { WindowDef } from '../window/schema';
import { checkPermissions, checkServersAndPools } from './checks/azure';
import { checkChat } from './checks/chat';
import { checkOtherVendors } from './checks/others';
import { checkPages } from './checks/page';
import { checkPipelines } from './checks/pipelines';
import { checkSecrets } from './checks/secrets';
import { CHECK_NAMES, reasonOf, type Check, type CheckName, type Finding, type PreflightContext, type PreflightReport } from './types';

/** In the order a person would fix them: access first, then what the window touches. */
const CHECKS: { name: CheckName; run: Check }[] = [
  { name: 'permissions', run: checkPermissions },
  { name: 'resources', run: checkServersAndPools },
  { name: 'page', run: checkPages },
  { name: 'chat', run: checkChat },
  { name: 'pipelines', run: checkPipelines },
  { name: 'secrets', run: checkSecrets },
  { name: 'credentials', run: checkOtherVendors },
];

/**
 * Runs every pre-flight check against the estate through the ports' read-only methods: nothing is
 * written anywhere. A check that fails outright (a bug, an outage) is itself a finding, and the
 * others still run.
 */
export async function runPreflight(ctx: PreflightContext): Promise<PreflightReport> {
  const findings: Finding[] = [];
  const checked = Object.fromEntries(CHECK_NAMES.map((n) => [n, 0])) as Record<CheckName, number>;
  const out = {
    error: (check: CheckName, field: string, message: string) => void findings.push({ severity: 'error', check, field, message }),
    warn: (check: CheckName, field: string, message: string) => void findings.push({ severity: 'warn', check, field, message }),
    count: (check: CheckName, n = 1) => void (checked[check] += n),
  };
  for (const check of CHECKS) {
    try {
      await check.run(ctx, out);
    } catch (e) {
      out.error(check.name, 'window', `the ${check.name} check could not finish: ${reasonOf(e)}`);
    }
  }
  return {
    windowId: ctx.window.id,
    title: ctx.window.title,
    timeZone: ctx.window.timeZone,
    displayZones: ctx.window.displayZones,
    ranAtMs: ctx.nowMs,
    checked,
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warn').length,
  };
}

/** A pre-flight of a valid window: its planned end (credential expiry is judged against it) comes from the planner. */
export function preflightWindow(window: WindowDef, deps: Omit<PreflightContext, 'window' | 'endsAtMs'>): Promise<PreflightReport> {
  const plan = planWindow(window, { recommend: false });
  const endsAtMs = plan.budget?.deadline.epochMs ?? plan.end.epochMs;
  return runPreflight({ ...deps, window, endsAtMs: Math.max(endsAtMs, plan.end.epochMs) });
}
