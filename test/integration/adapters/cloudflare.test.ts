import { createCloudflareClient } from '../../../shared/adapters/cloudflare/client';
import { CloudflareDnsClient } from '../../../shared/adapters/cloudflare/dns';
import type { CloudflareSnapshot } from '../../../sandbox/cloudflare/service';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const TOKEN = 'cf-sandbox-token-mw-automation';
const ORIGIN = 'pal.invoicecloud.com';
const MAINTENANCE = 'icmaintenance.azurewebsites.net';
const env = useAdapterSandbox();
let dns: CloudflareDnsClient;
let zoneId: string;

function client(token = TOKEN): CloudflareDnsClient {
  return new CloudflareDnsClient(createCloudflareClient({ apiToken: token, baseUrl: `${env.sandbox.urls.cloudflare}/client/v4`, caPem: env.sandbox.caPem, maxRetries: 0 }));
}

async function recordsByName(): Promise<Map<string, { id: string; type: string; content: string; proxied: boolean; ttl: number }>> {
  const state = await env.state<CloudflareSnapshot>('cloudflare');
  return new Map((state.zones.find((z) => z.name === 'invoicecloud.com')?.records ?? []).map((r) => [r.name, r]));
}

beforeAll(async () => {
  dns = client();
  const id = await dns.findZoneId('invoicecloud.com');
  if (!id) throw new Error('zone invoicecloud.com not found');
  zoneId = id;
});

describe('CloudflareDnsClient against the simulated Cloudflare', () => {
  it('finds zones and records by name, case-insensitively, and says undefined for absent ones', async () => {
    const state = await env.state<CloudflareSnapshot>('cloudflare');
    expect(zoneId).toBe(state.zones.find((z) => z.name === 'invoicecloud.com')?.id);
    expect(await dns.findZoneId('InvoiceCloud.com.')).toBe(zoneId);
    expect(await dns.findZoneId('example.org')).toBeUndefined();

    const www = await dns.findRecord(zoneId, 'WWW.invoicecloud.com');
    expect(www).toEqual({ id: (await recordsByName()).get('www.invoicecloud.com')?.id, name: 'www.invoicecloud.com', type: 'CNAME', content: ORIGIN, proxied: true });
    expect(await dns.findRecord(zoneId, 'nothing-here.invoicecloud.com')).toBeUndefined();
  });

  it('swaps the page up with one PATCH per record, restores, then purges after the restore', async () => {
    const hosts = ['www.invoicecloud.com', 'my.invoicecloud.com'];
    const saved: { id: string; content: string }[] = [];
    for (const host of hosts) {
      const rec = await dns.findRecord(zoneId, host);
      if (!rec) throw new Error(`${host} missing`);
      saved.push({ id: rec.id, content: rec.content });
      const after = await dns.setRecordContent(zoneId, rec.id, MAINTENANCE);
      expect(after).toMatchObject({ id: rec.id, name: host, content: MAINTENANCE, proxied: true });
    }
    let records = await recordsByName();
    expect(records.get('www.invoicecloud.com')).toMatchObject({ content: MAINTENANCE, proxied: true, ttl: 1 });
    expect(records.get('my.invoicecloud.com')?.content).toBe(MAINTENANCE);
    expect(records.get('sso.invoicecloud.com')?.content).toBe(ORIGIN);

    // A retried activity sets the same content again: no second write.
    await dns.setRecordContent(zoneId, saved[0]?.id ?? '', MAINTENANCE);
    const recordPath = (id: string) => `/client/v4/zones/${zoneId}/dns_records/${id}`;
    for (const { id } of saved) {
      const writes = (await env.calls({ listener: 'cloudflare', path: recordPath(id) })).filter((c) => c.method !== 'GET');
      expect(writes.map((c) => [c.method, c.status])).toEqual([['PATCH', 200]]);
    }

    env.clock.advance(2 * 3600_000);
    for (const { id, content } of saved) await dns.setRecordContent(zoneId, id, content);
    await dns.purgeCache(zoneId, ['www.invoicecloud.com', 'My.InvoiceCloud.com', 'www.invoicecloud.com']);

    records = await recordsByName();
    expect(hosts.map((h) => records.get(h)?.content)).toEqual([ORIGIN, ORIGIN]);
    const state = await env.state<CloudflareSnapshot>('cloudflare');
    expect(state.purges).toHaveLength(1);
    expect(state.purges[0]).toMatchObject({ kind: 'hosts', items: hosts, at: '2025-06-22T10:00:00.000Z' });
    const lastRestore = Math.max(...state.changes.filter((c) => c.action === 'edit').map((c) => c.seq));
    expect(state.purges[0]?.seq).toBeGreaterThan(lastRestore);
    const allWrites = (await env.calls({ listener: 'cloudflare' })).filter((c) => c.method === 'PUT' || c.method === 'PATCH');
    expect(allWrites.every((c) => c.method === 'PATCH')).toBe(true);
    expect(allWrites).toHaveLength(4);

    await dns.purgeCache(zoneId, []);
    expect((await env.state<CloudflareSnapshot>('cloudflare')).purges).toHaveLength(1);
  });

  it('refuses a hostname with several routable records rather than swapping one of them', async () => {
    const sdk = createCloudflareClient({ apiToken: TOKEN, baseUrl: `${env.sandbox.urls.cloudflare}/client/v4`, caPem: env.sandbox.caPem, maxRetries: 0 });
    await sdk.dns.records.create({ zone_id: zoneId, type: 'A', name: 'dual', content: '10.0.0.1', ttl: 300 });
    await sdk.dns.records.create({ zone_id: zoneId, type: 'AAAA', name: 'dual', content: '2001:db8::1', ttl: 300 });
    await expectPermanent(dns.findRecord(zoneId, 'dual.invoicecloud.com'), /dual\.invoicecloud\.com has 2 records \(A, AAAA\)/);
  });

  it('turns auth and not-found into permanent errors and 5xx into TransientVendorError', async () => {
    const readOnly = 'cf-sandbox-token-read-only';
    const www = await dns.findRecord(zoneId, 'www.invoicecloud.com');
    if (!www) throw new Error('www missing');
    await expectPermanent(client(readOnly).setRecordContent(zoneId, www.id, MAINTENANCE), /cloudflare: could not set the content of www\.invoicecloud\.com: 403 .*API token/, [readOnly]);
    await expectPermanent(client('not-a-token').findZoneId('invoicecloud.com'), /cloudflare: could not find zone invoicecloud\.com: 403 9109: Invalid access token/, ['not-a-token']);
    await expectPermanent(dns.setRecordContent(zoneId, '0'.repeat(32), MAINTENANCE), /404 81044: Record does not exist/);

    await env.addFaults({ listener: 'cloudflare', method: 'POST', path: '/client/v4/zones/*/purge_cache', status: 503, count: 1 });
    await expectTransient(dns.purgeCache(zoneId, ['www.invoicecloud.com']), 'cloudflare', 503);
    expect((await env.state<CloudflareSnapshot>('cloudflare')).purges).toHaveLength(1);
    expect((await recordsByName()).get('www.invoicecloud.com')?.content).toBe(ORIGIN);
  });
});
