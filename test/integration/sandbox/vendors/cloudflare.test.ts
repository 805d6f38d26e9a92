import Cloudflare from 'cloudflare';
import type { RecordResponse } from 'cloudflare/resources/dns/records';
import { createCloudflareClient } from '../../../../shared/adapters/cloudflare/client';
import type { CloudflareSnapshot } from '../../../../sandbox/cloudflare/service';
import { useVendorSandbox } from './harness';

const TOKEN = 'cf-sandbox-token-mw-automation';
const env = useVendorSandbox();
let cf: Cloudflare;

beforeAll(() => {
  cf = createCloudflareClient({ apiToken: TOKEN, baseUrl: `${env.sandbox.urls.cloudflare}/client/v4`, caPem: env.sandbox.caPem, maxRetries: 0 });
});

async function zoneId(): Promise<string> {
  const page = await cf.zones.list({ name: 'invoicecloud.com' });
  const zone = page.result[0];
  if (!zone) throw new Error('zone invoicecloud.com not listed');
  return zone.id;
}

describe('simulated Cloudflare through the cloudflare SDK', () => {
  it('swaps www and my to the maintenance page, restores them, then purges, in that order', async () => {
    const zone_id = await zoneId();
    const changed: RecordResponse[] = [];
    for (const host of ['www.invoicecloud.com', 'my.invoicecloud.com']) {
      const found = await cf.dns.records.list({ zone_id, type: 'CNAME', name: { exact: host } });
      expect(found.result).toHaveLength(1);
      const rec = found.result[0] as RecordResponse;
      expect(rec.content).toBe('pal.invoicecloud.com');
      changed.push(await cf.dns.records.edit(rec.id, { zone_id, type: 'CNAME', name: rec.name, ttl: rec.ttl, content: 'icmaintenance.azurewebsites.net' }));
    }
    expect(changed.map((r) => r.content)).toEqual(['icmaintenance.azurewebsites.net', 'icmaintenance.azurewebsites.net']);

    let state = await env.state<CloudflareSnapshot>('cloudflare');
    const records = () => state.zones.find((z) => z.name === 'invoicecloud.com')?.records ?? [];
    expect(records().find((r) => r.name === 'www.invoicecloud.com')?.content).toBe('icmaintenance.azurewebsites.net');
    expect(records().find((r) => r.name === 'sso.invoicecloud.com')?.content).toBe('pal.invoicecloud.com');

    env.clock.advance(3 * 3600_000);
    for (const rec of changed) await cf.dns.records.update(rec.id, { zone_id, type: 'CNAME', name: rec.name, content: 'pal.invoicecloud.com', proxied: true, ttl: 1 });
    const purge = await cf.cache.purge({ zone_id, hosts: ['www.invoicecloud.com', 'my.invoicecloud.com'] });
    expect(purge?.id).toMatch(/^[0-9a-f]{32}$/);

    state = await env.state<CloudflareSnapshot>('cloudflare');
    expect(records().find((r) => r.name === 'www.invoicecloud.com')?.content).toBe('pal.invoicecloud.com');
    const lastRestore = Math.max(...state.changes.filter((c) => c.action === 'update').map((c) => c.seq));
    expect(state.purges).toHaveLength(1);
    expect(state.purges[0]).toMatchObject({ kind: 'hosts', items: ['www.invoicecloud.com', 'my.invoicecloud.com'], at: '2025-06-22T11:00:00.000Z' });
    expect(state.purges[0]?.seq).toBeGreaterThan(lastRestore);
  });

  it('pages the way the SDK iterates: asks page N+1 until a page comes back empty', async () => {
    const zone_id = await zoneId();
    const names: string[] = [];
    // per_page is at least 5 in Cloudflare's spec; the zone has more records than that.
    for await (const rec of cf.dns.records.list({ zone_id, per_page: 5 })) names.push(rec.name);
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(new Set(names).size).toBe(names.length);
    const pages = (await env.calls({ listener: 'cloudflare', path: `/client/v4/zones/${zone_id}/dns_records` })).filter((c) => c.query['per_page'] === '5');
    const last = pages[pages.length - 1];
    expect(Number(last?.query['page'])).toBe(Math.ceil(names.length / 5) + 1);
  });

  it('creates and deletes a record, and refuses a CNAME next to an existing host', async () => {
    const zone_id = await zoneId();
    const created = await cf.dns.records.create({ zone_id, type: 'TXT', name: 'mw-check', content: 'window=2025-06-22', ttl: 300 });
    expect(created.name).toBe('mw-check.invoicecloud.com');
    expect((await cf.dns.records.get(created.id, { zone_id })).content).toBe('window=2025-06-22');
    await cf.dns.records.delete(created.id, { zone_id });
    const err = await cf.dns.records.get(created.id, { zone_id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.NotFoundError);
    expect((err as InstanceType<typeof Cloudflare.NotFoundError>).errors).toEqual([{ code: 81044, message: 'Record does not exist.' }]);

    const conflict = await cf.dns.records.create({ zone_id, type: 'A', name: 'www', content: '10.0.0.1', ttl: 1 }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(Cloudflare.BadRequestError);
    expect((conflict as InstanceType<typeof Cloudflare.BadRequestError>).status).toBe(400);
  });

  it("answers bad tokens with Cloudflare's error body and a 4xx, never 200 success:false", async () => {
    const bad = createCloudflareClient({ apiToken: 'not-a-real-token', baseUrl: `${env.sandbox.urls.cloudflare}/client/v4`, caPem: env.sandbox.caPem, maxRetries: 0 });
    const err = await bad.zones.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.PermissionDeniedError);
    expect((err as InstanceType<typeof Cloudflare.APIError>).error).toEqual({ success: false, errors: [{ code: 9109, message: 'Invalid access token' }], messages: [], result: null });

    const readOnly = createCloudflareClient({ apiToken: 'cf-sandbox-token-read-only', baseUrl: `${env.sandbox.urls.cloudflare}/client/v4`, caPem: env.sandbox.caPem, maxRetries: 0 });
    const zone_id = await zoneId();
    const purgeErr = await readOnly.cache.purge({ zone_id, purge_everything: true }).catch((e: unknown) => e);
    expect(purgeErr).toBeInstanceOf(Cloudflare.PermissionDeniedError);
  });
});
