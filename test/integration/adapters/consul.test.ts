import { createConsulClient } from '../../../shared/adapters/consul/client';
import { ConsulMaintenanceClient } from '../../../shared/adapters/consul/consul';
import type { ConsulSnapshot } from '../../../sandbox/consul/service';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const TOKEN = '0f6e2d1c-5b4a-4c3d-9e8f-7a6b5c4d3e2f';
const READ_ONLY = '1a7f3e2d-6c5b-4d4e-8f9a-8b7c6d5e4f3a';
const KEY = 'haproxy/billpay/maintenance';
const API_UI = ['bp-apiui-01', 'bp-apiui-02'];
const WORKERS = ['bp-worker-01', 'bp-worker-02'];
const WORKER_SERVICES = ['BillPay.PaymentProcessor', 'BillPay.NotificationWorker', 'BillPay.FileImportWorker'];
const SCHED = 'bp-sched-01';
const env = useAdapterSandbox();
let consul: ConsulMaintenanceClient;

function client(token = TOKEN): ConsulMaintenanceClient {
  return new ConsulMaintenanceClient(createConsulClient({ baseUrl: env.sandbox.urls.consul, token, caPem: env.sandbox.caPem, maxRetries: 0 }));
}

async function node(name: string) {
  return (await env.state<ConsulSnapshot>('consul')).nodes.find((n) => n.name === name);
}

beforeAll(() => {
  consul = client();
});

describe('ConsulMaintenanceClient against the simulated Consul estate', () => {
  it('takes BillPay down in the procedure order and restores it in exact reverse', async () => {
    const tasks = (await node(SCHED))?.scheduledTasks.map((t) => t.name) ?? [];
    expect(tasks.length).toBeGreaterThan(0);
    const eventsBefore = (await env.state<ConsulSnapshot>('consul')).events.length;

    await consul.putKey(KEY, 'true');
    for (const n of API_UI) await consul.setNodeMaintenance(n, true, 'Monthly maintenance 2025-06-22');
    for (const n of WORKERS) for (const s of WORKER_SERVICES) await consul.setServiceEnabled(n, s, false);
    for (const t of tasks) await consul.setScheduledTaskEnabled(SCHED, t, false);

    expect(await consul.getKey(KEY)).toBe('true');
    expect(await Promise.all(API_UI.map((n) => consul.isNodeInMaintenance(n)))).toEqual([true, true]);
    expect(await consul.isNodeInMaintenance('bp-worker-01')).toBe(false);
    for (const n of WORKERS) expect((await node(n))?.windowsServices.every((s) => s.status === 'Stopped' && s.startType === 'Disabled')).toBe(true);
    expect((await node(SCHED))?.scheduledTasks.every((t) => !t.enabled)).toBe(true);
    expect((await node('bp-apiui-01'))?.maintenance?.reason).toBe('Monthly maintenance 2025-06-22');

    // Maintenance goes to each node's own agent, never to the cluster address.
    const maint = await env.calls({ listener: 'consul', path: '*/v1/agent/maintenance' });
    expect(maint.map((c) => c.path)).toEqual(API_UI.map((n) => `/node/${n}/v1/agent/maintenance`));

    // Retried steps (as a durable retry would repeat them) leave the same state.
    const downEvents = (await env.state<ConsulSnapshot>('consul')).events.slice(eventsBefore).map((e) => e.action);
    await consul.setServiceEnabled('bp-worker-01', 'BillPay.PaymentProcessor', false);
    await consul.setScheduledTaskEnabled(SCHED, `\\BillPay\\${tasks[0] ?? ''}`, false);
    expect((await node('bp-worker-01'))?.windowsServices.find((s) => s.name === 'BillPay.PaymentProcessor')).toMatchObject({ status: 'Stopped', startType: 'Disabled' });
    expect((await node(SCHED))?.scheduledTasks.every((t) => !t.enabled)).toBe(true);
    const eventsAfterRetries = (await env.state<ConsulSnapshot>('consul')).events.length;

    for (const t of tasks) await consul.setScheduledTaskEnabled(SCHED, t, true);
    for (const n of WORKERS) for (const s of WORKER_SERVICES) await consul.setServiceEnabled(n, s, true);
    for (const n of API_UI) await consul.setNodeMaintenance(n, false, '');
    await consul.deleteKey(KEY);
    await consul.deleteKey(KEY);

    const state = await env.state<ConsulSnapshot>('consul');
    expect(state.nodes.every((n) => n.maintenance === null && n.checks.every((c) => c.status === 'passing'))).toBe(true);
    expect(state.nodes.flatMap((n) => n.windowsServices).every((s) => s.status === 'Running' && s.startType === 'Automatic')).toBe(true);
    expect(await consul.getKey(KEY)).toBeUndefined();
    expect(await Promise.all(API_UI.map((n) => consul.isNodeInMaintenance(n)))).toEqual([false, false]);

    const collapse = (actions: string[]) => actions.filter((a, i) => a !== actions[i - 1]);
    expect(collapse(downEvents)).toEqual(['kv-put', 'maintenance-enable', 'service-disable', 'task-disable']);
    const upEvents = state.events.slice(eventsAfterRetries).map((e) => e.action);
    expect(collapse(upEvents)).toEqual(['task-enable', 'service-enable', 'maintenance-disable', 'kv-delete']);
  });

  it('names the node, service or task in permanent errors and keeps the token out of them', async () => {
    await expectPermanent(consul.setServiceEnabled('bp-worker-01', 'NoSuch.Service', false), /^consul: could not disable service NoSuch\.Service on bp-worker-01: 404/);
    await expectPermanent(consul.setScheduledTaskEnabled(SCHED, 'NoSuchTask', true), /^consul: could not enable task NoSuchTask on bp-sched-01: 404/);
    await expectPermanent(consul.setNodeMaintenance('no-such-node', true, 'x'), /could not enable maintenance on no-such-node: 404 Unknown node/);
    await expectPermanent(client(READ_ONLY).setNodeMaintenance('bp-apiui-01', true, 'x'), /403 Permission denied: .*lacks permission 'node:write'/, [READ_ONLY]);
    await expectPermanent(consul.putKey('haproxy/other', 'x'), /could not set key haproxy\/other: 403/, [TOKEN]);
    expect((await node('bp-apiui-01'))?.maintenance).toBeNull();
  });

  it('reports an unavailable agent as TransientVendorError', async () => {
    await env.addFaults({ listener: 'consul', method: 'POST', path: '/node/bp-worker-02/ops/v1/services/*', status: 503, count: 1 });
    await expectTransient(consul.setServiceEnabled('bp-worker-02', 'BillPay.PaymentProcessor', false), 'consul', 503);
    expect((await node('bp-worker-02'))?.windowsServices.find((s) => s.name === 'BillPay.PaymentProcessor')?.status).toBe('Running');
  });
});
