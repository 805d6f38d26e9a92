import type { CallRecord } from '../../../../sandbox/core/calls';
import { useHarness, estate, AGW, ILB, RG_NET, RG_WEB } from './harness';

const BASE = 27600;

describe('10% transient failures on every Azure route: the SDKs retry to the right final state', () => {
  const h = useHarness(BASE, { faultSeed: 1 });

  test('bad fault specs are refused with the field named', async () => {
    const res = await h.control<{ error: { field: string; message: string } }>('POST', '/_sandbox/faults', { listener: 'arm', probability: 1.5, status: 503 });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('probability');
    const noEffect = await h.control<{ error: { field: string } }>('POST', '/_sandbox/faults', { listener: 'arm' });
    expect(noEffect.body.error.field).toBe('status');
    const badListener = await h.control<{ error: { field: string } }>('POST', '/_sandbox/faults', { listener: 'nowhere', status: 500 });
    expect(badListener.body.error.field).toBe('listener');
  });

  test('a patch weekend slice completes through 503s and 500s', async () => {
    for (const listener of ['arm', 'login', 'keyvault']) {
      const added = await h.control('POST', '/_sandbox/faults', [
        { listener, probability: 0.05, status: 503, retryAfter: 0 },
        { listener, probability: 0.05, status: 500 },
      ]);
      expect(added.status).toBe(201);
    }
    const { compute, network, secrets, arm } = h.clients({ maxRetries: 6, retryDelayInMs: 5, maxRetryDelayInMs: 20 });

    const names: string[] = [];
    for await (const vm of compute.virtualMachines.list(RG_WEB)) names.push(vm.name ?? '');
    expect(names).toHaveLength(11);
    // Pre-checks a window runs: every web server's instance view and every secret it will rotate.
    for await (const vm of compute.virtualMachines.listAll()) {
      const rg = vm.id?.split('/')[4] ?? '';
      expect((await compute.virtualMachines.instanceView(rg, vm.name ?? '')).statuses?.[1]?.code).toBe('PowerState/running');
    }
    for (const name of ['mailgun-api-key', 'machinekey-validation', 'machinekey-decryption', 'JwtSigningCertificate1', 'JwtEncryptionCertificate1']) {
      expect((await secrets.getSecret(name)).name).toBe(name);
    }

    const gw = await network.applicationGateways.get(RG_NET, AGW);
    const pool = gw.backendAddressPools?.[0];
    if (!pool) throw new Error('no pool');
    pool.backendAddresses = (pool.backendAddresses ?? []).filter((a) => a.ipAddress !== '10.20.1.11' && a.ipAddress !== '10.20.1.12');
    const put = await network.applicationGateways.beginCreateOrUpdate(RG_NET, AGW, gw, { updateIntervalInMs: 10 });
    h.clock.advance(60_000);
    await put.pollUntilDone();

    const lbPool = await network.loadBalancerBackendAddressPools.get(RG_NET, ILB, 'IC-WebSVR-BackendPool');
    await network.loadBalancerBackendAddressPools.beginCreateOrUpdateAndWait(
      RG_NET,
      ILB,
      'IC-WebSVR-BackendPool',
      { ...lbPool, loadBalancerBackendAddresses: (lbPool.loadBalancerBackendAddresses ?? []).filter((a) => a.ipAddress !== '10.20.1.11') },
      { updateIntervalInMs: 10 },
    );

    const ruleId = `/subscriptions/${estate.subscriptionId}/resourceGroups/RG-MGMT-PRD/providers/Microsoft.AlertsManagement/actionRules/mw-faults`;
    await arm.putResource(ruleId, '2021-08-08', { location: 'Global', properties: { scopes: [`/subscriptions/${estate.subscriptionId}`], actions: [{ actionType: 'RemoveAllActionGroups' }] } });

    const pollers = ['IC-Web1', 'IC-Web2'].map((vm) =>
      compute.virtualMachines.installPatches(RG_WEB, vm, { maximumDuration: 'PT4H', rebootSetting: 'IfRequired', windowsParameters: { classificationsToInclude: ['Critical', 'Security'] } }, { updateIntervalInMs: 10 }),
    );
    await Promise.all(pollers.map((p) => p.submitted()));
    h.clock.advance(4 * 3600_000);
    const results = await Promise.all(pollers.map((p) => p.pollUntilDone()));
    expect(results.map((r) => r.status)).toEqual(['Succeeded', 'Succeeded']);

    const run = compute.virtualMachines.runCommand(RG_WEB, 'IC-Web1', { commandId: 'RunPowerShellScript', script: ['iisreset'] }, { updateIntervalInMs: 10 });
    await run.submitted();
    h.clock.advance(60_000);
    await run.pollUntilDone();

    await secrets.setSecret('machinekey-validation', 'rotated-validation-key');
    expect((await secrets.getSecret('machinekey-validation')).value).toBe('rotated-validation-key');

    expect(await arm.deleteResource(ruleId, '2021-08-08')).toBe(true);

    const s = h.state();
    expect(s.arm.applicationGateways[AGW]?.pools['bp-ic-web-prd']).toEqual(['IC-Web3', 'IC-Web4', 'IC-Web5', 'IC-Web6', 'IC-Web7', 'IC-Web8', 'IC-Web9', 'IC-Web10']);
    expect(s.arm.loadBalancers[ILB]?.pools['IC-WebSVR-BackendPool']).not.toContain('IC-Web1');
    expect(s.arm.virtualMachines['IC-Web1']?.patchLevel).toBe('2025-06');
    expect(s.arm.virtualMachines['IC-Web2']?.patchLevel).toBe('2025-06');
    expect(s.arm.virtualMachines['IC-Web1']?.patchHistory.filter((x) => x.kind === 'installPatches')).toHaveLength(1);
    expect(s.arm.virtualMachines['IC-Web1']?.appPools.MyIIS?.recycles).toBe(1);
    expect(s.arm.applicationGateways[AGW]?.updates).toBe(1);
    expect(s.arm.alertProcessingRules['mw-faults']).toBeUndefined();
    expect(s.keyvault.secrets['machinekey-validation']?.versions).toHaveLength(2);

    // The call log shows each injected failure followed by a successful retry of the same request.
    const calls = h.sandbox.calls();
    const faulted = calls.filter((c) => c.faultId !== undefined);
    expect(faulted.length).toBeGreaterThanOrEqual(3);
    const retriedOk = (f: CallRecord): boolean => calls.some((c) => c.seq > f.seq && c.method === f.method && c.path === f.path && c.faultId === undefined && c.status < 500);
    expect(faulted.filter((f) => !retriedOk(f))).toEqual([]);
    expect(new Set(faulted.map((f) => f.listener)).size).toBeGreaterThanOrEqual(2);
  });
});
