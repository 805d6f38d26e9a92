import { Activities, LedgerKeys } from '../names';
import type { Outcome } from '../contracts';
import { call, failed, named, notify, ok, undoAll, type KindRunner } from './common';
import { RetryPolicies } from '../retry';
import { nowIso } from '../waits';

const dnsKey = (page: string, hostname: string) => LedgerKeys.page(page, 'dns', hostname);
const uptimeKey = (page: string) => LedgerKeys.page(page, 'uptime');
const consulKey = (page: string) => LedgerKeys.page(page, 'consul');

/**
 * Maintenance page up: save each record, point it at the maintenance target, purge,
 * pause uptime checks. Down: restore exactly what was saved, purge, resume checks.
 */
export const runPage: KindRunner<'maintenance-page'> = function* (sc, spec) {
  const { windowId } = sc.input;
  if (spec.action === 'up') {
    if (spec.cloudflare) {
      const cf = spec.cloudflare;
      for (const hostname of cf.hostnames) {
        const set = (yield call(sc, Activities.setDnsRecord, {
          windowId,
          zone: cf.zone,
          hostname,
          content: cf.maintenance,
          ledger: { key: dnsKey(spec.page, hostname), stepId: sc.input.step.id, order: sc.nextOrder(), description: `DNS ${hostname} back to its saved value` },
        })) as Outcome<{ previous: string }>;
        if (!set.ok) return failed(sc, `could not point ${hostname} at ${cf.maintenance}: ${set.message}`);
      }
      if (cf.purgeCache) yield call(sc, Activities.purgeCache, { zone: cf.zone, hostnames: cf.hostnames });
    }
    if (spec.consul) {
      const put = (yield call(sc, Activities.setConsulKey, {
        windowId,
        key: spec.consul.key,
        value: spec.consul.value,
        ...(spec.consul.restoreValue !== undefined ? { restoreValue: spec.consul.restoreValue } : {}),
        ledger: { key: consulKey(spec.page), stepId: sc.input.step.id, order: sc.nextOrder(), description: `Consul key ${spec.consul.key} back to its saved value` },
      })) as Outcome<object>;
      if (!put.ok) return failed(sc, `could not set ${spec.consul.key}: ${put.message}`);
    }
    if (spec.pingdomChecks.length > 0) {
      const paused = (yield call(sc, Activities.startUptimeMaintenance, {
        windowId,
        checks: spec.pingdomChecks,
        description: `${sc.input.windowId}: maintenance page ${spec.page}`,
        at: nowIso(sc.context),
        ledger: { key: uptimeKey(spec.page), stepId: sc.input.step.id, order: sc.nextOrder(), description: `Pingdom checks of page ${spec.page} out of maintenance` },
      })) as Outcome<{ maintenanceId: number }>;
      if (!paused.ok) return failed(sc, `could not pause Pingdom checks: ${paused.message}`);
    }
    yield* notify(sc, spec.channels, `:construction: Maintenance page ${named(spec.page, spec.title)} is UP${spec.cloudflare ? ` for ${spec.cloudflare.hostnames.join(', ')}` : ''}.`, 'up');
    return ok(sc, `maintenance page ${spec.page} up`);
  }

  const keys = [
    ...(spec.cloudflare ? spec.cloudflare.hostnames.map((h) => dnsKey(spec.page, h)) : []),
    ...(spec.consul ? [consulKey(spec.page)] : []),
    ...(spec.pingdomChecks.length > 0 ? [uptimeKey(spec.page)] : []),
  ];
  // A page a failed run kept up is taken down too: this step is the order to (a person's, or the window's).
  const problems = yield* undoAll(sc, keys, { force: true });
  let fallback: string | undefined;
  if (spec.cloudflare?.purgeCache) yield call(sc, Activities.purgeCache, { zone: spec.cloudflare.zone, hostnames: spec.cloudflare.hostnames });
  if (problems.length > 0) return failed(sc, `maintenance page ${spec.page} may still be up: ${problems.join('; ')}`);
  if (spec.cloudflare) {
    // Down is read back, not taken from the ledger alone: a ledger that lost its saved values
    // (seen with Azurite killed, docs/benchmarks.md) would otherwise leave the page up, silently.
    const cf = spec.cloudflare;
    const left = (yield call(sc, Activities.dnsStillAt, { zone: cf.zone, hostnames: cf.hostnames, content: cf.maintenance }, RetryPolicies.vendorRead())) as Outcome<{ still: string[] }>;
    if (!left.ok) return failed(sc, `maintenance page ${spec.page} may still be up: could not read its records back: ${left.message}`);
    if (left.still.length > 0) {
      // Nothing saved says what they had: the window's declared origin is where down goes (the
      // pre-flight warns beforehand when a record points elsewhere), said loudly to the failure channels.
      const back = (yield call(sc, Activities.pointDnsBack, { zone: cf.zone, hostnames: left.still, from: cf.maintenance, to: cf.origin })) as Outcome<{ moved: string[] }>;
      if (!back.ok) return failed(sc, `maintenance page ${spec.page} is still up: ${left.still.join(', ')} still point at ${cf.maintenance}, nothing saved says what they had, and pointing them at the window's origin ${cf.origin} failed (${back.message}): put them back by hand`);
      if (cf.purgeCache) yield call(sc, Activities.purgeCache, { zone: cf.zone, hostnames: left.still });
      fallback = `${left.still.join(', ')} had no saved value (lost from storage) and now point at the window's origin ${cf.origin}`;
      yield* notify(sc, sc.input.failureChannels, `:warning: ${sc.input.step.title}: ${fallback}. Check they serve the site.`, 'origin-fallback');
    }
  }
  yield* notify(sc, spec.channels, `:white_check_mark: Maintenance page ${named(spec.page, spec.title)} is DOWN; records restored${spec.cloudflare?.purgeCache ? ' and cache purged' : ''}.`, 'down');
  return ok(sc, `maintenance page ${spec.page} down${fallback ? `; ${fallback}` : ''}`);
};
