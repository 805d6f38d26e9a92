import { createConsulClient } from '../../../shared/adapters/consul/client';
import { ConsulMaintenanceClient } from '../../../shared/adapters/consul/consul';
import type { ConsulSnapshot } from '../../../sandbox/consul/service';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';
import { HttpProbeClient, simulatedWebServersOverride } from '../../../shared/adapters/http/probe';
import type { ProbeRequest } from '../../../shared/ports/probes';

const TOKEN = '0f6e2d1c-5b4a-4c3d-9e8f-7a6b5c4d3e2f';
const READ_ONLY = '1a7f3e2d-6c5b-4d4e-8f9a-8b7c6d5e4f3a';
const KEY = 'haproxy/billpay/maintenance';
const API_UI = ['bp-apiui-01', 'bp-apiui-02'];
const env = useAdapterSandbox();
let consul: ConsulMaintenanceClient;

/** The client as composition builds it: agents at https://{node}:8501, reached through the sandbox's Consul listener. */
function client(token = TOKEN, agentUrl = (node: string) => `https://${node}:8501`): ConsulMaintenanceClient {
  return new ConsulMaintenanceClient(createConsulClient({ baseUrl: env.sandbox.urls.consul, token, agentUrl, agentConnectTo: env.sandbox.urls.consul, caPem: env.sandbox.caPem, maxRetries: 0 }));
}

async function node(name: string) {
  return (await env.state<ConsulSnapshot>('consul')).nodes.find((n) => n.name === name);
}

beforeAll(() => {
  consul = client();
});

