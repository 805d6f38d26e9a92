import { restorePoller, type VirtualMachine } from '@azure/arm-compute';
import { useHarness, estate, httpsJson, RG_WEB } from './harness';

const BASE = 27520;
const HOUR = 3600_000;

describe('sandbox ARM compute through @azure/arm-compute', () => {
  const h = useHarness(BASE);

  test('lists VMs across pages, gets one and its instance view', async () => {
    const { compute } = h.clients();
    const names: string[] = [];
    for await (const vm of compute.virtualMachines.list(RG_WEB)) names.push(vm.name ?? '');
    expect(names).toEqual([...Array.from({ length: 10 }, (_, i) => `IC-Web${i + 1}`), 'IC-W25-Web01']);
    // 11 VMs at 8 per page: the SDK followed one absolute nextLink.
    expect(h.sandbox.calls({ listener: 'arm', method: 'GET', path: `*/resourceGroups/${RG_WEB}/providers/Microsoft.Compute/virtualMachines` }).length).toBe(2);

    const vm: VirtualMachine = await compute.virtualMachines.get(RG_WEB, 'IC-Web3');
    expect(vm.id).toBe(`/subscriptions/${estate.subscriptionId}/resourceGroups/${RG_WEB}/providers/Microsoft.Compute/virtualMachines/IC-Web3`);
    expect(vm.hardwareProfile?.vmSize).toBe('Standard_D4s_v5');
    expect(vm.provisioningState).toBe('Succeeded');
    expect(vm.zones).toEqual(['3']);

    const view = await compute.virtualMachines.instanceView(RG_WEB, 'IC-Web3');
    expect(view.statuses?.map((s) => s.code)).toContain('PowerState/running');
    expect(view.patchStatus?.availablePatchSummary?.criticalAndSecurityPatchCount).toBe(2);
    expect(view.patchStatus?.availablePatchSummary?.otherPatchCount).toBe(1);
  });

  test('a missing VM is a RestError with the ARM code', async () => {
    const { compute } = h.clients();
    await expect(compute.virtualMachines.get(RG_WEB, 'IC-Web99')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    await expect(compute.virtualMachines.get('RG-NOPE', 'IC-Web1')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  });

  test('installPatches: started in one step, resumed from its serialized state in another, completes on the virtual clock', async () => {
    // Step 1 (one activity): send the POST only and keep the poller state.
    const starter = h.clients().compute;
    const poller = starter.virtualMachines.installPatches(RG_WEB, 'IC-Web1', {
      maximumDuration: 'PT4H',
      rebootSetting: 'IfRequired',
      windowsParameters: { classificationsToInclude: ['Critical', 'Security'] },
    });
    await poller.submitted();
    const saved = await poller.serialize();
    expect(h.sandbox.calls({ listener: 'arm', path: '*/IC-Web1/installPatches' })).toHaveLength(1);
    expect(h.state().arm.virtualMachines['IC-Web1']?.healthy).toBe(false);
    const probe = await httpsJson<{ status: string }>(h.sandbox.caPem, 'GET', `${h.sandbox.urls.probes}/IC-Web1/health`);
    expect(probe.status).toBe(503);

    // Step 2 (another activity, new client): one status GET, still in progress.
    const checker = h.clients().compute;
    let resumed = restorePoller(checker, saved, checker.virtualMachines.installPatches, { updateIntervalInMs: 10 });
    await resumed.poll();
    expect(resumed.isDone).toBe(false);
    const again = await resumed.serialize();

    // A second install while one runs is refused, as Azure does.
    await expect(
      checker.virtualMachines.installPatches(RG_WEB, 'IC-Web1', { maximumDuration: 'PT4H', rebootSetting: 'IfRequired', windowsParameters: {} }).submitted(),
    ).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });

    // The estate says IC-Web1 needs 206 virtual minutes.
    h.clock.advance(206 * 60_000 - 1000);
    resumed = restorePoller(checker, again, checker.virtualMachines.installPatches, { updateIntervalInMs: 10 });
    await resumed.poll();
    expect(resumed.isDone).toBe(false);
    h.clock.advance(1000);
    const result = await resumed.pollUntilDone();
    expect(result.status).toBe('Succeeded');
    expect(result.installedPatchCount).toBe(2);
    expect(result.notSelectedPatchCount).toBe(1);
    expect(result.rebootStatus).toBe('Completed');
    expect(result.patches?.map((p) => p.kbId).sort()).toEqual(['5060526', '5061010']);

    const vm = h.state().arm.virtualMachines['IC-Web1'];
    expect(vm?.patchLevel).toBe('2025-06');
    expect(vm?.pendingPatches).toEqual(['890830']);
    expect(vm?.healthy).toBe(true);
    expect(vm?.patchHistory.at(-1)).toMatchObject({ kind: 'installPatches', status: 'Succeeded', installed: ['5060526', '5061010'] });
    const healthy = await httpsJson(h.sandbox.caPem, 'GET', `${h.sandbox.urls.probes}/IC-Web1/health`);
    expect(healthy.status).toBe(200);
  });

  test('a window shorter than the patching time ends CompletedWithWarnings with the window exceeded', async () => {
    const { compute } = h.clients();
    const p = compute.virtualMachines.installPatches(RG_WEB, 'IC-Web2', { maximumDuration: 'PT2H', rebootSetting: 'IfRequired', windowsParameters: { classificationsToInclude: ['Security'] } }, { updateIntervalInMs: 10 });
    await p.submitted();
    h.clock.advance(2 * 3600_000);
    const r = await p.pollUntilDone();
    expect(r).toMatchObject({ status: 'CompletedWithWarnings', maintenanceWindowExceeded: true, installedPatchCount: 0 });
    expect(h.state().arm.virtualMachines['IC-Web2']?.patchLevel).toBe('2025-05');
  });

  test('assessPatches reports what is pending', async () => {
    const { compute } = h.clients();
    const p = compute.virtualMachines.assessPatches(RG_WEB, 'IC-Web4', { updateIntervalInMs: 10 });
    await p.submitted();
    h.clock.advance(HOUR);
    const r = await p.pollUntilDone();
    expect(r.criticalAndSecurityPatchCount).toBe(2);
    expect(r.availablePatches?.map((x) => x.kbId).sort()).toEqual(['5060526', '5061010', '890830']);
  });

  test('runCommand recycles IIS pools, stops services, disables tasks and reports a failing script', async () => {
    const { compute } = h.clients();
    const run = async (vm: string, rg: string, script: string[], parameters: { name: string; value: string }[] = []) => {
      const p = compute.virtualMachines.runCommand(rg, vm, { commandId: 'RunPowerShellScript', script, parameters }, { updateIntervalInMs: 10 });
      await p.submitted();
      h.clock.advance(60_000);
      return p.pollUntilDone();
    };
    const iis = await run('IC-Web5', RG_WEB, ['Restart-WebAppPool -Name MyIIS', 'Stop-Service -Name $svc', 'Write-Output "done"'], [{ name: 'svc', value: 'NewRelic.Infrastructure' }]);
    expect(iis.value?.[0]).toMatchObject({ code: 'ComponentStatus/StdOut/succeeded', message: 'done' });
    expect(iis.value?.[1]?.message).toBe('');
    const vm = h.state().arm.virtualMachines['IC-Web5'];
    expect(vm?.appPools.MyIIS?.recycles).toBe(1);
    expect(vm?.services['NewRelic.Infrastructure']).toBe('Stopped');

    await run('IC-App1', 'RG-APP-PRD', ["Disable-ScheduledTask -TaskName 'IC\\NightlyBilling'"]);
    expect(h.state().arm.virtualMachines['IC-App1']?.scheduledTasks['IC\\NightlyBilling']).toBe(false);

    const failing = await run('IC-App1', 'RG-APP-PRD', ['Write-Output "checking"', 'exit 3']);
    expect(failing.value?.[1]?.message).toBe('Script exited with code 3.');
    expect(h.state().arm.virtualMachines['IC-App1']?.commands.at(-1)?.exitCode).toBe(3);

    const unknown = await run('IC-App1', 'RG-APP-PRD', ['Start-Service -Name NoSuchService']);
    expect(unknown.value?.[1]?.message).toContain("Cannot find any service with service name 'NoSuchService'");
  });

  test('managed run command: the instance view reports the run; treatFailureAsDeploymentFailure fails provisioning; a missing name is a 404', async () => {
    const { compute } = h.clients();
    const body = { location: 'eastus', source: { script: 'Write-Output "checking"\nexit 3' }, treatFailureAsDeploymentFailure: true };
    const poller = compute.virtualMachineRunCommands.createOrUpdate('RG-APP-PRD', 'IC-App1', 'mw-spec-1', body, { updateIntervalInMs: 10 });
    await poller.submitted();
    const running = await compute.virtualMachineRunCommands.getByVirtualMachine('RG-APP-PRD', 'IC-App1', 'mw-spec-1', { expand: 'instanceView' });
    expect(running.provisioningState).toBe('Creating');
    expect(running.instanceView).toMatchObject({ executionState: 'Running' });
    expect(running.instanceView?.endTime).toBeUndefined();
    h.clock.advance(60_000);
    const run = await compute.virtualMachineRunCommands.getByVirtualMachine('RG-APP-PRD', 'IC-App1', 'mw-spec-1', { expand: 'instanceView' });
    // ComputeRP.json: with treatFailureAsDeploymentFailure a failing script marks provisioningState Failed.
    expect(run.provisioningState).toBe('Failed');
    expect(run.treatFailureAsDeploymentFailure).toBe(true);
    expect(run.instanceView).toMatchObject({ executionState: 'Failed', exitCode: 3, output: 'checking' });
    expect(run.instanceView?.endTime).toBeInstanceOf(Date);
    // Without $expand there is no instance view.
    expect((await compute.virtualMachineRunCommands.getByVirtualMachine('RG-APP-PRD', 'IC-App1', 'mw-spec-1')).instanceView).toBeUndefined();
    await expect(compute.virtualMachineRunCommands.getByVirtualMachine('RG-APP-PRD', 'IC-App1', 'mw-spec-none', { expand: 'instanceView' })).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    // Every request and answer kept to ComputeRP.json's run-command schemas (sandbox/specs/azure-compute.yaml).
    const calls = h.sandbox.calls({ listener: 'arm', path: '*/IC-App1/runCommands/*' });
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.flatMap((c) => c.violations ?? [])).toEqual([]);
  });

  test('restart makes the VM unhealthy until it is back', async () => {
    const { compute } = h.clients();
    const p = compute.virtualMachines.restart(RG_WEB, 'IC-Web6', { updateIntervalInMs: 10 });
    await p.submitted();
    expect(h.state().arm.virtualMachines['IC-Web6']).toMatchObject({ rebooting: true, healthy: false });
    h.clock.advance(120_000);
    await p.pollUntilDone();
    expect(h.state().arm.virtualMachines['IC-Web6']).toMatchObject({ rebooting: false, healthy: true });
  });

  test('VM faults: a permanent patch failure fails the operation; a server can fail its probe after patching', async () => {
    const { compute } = h.clients();
    const bad = await h.control<{ error: { field: string } }>('POST', '/_sandbox/faults', { kind: 'vm', vm: 'IC-Web99', fault: 'patchFailure' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('vm');
    const added = await h.control<{ value: { id: string }[] }>('POST', '/_sandbox/faults', [
      { kind: 'vm', vm: 'IC-Web7', fault: 'patchFailure' },
      { kind: 'vm', vm: 'IC-Web8', fault: 'probeFailureAfterPatch' },
    ]);
    expect(added.status).toBe(201);

    const input = { maximumDuration: 'PT4H', rebootSetting: 'IfRequired' as const, windowsParameters: { classificationsToInclude: ['Critical', 'Security'] } };
    const p7 = compute.virtualMachines.installPatches(RG_WEB, 'IC-Web7', input, { updateIntervalInMs: 10 });
    const p8 = compute.virtualMachines.installPatches(RG_WEB, 'IC-Web8', input, { updateIntervalInMs: 10 });
    await Promise.all([p7.submitted(), p8.submitted()]);
    h.clock.advance(4 * HOUR);
    await expect(p7.pollUntilDone()).rejects.toThrow(/PatchInstallationFailed/);
    expect((await p8.pollUntilDone()).status).toBe('Succeeded');

    const s = h.state().arm.virtualMachines;
    expect(s['IC-Web7']?.patchHistory.at(-1)?.status).toBe('OperationFailed');
    expect(s['IC-Web7']?.patchLevel).toBe('2025-05');
    expect(s['IC-Web8']?.patchLevel).toBe('2025-06');
    expect(s['IC-Web8']?.healthy).toBe(false);
    expect((await httpsJson(h.sandbox.caPem, 'GET', `${h.sandbox.urls.probes}/health`, undefined, { host: 'IC-Web8.invoicecloud.local' })).status).toBe(503);
    expect((await h.control('DELETE', '/_sandbox/faults')).status).toBe(204);
  });

  test('ARM refuses calls without a token, with a token for another audience, and without api-version', async () => {
    const url = `${h.sandbox.urls.arm}/subscriptions/${estate.subscriptionId}/resourceGroups/${RG_WEB}/providers/Microsoft.Compute/virtualMachines/IC-Web1?api-version=2026-03-01`;
    const anon = await httpsJson<{ error: { code: string; message: string } }>(h.sandbox.caPem, 'GET', url);
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('AuthenticationFailed');
    expect(anon.headers['www-authenticate']).toContain('Bearer');

    const { credential } = h.clients();
    const vaultToken = await credential.getToken('https://vault.azure.net/.default');
    const wrong = await httpsJson<{ error: { code: string } }>(h.sandbox.caPem, 'GET', url, undefined, { authorization: `Bearer ${vaultToken?.token ?? ''}` });
    expect(wrong.body.error.code).toBe('InvalidAuthenticationTokenAudience');

    const armToken = await credential.getToken('https://management.azure.com/.default');
    const noVersion = await httpsJson<{ error: { code: string } }>(h.sandbox.caPem, 'GET', url.replace(/\?.*$/, ''), undefined, { authorization: `Bearer ${armToken?.token ?? ''}` });
    expect(noVersion).toMatchObject({ status: 400, body: { error: { code: 'MissingApiVersionParameter' } } });
    // arm-compute 25 / arm-network 39 may send newer api-versions: any well-formed one is accepted.
    const newer = await httpsJson(h.sandbox.caPem, 'GET', url.replace('2026-03-01', '2027-01-01-preview'), undefined, { authorization: `Bearer ${armToken?.token ?? ''}` });
    expect(newer.status).toBe(200);
  });
});
