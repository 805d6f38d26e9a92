import type { Outcome } from '../contracts';
import { Activities, LedgerKeys } from '../names';
import { nowIso } from '../waits';
import { call, failed, named, notify, ok, suppressAlerts, undoAll, type KindRunner } from './common';

const ruleKey = (set: string) => LedgerKeys.alertSet(set, 'rule');
const uptimeKey = (set: string) => LedgerKeys.alertSet(set, 'uptime');

/**
 * Pause: one alert processing rule over the set's scopes (its inverse recorded first) and
 * its Pingdom checks into maintenance. Resume: undo both. Whatever happens in between, the
 * restore walk at the end of the window resumes a set nobody resumed.
 */
export const runAlerts: KindRunner<'alerts'> = function* (sc, spec) {
  const { windowId } = sc.input;
  const what = `alert set ${spec.set}`;
  if (spec.action === 'pause') {
    if (spec.scopes.length > 0) {
      yield* suppressAlerts(sc, ruleKey(spec.set), [windowId, 'alerts', spec.set], spec.scopes, `${windowId}: ${sc.input.step.title}`, `alerts of ${spec.set} back on`);
    }
    if (spec.pingdomChecks.length > 0) {
      const paused = (yield call(sc, Activities.startUptimeMaintenance, {
        windowId,
        checks: spec.pingdomChecks,
        description: `${windowId}: ${what}`,
        at: nowIso(sc.context),
        ledger: { key: uptimeKey(spec.set), stepId: sc.input.step.id, order: sc.nextOrder(), description: `Pingdom checks of ${spec.set} out of maintenance` },
      })) as Outcome<{ maintenanceId: number }>;
      if (!paused.ok) return failed(sc, `could not pause Pingdom checks of ${spec.set}: ${paused.message}`);
    }
    yield* notify(sc, spec.channels, `:no_bell: Alerts paused: ${named(spec.set, spec.title)}: ${describe(spec)}.`, 'pause');
    return ok(sc, `${what} paused`);
  }

  const problems = yield* undoAll(sc, [ruleKey(spec.set), uptimeKey(spec.set)]);
  if (problems.length > 0) return failed(sc, `${what} may still be paused: ${problems.join('; ')}`);
  yield* notify(sc, spec.channels, `:bell: Alerts back on: ${named(spec.set, spec.title)}: ${describe(spec)}.`, 'resume');
  return ok(sc, `${what} resumed`);
};

function describe(spec: { scopes: string[]; pingdomChecks: (string | number)[] }): string {
  const parts: string[] = [];
  if (spec.scopes.length > 0) parts.push(`${spec.scopes.length} Azure scope(s)`);
  if (spec.pingdomChecks.length > 0) parts.push(`Pingdom ${spec.pingdomChecks.join(', ')}`);
  return parts.join(', ');
}
