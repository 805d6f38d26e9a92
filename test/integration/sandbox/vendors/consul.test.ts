import type { HttpStatusError } from '../../../../shared/adapters/http/https';
import { createConsulClient, type ConsulClient } from '../../../../shared/adapters/consul/client';
import type { ConsulSnapshot } from '../../../../sandbox/consul/service';
import { useVendorSandbox } from './harness';

const TOKEN = '0f6e2d1c-5b4a-4c3d-9e8f-7a6b5c4d3e2f';
const API_UI = ['bp-apiui-01', 'bp-apiui-02'];
const WORKERS = ['bp-worker-01', 'bp-worker-02'];
const env = useVendorSandbox();
let consul: ConsulClient;

beforeAll(() => {
  consul = createConsulClient({ baseUrl: env.sandbox.urls.consul, token: TOKEN, caPem: env.sandbox.caPem, maxRetries: 0 });
});

describe('simulated Consul estate (seed 004 take-down and restore)', () => {
  it('takes services down in the procedure order and restores them in reverse', async () => {
    // Take down: KV flag, API/UI boxes into maintenance, worker services disabled, scheduled jobs disabled.
    expect(await consul.putKv('haproxy/billpay/maintenance', 'true')).toBe(true);
    for (const node of API_UI) await consul.setNodeMaintenance(node, true, 'Monthly maintenance 2025-06-22');
    for (const node of WORKERS) for (const svc of await consul.listWindowsServices(node)) await consul.setWindowsService(node, svc.name, 'disable');
    for (const task of await consul.listScheduledTasks('bp-sched-01')) await consul.setScheduledTask('bp-sched-01', task.TaskName, 'disable');

    expect(await consul.getKv('haproxy/billpay/maintenance')).toBe('true');
    const checks = await consul.listNodeChecks('bp-apiui-01');
    expect(checks.find((c) => c.CheckID === '_node_maintenance')).toMatchObject({ Status: 'critical', Notes: 'Monthly maintenance 2025-06-22' });
    const workerChecks = await consul.listNodeChecks('bp-worker-02');
    expect(workerChecks.find((c) => c.ServiceID === 'billpay-payments-worker')?.Status).toBe('critical');

    let state = await env.state<ConsulSnapshot>('consul');
    expect(state.maintenanceValue).toBe('true');
    const node = (name: string) => state.nodes.find((n) => n.name === name);
    expect(API_UI.every((n) => node(n)?.maintenance?.reason === 'Monthly maintenance 2025-06-22')).toBe(true);
    expect(WORKERS.flatMap((n) => node(n)?.windowsServices ?? []).every((s) => s.status === 'Stopped' && s.startType === 'Disabled')).toBe(true);
    expect(node('bp-sched-01')?.scheduledTasks.every((t) => !t.enabled)).toBe(true);

    // Restore: jobs, workers, maintenance off, then the KV flag last.
    for (const task of await consul.listScheduledTasks('bp-sched-01')) await consul.setScheduledTask('bp-sched-01', task.TaskName, 'enable');
    for (const n of WORKERS) for (const svc of await consul.listWindowsServices(n)) await consul.setWindowsService(n, svc.name, 'enable');
    for (const n of API_UI) await consul.setNodeMaintenance(n, false);
    await consul.putKv('haproxy/billpay/maintenance', 'false');

    state = await env.state<ConsulSnapshot>('consul');
    expect(state.nodes.every((n) => n.maintenance === null && n.checks.every((c) => c.status === 'passing'))).toBe(true);
    const actions = state.events.map((e) => e.action);
    expect(actions[0]).toBe('kv-put');
    expect(actions[actions.length - 1]).toBe('kv-put');
    expect(actions.lastIndexOf('maintenance-enable')).toBeLessThan(actions.indexOf('service-disable'));
    expect(actions.lastIndexOf('task-enable')).toBeLessThan(actions.indexOf('service-enable'));
    expect(actions.lastIndexOf('service-enable')).toBeLessThan(actions.indexOf('maintenance-disable'));
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
    const readOnly = createConsulClient({ baseUrl: env.sandbox.urls.consul, token: '1a7f3e2d-6c5b-4d4e-8f9a-8b7c6d5e4f3a', caPem: env.sandbox.caPem, maxRetries: 0 });
    expect(await readOnly.getKv('haproxy/billpay/maintenance')).toBe('false');
    const denied = (await readOnly.setNodeMaintenance('bp-apiui-01', true).catch((e: unknown) => e)) as HttpStatusError;
    expect(denied.status).toBe(403);
    expect(String(denied.body)).toContain("lacks permission 'node:write'");
    const outsidePrefix = (await consul.putKv('haproxy/other', 'x').catch((e: unknown) => e)) as HttpStatusError;
    expect(outsidePrefix.status).toBe(403);
    const unknown = createConsulClient({ baseUrl: env.sandbox.urls.consul, token: '99999999-9999-4999-8999-999999999999', caPem: env.sandbox.caPem, maxRetries: 0 });
    expect(((await unknown.getKv('haproxy/billpay/maintenance').catch((e: unknown) => e)) as HttpStatusError).body).toBe('ACL not found');
  });
});
