import type { ApplicationGateway } from '@azure/arm-network';
import { useHarness, estate, httpsJson, AGW, ILB, RG_NET } from './harness';

const BASE = 27540;
const IP_WEB3 = '10.20.1.13';
const RULES_API = '2021-08-08';

describe('sandbox ARM network and alert rules through @azure/arm-network and generic ARM calls', () => {
  const h = useHarness(BASE);
  const webPool = (): string[] => h.state().arm.applicationGateways[AGW]?.pools['bp-ic-web-prd'] ?? [];

  async function putWithout(gw: ApplicationGateway, ip: string): Promise<ApplicationGateway> {
    const pool = gw.backendAddressPools?.find((p) => p.name === 'bp-ic-web-prd');
    if (!pool) throw new Error('bp-ic-web-prd missing');
    pool.backendAddresses = (pool.backendAddresses ?? []).filter((a) => a.ipAddress !== ip);
    return gw;
  }

  test('gateway get, whole-object PUT removing a member (long-running), then re-adding it', async () => {
    const { network } = h.clients();
    const gw = await network.applicationGateways.get(RG_NET, AGW);
    expect(gw.provisioningState).toBe('Succeeded');
    expect(gw.backendAddressPools?.[0]?.backendAddresses).toHaveLength(10);

    const poller = await network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, await putWithout(gw, IP_WEB3), { updateIntervalInMs: 10 });
    expect(h.state().arm.applicationGateways[AGW]?.provisioningState).toBe('Updating');
    expect(webPool()).not.toContain('IC-Web3');
    await poller.poll();
    expect(poller.isDone()).toBe(false);
    h.clock.advance(45_000);
    const done = await poller.pollUntilDone();
    expect(done.provisioningState).toBe('Succeeded');
    expect(done.backendAddressPools?.[0]?.backendAddresses?.map((a) => a.ipAddress)).not.toContain(IP_WEB3);

    const current = await network.applicationGateways.get(RG_NET, AGW);
    current.backendAddressPools?.[0]?.backendAddresses?.push({ ipAddress: IP_WEB3 });
    const readd = await network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, current, { updateIntervalInMs: 10 });
    h.clock.advance(45_000);
    await readd.pollUntilDone();
    expect(webPool()).toHaveLength(10);
    expect(webPool()).toContain('IC-Web3');
    expect(h.state().arm.applicationGateways[AGW]?.updates).toBe(2);
  });

  test('a second update while one is in progress fails with 409 AnotherOperationInProgress (not retried)', async () => {
    const { network } = h.clients({ maxRetries: 2, retryDelayInMs: 10 });
    const gw = await network.applicationGateways.get(RG_NET, AGW);
    const first = await network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, gw, { updateIntervalInMs: 10 });
    const since = h.sandbox.calls().at(-1)?.seq ?? 0;
    await expect(network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, gw)).rejects.toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
    expect(h.sandbox.calls({ listener: 'arm', method: 'PUT', since })).toHaveLength(1);
    h.clock.advance(45_000);
    await first.pollUntilDone();
  });

  test('backend health reflects the probes: a server being patched is Unhealthy', async () => {
    const { network, compute } = h.clients();
    const p = compute.virtualMachines.installPatches('RG-WEB-PRD', 'IC-Web9', { maximumDuration: 'PT4H', rebootSetting: 'IfRequired', windowsParameters: {} }, { updateIntervalInMs: 10 });
    await p.submitted();
    const health = await network.applicationGateways.beginBackendHealthAndWait(RG_NET, AGW, { updateIntervalInMs: 10 });
    const servers = health.backendAddressPools?.[0]?.backendHttpSettingsCollection?.[0]?.servers ?? [];
    expect(servers.find((s) => s.address === '10.20.1.19')?.health).toBe('Unhealthy');
    expect(servers.find((s) => s.address === '10.20.1.11')?.health).toBe('Healthy');
    h.clock.advance(4 * 3600_000);
    await p.pollUntilDone();
  });

  test('load balancer pool: get, PUT without a member, PUT it back', async () => {
    const { network } = h.clients();
    const lb = await network.loadBalancers.get(RG_NET, ILB);
    expect(lb.backendAddressPools?.[0]?.name).toBe('IC-WebSVR-BackendPool');
    const pool = await network.loadBalancerBackendAddressPools.get(RG_NET, ILB, 'IC-WebSVR-BackendPool');
    const full = pool.loadBalancerBackendAddresses ?? [];
    expect(full).toHaveLength(10);

    const without = await network.loadBalancerBackendAddressPools.beginCreateOrUpdateAndWait(RG_NET, ILB, 'IC-WebSVR-BackendPool', { ...pool, loadBalancerBackendAddresses: full.filter((a) => a.ipAddress !== IP_WEB3) }, { updateIntervalInMs: 10 });
    expect(without.loadBalancerBackendAddresses).toHaveLength(9);
    expect(h.state().arm.loadBalancers[ILB]?.pools['IC-WebSVR-BackendPool']).not.toContain('IC-Web3');

    await network.loadBalancerBackendAddressPools.beginCreateOrUpdateAndWait(RG_NET, ILB, 'IC-WebSVR-BackendPool', { ...pool, loadBalancerBackendAddresses: full }, { updateIntervalInMs: 10 });
    expect(h.state().arm.loadBalancers[ILB]?.pools['IC-WebSVR-BackendPool']).toContain('IC-Web3');

    await expect(network.loadBalancerBackendAddressPools.get(RG_NET, ILB, 'nope')).rejects.toMatchObject({ statusCode: 404, code: 'NotFound' });
    await expect(network.loadBalancers.get(RG_NET, 'no-lb')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  test('alert processing rule: PUT, GET, DELETE through generic ARM calls', async () => {
    const { arm } = h.clients();
    const id = `/subscriptions/${estate.subscriptionId}/resourceGroups/RG-MGMT-PRD/providers/Microsoft.AlertsManagement/actionRules/mw-suppress-web1-5`;
    const body = {
      location: 'Global',
      properties: {
        scopes: [`/subscriptions/${estate.subscriptionId}/resourceGroups/RG-WEB-PRD`],
        conditions: [{ field: 'TargetResource', operator: 'Contains', values: ['IC-Web1', 'IC-Web2'] }],
        actions: [{ actionType: 'RemoveAllActionGroups' }],
        enabled: true,
        description: 'Suppress notifications while IC-Web1..5 are patched',
      },
    };
    const created = await arm.putResource<{ id: string; name: string }>(id, RULES_API, body);
    expect(created.name).toBe('mw-suppress-web1-5');
    expect(h.state().arm.alertProcessingRules['mw-suppress-web1-5']?.properties).toMatchObject({ enabled: true });
    expect(await arm.getResource(id, RULES_API)).toMatchObject({ id, type: 'Microsoft.AlertsManagement/actionRules' });

    await expect(arm.putResource(id, RULES_API, { location: 'Global', properties: { scopes: [], actions: [] } })).rejects.toMatchObject({ statusCode: 400, code: 'InvalidRequestContent' });

    expect(await arm.deleteResource(id, RULES_API)).toBe(true);
    expect(h.state().arm.alertProcessingRules['mw-suppress-web1-5']).toBeUndefined();
    expect(await arm.getResource(id, RULES_API)).toBeUndefined();
    expect(await arm.deleteResource(id, RULES_API)).toBe(false);
  });

  test('ARM error bodies have the { error: { code, message } } shape', async () => {
    const { credential } = h.clients();
    const token = await credential.getToken('https://management.azure.com/.default');
    const res = await httpsJson<{ error: { code: string; message: string } }>(
      h.sandbox.caPem,
      'GET',
      `${h.sandbox.urls.arm}/subscriptions/${estate.subscriptionId}/resourceGroups/${RG_NET}/providers/Microsoft.Network/applicationGateways/missing?api-version=2025-05-01`,
      undefined,
      { authorization: `Bearer ${token?.token ?? ''}` },
    );
    expect(res.status).toBe(404);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toEqual({ code: 'ResourceNotFound', message: expect.stringContaining("Microsoft.Network/applicationGateways/missing") });
  });
});

describe('gateway conflicts in 429 mode', () => {
  const h = useHarness(27560);

  test('RetryableErrorDueToAnotherOperation with Retry-After is retried by the SDK, then surfaces; a later update succeeds', async () => {
    const { sandbox, clock } = h;
    // Configure through the estate model at run time: reset with a copy whose gateway uses 429.
    const { readFileSync, writeFileSync } = await import('fs');
    const path = await import('path');
    const file = path.join(h.stateDir, 'estate-429.yaml');
    const text = readFileSync(path.resolve(__dirname, '../../../../sandbox/estate/default.yaml'), 'utf8').replace("conflictMode: '409'", "conflictMode: '429'").replace('conflictRetryAfterSeconds: 10', 'conflictRetryAfterSeconds: 0');
    writeFileSync(file, text);
    expect((await h.control('POST', '/_sandbox/reset', { estateFile: file })).status).toBe(200);

    const { network } = h.clients({ maxRetries: 3, retryDelayInMs: 10 });
    const gw = await network.applicationGateways.get(RG_NET, AGW);
    await network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, gw, { updateIntervalInMs: 10 });
    const since = sandbox.calls().at(-1)?.seq ?? 0;
    await expect(network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, gw)).rejects.toMatchObject({ statusCode: 429, code: 'RetryableErrorDueToAnotherOperation' });
    // The SDK retried the 429 three times (Retry-After: 0) before giving up.
    expect(sandbox.calls({ listener: 'arm', method: 'PUT', since }).map((c) => c.status)).toEqual([429, 429, 429, 429]);
    clock.advance(45_000);
    const second = await network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, gw, { updateIntervalInMs: 10 });
    clock.advance(45_000);
    await second.pollUntilDone();
    expect(h.state().arm.applicationGateways[AGW]?.updates).toBe(2);
  });
});