describe('ConsulMaintenanceClient against the simulated Consul estate', () => {
  it('sets the KV flag on the cluster and maintenance through each node its own agent, and undoes both', async () => {
    await consul.putKey(KEY, 'true');
    for (const n of API_UI) await consul.setNodeMaintenance(n, true, 'Monthly maintenance 2025-06-22');

    expect(await consul.getKey(KEY)).toBe('true');
    expect(await Promise.all(API_UI.map((n) => consul.isNodeInMaintenance(n)))).toEqual([true, true]);
    expect(await consul.isNodeInMaintenance('bp-worker-01')).toBe(false);
    expect((await node('bp-apiui-01'))?.maintenance?.reason).toBe('Monthly maintenance 2025-06-22');

    // `consul maint` acts on the agent that answers: each PUT went to that node's agent (Host), the
    // real path, after the agent confirmed its name once.
    const maint = await env.calls({ listener: 'consul', path: '/v1/agent/maintenance' });
    expect(maint.map((c) => [c.host, c.method, c.path, c.query])).toEqual(API_UI.map((n) => [`${n}:8501`, 'PUT', '/v1/agent/maintenance', { enable: 'true', reason: 'Monthly maintenance 2025-06-22' }]));
    expect((await env.calls({ listener: 'consul', path: '/v1/agent/self' })).map((c) => c.host)).toEqual(API_UI.map((n) => `${n}:8501`));
    expect(await env.calls({ listener: 'consul', path: '/node/*' })).toEqual([]);

    for (const n of API_UI) await consul.setNodeMaintenance(n, false, '');
    await consul.deleteKey(KEY);
    await consul.deleteKey(KEY);
    const state = await env.state<ConsulSnapshot>('consul');
    expect(state.nodes.every((n) => n.maintenance === null)).toBe(true);
    expect(await consul.getKey(KEY)).toBeUndefined();
    expect(state.events.map((e) => e.action)).toEqual(['kv-put', 'maintenance-enable', 'maintenance-enable', 'maintenance-disable', 'maintenance-disable', 'kv-delete']);
  });

  it('refuses to put a node into maintenance through another node its agent', async () => {
    const miswired = client(TOKEN, () => 'https://bp-apiui-02:8501');
    await expectPermanent(miswired.setNodeMaintenance('bp-apiui-01', true, 'x'), /the agent configured for bp-apiui-01 is bp-apiui-02's/);
    expect((await node('bp-apiui-01'))?.maintenance).toBeNull();
    expect((await node('bp-apiui-02'))?.maintenance).toBeNull();
  });

  it('names the node or key in permanent errors and keeps the token out of them', async () => {
    await expectPermanent(client(READ_ONLY).setNodeMaintenance('bp-apiui-01', true, 'x'), /403 Permission denied: .*lacks permission 'node:write'/, [READ_ONLY]);
    await expectPermanent(consul.putKey('haproxy/other', 'x'), /could not set key haproxy\/other: 403/, [TOKEN]);
    expect((await node('bp-apiui-01'))?.maintenance).toBeNull();
  });

  it('reads and writes the key in the window\'s datacenter (?dc=), and fails loudly for one the cluster has no path to', async () => {
    const dc = { datacenter: 'prd-dc1' };
    await consul.putKey(KEY, 'on', dc);
    expect(await consul.getKey(KEY, dc)).toBe('on');
    await consul.deleteKey(KEY, dc);
    const kv = (await env.calls({ listener: 'consul', path: `/v1/kv/${KEY}` })).filter((c) => c.query['dc'] !== undefined);
    expect(kv.map((c) => [c.method, c.query])).toEqual([
      ['PUT', { dc: 'prd-dc1' }],
      ['GET', { dc: 'prd-dc1' }],
      ['DELETE', { dc: 'prd-dc1' }],
    ]);
    // Consul answers 500 "No path to datacenter": nothing is written anywhere.
    const err = await expectTransient(consul.putKey(KEY, 'on', { datacenter: 'dr-dc2' }), 'consul', 500);
    expect(err.message).toMatch(/set key haproxy\/billpay\/maintenance in datacenter dr-dc2: .*No path to datacenter/);
    expect(await consul.getKey(KEY)).toBeUndefined();
  });

  it('reports an unavailable or unreachable agent as TransientVendorError', async () => {
    // No agent answers at that name (on the real estate: the name does not resolve).
    await expectTransient(consul.setNodeMaintenance('no-such-node', true, 'x'), 'consul');
    await env.addFaults({ listener: 'consul', method: 'PUT', path: '/v1/agent/maintenance', status: 503, count: 1 });
    await expectTransient(consul.setNodeMaintenance('bp-apiui-02', true, 'x'), 'consul', 503);
    expect((await node('bp-apiui-02'))?.maintenance).toBeNull();
  });
});

describe('HAProxy in front of BillPay follows the maintenance key (seed 004)', () => {
  const front = (url: string, extra: Partial<ProbeRequest> = {}): ProbeRequest => ({ url, method: 'GET', expectStatus: [200], timeoutInMs: 5000, ...extra });

  it('answers the friendly message to the UI and a 503 with Retry-After to the API while the key is set, and normally after', async () => {
    const probes = new HttpProbeClient({ caPem: env.sandbox.caPem, connectOverride: simulatedWebServersOverride(env.sandbox.urls.probes) });
    const consul = client();
    const message = { expectStatus: [503], expectBody: 'down for scheduled maintenance', expectHeader: 'Retry-After' };
    expect(await probes.probe(front('https://billpay.alliedpayment.com/', message))).toMatchObject({ ok: false, status: 200 });
    await consul.putKey('haproxy/billpay/maintenance', 'on');
    try {
      expect(await probes.probe(front('https://billpay.alliedpayment.com/', message))).toEqual({ ok: true, status: 503 });
      expect(await probes.probe(front('https://admin.billpay.alliedpayment.com/', message))).toEqual({ ok: true, status: 503 });
      expect(await probes.probe(front('https://billpay.alliedpayment.com/api/health', { expectStatus: [503], expectHeader: 'Retry-After' }))).toEqual({ ok: true, status: 503 });
      // The boxes themselves answer normally (the restore's smoke test goes to them directly).
      expect(await probes.probe(front('http://bp-apiui-01/api/health', { expectBody: 'Healthy' }))).toEqual({ ok: true, status: 200 });
    } finally {
      await consul.deleteKey('haproxy/billpay/maintenance');
    }
    expect(await probes.probe(front('https://billpay.alliedpayment.com/', { rejectBody: 'down for scheduled maintenance' }))).toEqual({ ok: true, status: 200 });
  });

  it('does nothing with the key when told to ignore it (a redirect not in place)', async () => {
    const probes = new HttpProbeClient({ caPem: env.sandbox.caPem, connectOverride: simulatedWebServersOverride(env.sandbox.urls.probes) });
    await env.addFaults({ kind: 'haproxy', fault: 'ignore-key' });
    const consul = client();
    await consul.putKey('haproxy/billpay/maintenance', 'on');
    try {
      expect(await probes.probe(front('https://billpay.alliedpayment.com/', { expectStatus: [200, 503], expectBody: 'down for scheduled maintenance' }))).toEqual({ ok: false, status: 200, reason: "body does not contain 'down for scheduled maintenance'" });
      expect(await probes.probe(front('https://billpay.alliedpayment.com/api/health', { expectStatus: [503], expectHeader: 'Retry-After' }))).toEqual({ ok: false, status: 200, reason: 'status 200, expected 503' });
    } finally {
      await consul.deleteKey('haproxy/billpay/maintenance');
    }
  });
});
