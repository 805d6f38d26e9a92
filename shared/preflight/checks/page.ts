import { reasonOf, type Check } from '../types';

const DAY_MS = 86_400_000;
/** A token that expires within this long after the window ends is worth a warning: the next window needs it. */
const EXPIRY_WARNING_MS = 14 * DAY_MS;

/**
 * Maintenance pages: the Cloudflare token is valid and outlives the window (token verify reports
 * its expiry), each hostname's record exists and points at the origin, and the maintenance origin
 * answers with a page (200 or 503, the usual maintenance status).
 */
export const checkPages: Check = async (ctx, out) => {
  const pages = Object.entries(ctx.window.maintenancePages).filter(([, p]) => p.cloudflare);
  if (pages.length === 0) return;
  const credentialField = `maintenancePages.${pages[0]![0]}.cloudflare`;
  out.count('credentials');
  try {
    const token = await ctx.ports.dns.verifyToken();
    const expires = token.expiresOn ? Date.parse(token.expiresOn) : undefined;
    if (token.status !== 'active') out.error('credentials', credentialField, `the Cloudflare API token is ${token.status}`);
    else if (expires !== undefined && expires <= ctx.endsAtMs) out.error('credentials', credentialField, `the Cloudflare API token expires at ${new Date(expires).toISOString()}, before the window ends: renew it`);
    else if (expires !== undefined && expires <= ctx.endsAtMs + EXPIRY_WARNING_MS) out.warn('credentials', credentialField, `the Cloudflare API token expires within ${Math.ceil((expires - ctx.endsAtMs) / DAY_MS)} day(s) after the window: renew it soon`);
  } catch (e) {
    out.error('credentials', credentialField, `the Cloudflare API token is refused: ${reasonOf(e)}`);
    return;
  }
  for (const [id, page] of pages) {
    const cf = page.cloudflare!;
    const base = `maintenancePages.${id}.cloudflare`;
    out.count('page');
    let zoneId: string | undefined;
    try {
      zoneId = await ctx.ports.dns.findZoneId(cf.zone);
    } catch (e) {
      out.error('page', `${base}.zone`, `cannot read zone ${cf.zone}: ${reasonOf(e)}`);
      continue;
    }
    if (!zoneId) {
      out.error('page', `${base}.zone`, `zone ${cf.zone} does not exist or the token cannot see it`);
      continue;
    }
    for (const [i, hostname] of cf.hostnames.entries()) {
      out.count('page');
      try {
        const record = await ctx.ports.dns.findRecord(zoneId, hostname);
        const at = `${base}.hostnames[${i}]`;
        if (!record) out.error('page', at, `${hostname} has no CNAME/A/AAAA record in ${cf.zone}: there is nothing to swap`);
        else if (record.content.toLowerCase() === cf.maintenance.toLowerCase()) out.warn('page', at, `${hostname} already points at the maintenance origin ${cf.maintenance}: the page is up`);
        else if (record.content.toLowerCase() !== cf.origin.toLowerCase()) out.warn('page', at, `${hostname} points at ${record.content}, not ${cf.origin}: taking the page down would send it to ${cf.origin}`);
      } catch (e) {
        out.error('page', `${base}.hostnames[${i}]`, `cannot read the record of ${hostname}: ${reasonOf(e)}`);
      }
    }
    out.count('page');
    try {
      const probe = await ctx.ports.probes.probe({ url: `https://${cf.maintenance}/`, method: 'GET', expectStatus: [200, 503], timeoutInMs: 15_000 });
      if (!probe.ok) out.error('page', `${base}.maintenance`, `the maintenance origin ${cf.maintenance} does not serve the page: ${probe.reason ?? `status ${probe.status ?? '?'}`}`);
    } catch (e) {
      out.error('page', `${base}.maintenance`, `the maintenance origin ${cf.maintenance} does not answer: ${reasonOf(e)}`);
    }
  }
};
