import type { HttpStatusError } from '../../../../shared/adapters/http/https';
import { createConsulClient, type ConsulClient } from '../../../../shared/adapters/consul/client';
import type { ConsulSnapshot } from '../../../../sandbox/consul/service';
import { useVendorSandbox } from './harness';

const TOKEN = '0f6e2d1c-5b4a-4c3d-9e8f-7a6b5c4d3e2f';
const API_UI = ['bp-apiui-01', 'bp-apiui-02'];
const env = useVendorSandbox();
let consul: ConsulClient;

/** Agents at https://{node}:8501, reached through the Consul listener (it tells them apart by Host). */
const client = (token: string): ConsulClient =>
  createConsulClient({ baseUrl: env.sandbox.urls.consul, token, agentUrl: (n) => `https://${n}:8501`, agentConnectTo: env.sandbox.urls.consul, caPem: env.sandbox.caPem, maxRetries: 0 });

beforeAll(() => {
  consul = client(TOKEN);
});

describe('simulated Consul estate (seed 004 take-down and restore)', () => {
  it('serves agent endpoints per node by Host, at Consul\'s own paths', async () => {
    expect(await consul.putKv('haproxy/billpay/maintenance', 'true')).toBe(true);
    for (const node of API_UI) await consul.setNodeMaintenance(node, true, 'Monthly maintenance 2025-06-22');
    expect(await consul.getAgentNodeName('bp-apiui-02')).toBe('bp-apiui-02');

    const checks = await consul.listNodeChecks('bp-apiui-01');
    expect(checks.find((c) => c.CheckID === '_node_maintenance')).toMatchObject({ Status: 'critical', Notes: 'Monthly maintenance 2025-06-22' });
    expect((await consul.listNodeChecks('bp-worker-01')).some((c) => c.CheckID === '_node_maintenance')).toBe(false);

    // The listener's own address is the server's agent; a name, an FQDN under it or the address picks a node.
    const fetchCa = (await import('../../../../shared/adapters/http/https')).createHttpsFetch({ caPem: env.sandbox.caPem });
    const self = async (host?: string) => {
      const f = host ? (await import('../../../../shared/adapters/http/https')).createHttpsFetch({ caPem: env.sandbox.caPem, connectTo: env.sandbox.urls.consul }) : fetchCa;
      const res = await f(`${host ? `https://${host}` : env.sandbox.urls.consul}/v1/agent/self`, { headers: { 'X-Consul-Token': TOKEN } });
      return res.ok ? ((await res.json()) as { Config: { NodeName: string } }).Config.NodeName : res.status;
    };
    expect(await self()).toBe('bp-consul-01');
    expect(await self('bp-worker-02.billpay.local:8501')).toBe('bp-worker-02');
    expect(await self('10.40.1.12:8501')).toBe('bp-apiui-02');
    // Nothing answers at a host that is no node's (as a name that does not resolve).
    await expect(self('nobody:8501')).rejects.toThrow();
    // The made-up per-node prefix and ops agent are gone.
    expect((await fetchCa(`${env.sandbox.urls.consul}/node/bp-apiui-01/v1/agent/self`, { headers: { 'X-Consul-Token': TOKEN } })).status).toBe(404);
    expect((await fetchCa(`${env.sandbox.urls.consul}/node/bp-worker-01/ops/v1/services`, { headers: { 'X-Consul-Token': TOKEN } })).status).toBe(404);

    for (const n of API_UI) await consul.setNodeMaintenance(n, false);
    await consul.putKv('haproxy/billpay/maintenance', 'false');
    const state = await env.state<ConsulSnapshot>('consul');
    expect(state.nodes.every((n) => n.maintenance === null && n.checks.every((c) => c.status === 'passing'))).toBe(true);
    expect(state.events.map((e) => e.action)).toEqual(['kv-put', 'maintenance-enable', 'maintenance-enable', 'maintenance-disable', 'maintenance-disable', 'kv-put']);
  });

  it('serves KV in the JSON array form with base64 values and as ?raw', async () => {
    await consul.putKv('haproxy/billpay/message', 'Back at 06:00 ET');
    const fetchCa = (await import('../../../../shared/adapters/http/https')).createHttpsFetch({ caPem: env.sandbox.caPem });
    const headers = { 'X-Consul-Token': TOKEN };
    const json = (await (await fetchCa(`${env.sandbox.urls.consul}/v1/kv/haproxy/billpay/message`, { headers })).json()) as { Key: string; Value: string }[];
    expect(json[0]?.Key).toBe('haproxy/billpay/message');
    expect(Buffer.from(json[0]?.Value ?? '', 'base64').toString()).toBe('Back at 06:00 ET');
    expect(await (await fetchCa(`${env.sandbox.urls.consul}/v1/kv/haproxy/billpay/message?raw`, { headers })).text()).toBe('Back at 06:00 ET');
    await consul.deleteKv('haproxy/billpay/message');
    expect(await consul.getKv('haproxy/billpay/message')).toBeUndefined();
  });

  it('enforces ACLs with Consul permission errors', async () => {
    const readOnly = client('1a7f3e2d-6c5b-4d4e-8f9a-8b7c6d5e4f3a');
    expect(await readOnly.getKv('haproxy/billpay/maintenance')).toBe('false');
    const denied = (await readOnly.setNodeMaintenance('bp-apiui-01', true).catch((e: unknown) => e)) as HttpStatusError;
    expect(denied.status).toBe(403);
    expect(String(denied.body)).toContain("lacks permission 'node:write'");
    const outsidePrefix = (await consul.putKv('haproxy/other', 'x').catch((e: unknown) => e)) as HttpStatusError;
    expect(outsidePrefix.status).toBe(403);
    const unknown = client('99999999-9999-4999-8999-999999999999');
    expect(((await unknown.getKv('haproxy/billpay/maintenance').catch((e: unknown) => e)) as HttpStatusError).body).toBe('ACL not found');
  });
});
