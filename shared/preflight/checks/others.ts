import { stepsWithPaths } from '../targets';
import { reasonOf, type Check } from '../types';

/**
 * The other vendors' credentials, each with one cheap authenticated read, and only for what the
 * window uses: Mailgun (rotations), Pingdom (checks paused; the names must exist), Consul (take-downs
 * and pages keyed in Consul KV).
 */
export const checkOtherVendors: Check = async (ctx, out) => {
  const { window } = ctx;
  const steps = stepsWithPaths(window).filter(({ step }) => !step.skip);
  const mailgun = steps.find(({ step }) => step.kind === 'rotate-secret' && step.secret.type === 'mailgun');
  if (mailgun) {
    out.count('credentials');
    try {
      await ctx.ports.mail.listKeys();
    } catch (e) {
      out.error('credentials', `${mailgun.path}.secret`, `the Mailgun API key is refused: ${reasonOf(e)}`);
    }
  }
  const pingdom: { field: string; checks: (string | number)[] }[] = [
    ...Object.entries(window.maintenancePages).flatMap(([id, p]) => (p.pingdom ? [{ field: `maintenancePages.${id}.pingdom.checks`, checks: p.pingdom.checks }] : [])),
    ...Object.entries(window.alertSets).flatMap(([id, s]) => (s.pingdom ? [{ field: `alertSets.${id}.pingdom.checks`, checks: s.pingdom.checks }] : [])),
  ];
  for (const { field, checks } of pingdom) {
    out.count('credentials');
    try {
      await ctx.ports.uptime.findCheckIds(checks);
    } catch (e) {
      out.error('resources', field, `Pingdom checks ${checks.join(', ')}: ${reasonOf(e)}`);
    }
  }
  const consul: { field: string; key: string }[] = [
    ...Object.entries(window.consulEstates).map(([id, e]) => ({ field: `consulEstates.${id}.maintenanceKey`, key: e.maintenanceKey.key })),
    ...Object.entries(window.maintenancePages).flatMap(([id, p]) => (p.consul ? [{ field: `maintenancePages.${id}.consul`, key: p.consul.key }] : [])),
  ];
  for (const { field, key } of consul.slice(0, 1)) {
    out.count('credentials');
    try {
      await ctx.ports.consul.getKey(key);
    } catch (e) {
      out.error('credentials', field, `the Consul token is refused or Consul does not answer: ${reasonOf(e)}`);
    }
  }
};
