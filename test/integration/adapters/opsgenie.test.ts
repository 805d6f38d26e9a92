import { createOpsgenieClient } from '../../../shared/adapters/opsgenie/client';
import { OpsgenieMaintenanceClient } from '../../../shared/adapters/opsgenie/oncall';
import type { OpsgenieSnapshot } from '../../../sandbox/opsgenie/service';
import { expectPermanent, useAdapterSandbox } from './harness';

const KEY = 'opsgenie-sandbox-key-mw-automation';
const env = useAdapterSandbox();
const client = (apiKey = KEY) => new OpsgenieMaintenanceClient(createOpsgenieClient({ apiKey, baseUrl: env.sandbox.urls.opsgenie, caPem: env.sandbox.caPem, maxRetries: 0 }));

describe('OpsgenieMaintenanceClient (Jira Service Management Operations) against the simulated account', () => {
  it('starts a maintenance that silences the proxy integration for the window, and ends it early on restore', async () => {
    const jsm = client();
    const entities = await jsm.findEntities(['Proxy Monitoring', 'suppress proxy flaps']);
    expect(entities).toEqual([
      { id: '7d1c3f5e-2b4a-4c6d-8e9f-0a1b2c3d4e5f', type: 'integration' },
      { id: '9f3e5b7a-4d6c-4e8f-a01b-2c3d4e5f6a7b', type: 'policy' },
    ]);
    const now = env.clock.now();
    const id = await jsm.startMaintenance('2025-06-22 monthly: proxy patching', entities, new Date(now), new Date(now + 12 * 3600_000));
    let state = await env.state<OpsgenieSnapshot>('opsgenie');
    expect(state.silenced.sort()).toEqual(entities.map((e) => e.id).sort());
    const post = (await env.calls({ listener: 'opsgenie', method: 'POST', path: '/v1/maintenance' }))[0];
    expect(post?.body).toEqual({ description: '2025-06-22 monthly: proxy patching', time: { type: 'schedule', startDate: new Date(now).toISOString(), endDate: new Date(now + 12 * 3600_000).toISOString() }, rules: entities.map((entity) => ({ entity, state: 'disabled' })) });

    env.clock.advance(3600_000);
    await jsm.endMaintenance(id);
    await jsm.endMaintenance(id);
    state = await env.state<OpsgenieSnapshot>('opsgenie');
    expect(state.maintenances.map((m) => [m.id, m.status])).toEqual([[id, 'cancelled']]);
    expect(state.silenced).toEqual([]);
    // Ended twice, cancelled once: the second call saw it cancelled.
    expect(await env.calls({ listener: 'opsgenie', path: '*/cancel' })).toHaveLength(1);
  });

  it('names an unknown integration and refuses a read-only key', async () => {
    await expectPermanent(client().findEntities(['Nagios']), /no integration or alert policy named Nagios/);
    const [proxy] = await client().findEntities(['Proxy Monitoring']);
    const now = env.clock.now();
    await expectPermanent(client('opsgenie-sandbox-key-read-only').startMaintenance('x', [proxy!], new Date(now), new Date(now + 60_000)), /403 You are not authorized/, ['opsgenie-sandbox-key-read-only']);
  });

  it('a retried start whose first reply was lost finds the maintenance it created instead of creating a second', async () => {
    const jsm = client();
    const entities = await jsm.findEntities(['Proxy Monitoring']);
    const now = env.clock.now();
    const before = (await env.state<OpsgenieSnapshot>('opsgenie')).maintenances.length;
    await env.addFaults({ listener: 'opsgenie', method: 'POST', path: '/v1/maintenance', reset: 'after', count: 1 });
    await expect(jsm.startMaintenance('lost reply: proxy patching', entities, new Date(now), new Date(now + 3600_000))).rejects.toThrow();
    const id = await jsm.startMaintenance('lost reply: proxy patching', entities, new Date(now), new Date(now + 3600_000));
    const after = (await env.state<OpsgenieSnapshot>('opsgenie')).maintenances;
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)?.id).toBe(id);
    await jsm.endMaintenance(id);
  });
});
