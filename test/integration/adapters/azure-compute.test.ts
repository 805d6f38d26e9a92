import { AzureComputeClient } from '../../../shared/adapters/azure/compute';
import { unpackToken } from '../../../shared/adapters/azure/resumeToken';
import { createComputeClient, createNetworkClient } from '../../../shared/adapters/azure/client';
import type { PatchRequest } from '../../../shared/ports/compute';
import type { OperationProgress } from '../../../shared/ports/operations';
import { estate, type ArmStateView } from '../sandbox/azure/harness';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const MINUTE = 60_000;
const SUB = estate.subscriptionId;
const vmId = (name: string, rg = 'RG-WEB-PRD'): string => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
const PATCH: PatchRequest = { maximumDurationInMinutes: 235, rebootSetting: 'IfRequired', classifications: ['Critical', 'Security'], excludeKbs: [] };

const env = useAdapterSandbox();

/** A new adapter with its own credential and SDK clients, as a fresh activity process would build it. */
function newCompute(): AzureComputeClient {
  return new AzureComputeClient({ credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem, retry: { maxRetries: 0 } });
}

const arm = async (): Promise<ArmStateView['arm']> => env.state<ArmStateView['arm']>('arm');

function succeeded<T>(p: OperationProgress<T>): T {
  if (p.state !== 'succeeded') throw new Error(`expected succeeded, got ${JSON.stringify(p)}`);
  return p.result;
}

describe('AzureComputeClient against the simulated ARM', () => {
  it('reads a VM: name, power state from the instance view, private IP through its NIC', async () => {
    const compute = newCompute();
    expect(await compute.getVm(vmId('IC-Web3'))).toEqual({ id: vmId('IC-Web3'), name: 'IC-Web3', powerState: 'running', privateIp: '10.20.1.13' });
    expect((await compute.getVm(vmId('IC-App1', 'RG-APP-PRD'))).privateIp).toBe('10.20.2.11');
    const nicCalls = await env.calls({ listener: 'arm', method: 'GET', path: '*/networkInterfaces/IC-Web3-nic' });
    expect(nicCalls.map((c) => c.status)).toEqual([200]);

    await expectPermanent(compute.getVm(vmId('IC-Web99')), /could not get VM IC-Web99: 404 ResourceNotFound/);
    // The sandbox's NICs: one per VM, `<vm>-nic` in the VM's resource group.
    const network = createNetworkClient(SUB, { credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem });
    const nic = await network.networkInterfaces.get('RG-WEB-PRD', 'IC-Web3-nic');
    expect(nic.ipConfigurations?.map((c) => [c.primary, c.privateIPAddress, c.subnet?.id?.split('/').slice(-3).join('/')])).toEqual([[true, '10.20.1.13', 'vnet-ic-prd/subnets/snet-web']]);
    await expect(network.networkInterfaces.get('RG-APP-PRD', 'IC-Web3-nic')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    await expect(network.networkInterfaces.get('RG-WEB-PRD', 'IC-Web99-nic')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    await expect(compute.getVm('/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/networkInterfaces/z')).rejects.toThrow(TypeError);
  });

  it('patches: started by one client, finished through its token by a brand-new client on the virtual clock', async () => {
    const token = await newCompute().beginInstallPatches(vmId('IC-Web1'), PATCH);
    const posts = await env.calls({ listener: 'arm', method: 'POST', path: '*/IC-Web1/installPatches' });
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({ maximumDuration: 'PT235M', rebootSetting: 'IfRequired', windowsParameters: { classificationsToInclude: ['Critical', 'Security'] } });
    // Only the POST: no status request yet.
    expect(await env.calls({ listener: 'arm', path: '*/operations/*' })).toHaveLength(0);
    expect(unpackToken(token)).toMatchObject({ v: 1, op: 'installPatches', vmId: vmId('IC-Web1') });
    expect((await arm()).virtualMachines['IC-Web1']?.healthy).toBe(false);

    // Packed: about half the JSON's length before any escaping (docs/benchmarks.md, "Engine cost").
    expect(token.length).toBeLessThan(JSON.stringify(unpackToken(token)).length / 1.5);
    expect(token).not.toContain('"');

    const checker = newCompute();
    const first = await checker.pollInstallPatches(token);
    expect(first.state).toBe('running');
    if (first.state !== 'running') return;
    expect(await env.calls({ listener: 'arm', path: '*/operations/*' })).toHaveLength(1);
    // The same token as plain JSON (as written before tokens were packed) polls the same operation.
    expect((await newCompute().pollInstallPatches(JSON.stringify(unpackToken(first.resumeToken)))).state).toBe('running');

    // IC-Web1 takes 206 virtual minutes.
    env.clock.advance(206 * MINUTE);
    const outcome = succeeded(await newCompute().pollInstallPatches(first.resumeToken));
    expect(outcome).toMatchObject({ status: 'Succeeded', installedPatchCount: 2, failedPatchCount: 0, pendingPatchCount: 0, rebootStatus: 'Completed', maintenanceWindowExceeded: false });
    expect(outcome.patches.map((p) => p.kbId).sort()).toEqual(['5060526', '5061010']);
    expect(outcome.patches.every((p) => p.installationState === 'Installed')).toBe(true);

    const vm = (await arm()).virtualMachines['IC-Web1'];
    expect(vm?.patchLevel).toBe('2025-06');
    expect(vm?.healthy).toBe(true);
    expect(vm?.patchHistory.at(-1)).toMatchObject({ kind: 'installPatches', status: 'Succeeded' });
  });

  it('a retried start whose first reply was lost follows the install already running instead of failing the server', async () => {
    const first = await newCompute().beginInstallPatches(vmId('IC-Web6'), PATCH);
    // The activity is retried (its reply never arrived): Azure refuses a second install with 409 OperationNotAllowed.
    const again = await newCompute().beginInstallPatches(vmId('IC-Web6'), PATCH);
    expect(unpackToken(again)).toMatchObject({ v: 1, op: 'installPatchesRunning', vmId: vmId('IC-Web6') });
    expect((await env.calls({ listener: 'arm', method: 'POST', path: '*/IC-Web6/installPatches' })).map((c) => c.status)).toEqual([202, 409]);
    expect((await newCompute().pollInstallPatches(again)).state).toBe('running');
    env.clock.advance(235 * MINUTE);
    // Both tokens see the one install end; nothing was installed twice.
    expect(succeeded(await newCompute().pollInstallPatches(again))).toMatchObject({ status: 'Succeeded', failedPatchCount: 0 });
    expect(succeeded(await newCompute().pollInstallPatches(first)).status).toBe('Succeeded');
    expect((await arm()).virtualMachines['IC-Web6']?.patchHistory.filter((h) => h.kind === 'installPatches')).toHaveLength(1);
  });

  it('a window shorter than the patching time comes back CompletedWithWarnings with the window exceeded', async () => {
    const compute = newCompute();
    const token = await compute.beginInstallPatches(vmId('IC-Web2'), { ...PATCH, maximumDurationInMinutes: 120, excludeKbs: ['890830'] });
    const post = (await env.calls({ listener: 'arm', method: 'POST', path: '*/IC-Web2/installPatches' }))[0];
    expect(post?.body).toMatchObject({ maximumDuration: 'PT120M', windowsParameters: { kbNumbersToExclude: ['890830'] } });
    env.clock.advance(120 * MINUTE);
    expect(succeeded(await compute.pollInstallPatches(token))).toMatchObject({ status: 'CompletedWithWarnings', maintenanceWindowExceeded: true, installedPatchCount: 0 });
  });

  it('a permanent patch failure is a failed operation with ARM code, whether the operation or its result fails', async () => {
    await env.addFaults([
      { kind: 'vm', vm: 'IC-Web7', fault: 'patchFailure', mode: 'operation' },
      { kind: 'vm', vm: 'IC-Web8', fault: 'patchFailure', mode: 'result' },
    ]);
    const compute = newCompute();
    const t7 = await compute.beginInstallPatches(vmId('IC-Web7'), PATCH);
    const t8 = await compute.beginInstallPatches(vmId('IC-Web8'), PATCH);
    env.clock.advance(4 * 60 * MINUTE);
    const p7 = await newCompute().pollInstallPatches(t7);
    expect(p7).toEqual({ state: 'failed', code: 'PatchInstallationFailed', message: expect.stringContaining("Patch installation failed on VM 'IC-Web7'") });
    const p8 = await newCompute().pollInstallPatches(t8);
    expect(p8).toEqual({ state: 'failed', code: 'PatchInstallationFailed', message: '2 patch(es) failed to install on IC-Web8.' });
    const vms = (await arm()).virtualMachines;
    expect(vms['IC-Web7']?.patchLevel).toBe('2025-05');
    expect(vms['IC-Web7']?.patchHistory.at(-1)?.status).toBe('OperationFailed');
  });

  it('refuses bad requests before calling Azure, and maps a busy VM and an outage to transient errors', async () => {
    const compute = newCompute();
    await expect(compute.beginInstallPatches(vmId('IC-Web4'), { ...PATCH, maximumDurationInMinutes: 236 })).rejects.toThrow(RangeError);
    await expect(compute.pollRunCommand('{"v":1}')).rejects.toThrow(/not a compute resume token/);

    const token = await compute.beginInstallPatches(vmId('IC-Web4'), PATCH);
    await expect(compute.pollRunCommand(token)).rejects.toThrow(/belongs to a installPatches operation, not runCommand/);
    // A second start while the first runs: ARM's 409 OperationNotAllowed "still in progress" is worth a retry later.
    await expectTransient(compute.beginRunCommand(vmId('IC-Web4'), { script: ['Write-Output hi'], shell: 'powershell', parameters: {} }, 'mw-test-busy'), 'azure', 409);
    await expect(compute.beginRunCommand(vmId('IC-Web4'), { script: ['Write-Output hi'], shell: 'powershell', parameters: {} }, 'no spaces/or slashes')).rejects.toThrow(TypeError);

    await env.addFaults({ listener: 'arm', method: 'GET', path: '*/operations/*', status: 503 });
    const outage = await expectTransient(newCompute().pollInstallPatches(token), 'azure', 503);
    expect(outage.message).toMatch(/check installPatches on IC-Web4/);
    await env.clearFaults();
    env.clock.advance(224 * MINUTE);
    expect(succeeded(await newCompute().pollInstallPatches(token)).status).toBe('Succeeded');
  });

  it('follows a run started through the action API before run commands were named, from its old token', async () => {
    // The token an activity wrote before the change (the action API's poller state), still in a
    // window's history when the new code is deployed.
    const sdk = createComputeClient(SUB, { credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem, retry: { maxRetries: 0 } });
    const poller = sdk.virtualMachines.runCommand('RG-WEB-PRD', 'IC-Web8', { commandId: 'RunPowerShellScript', script: ['Write-Output "from before"'] });
    await poller.submitted();
    const old = JSON.stringify({ v: 1, op: 'runCommand', vmId: vmId('IC-Web8'), state: await poller.serialize() });
    const running = await newCompute().pollRunCommand(old);
    expect(running.state).toBe('running');
    env.clock.advance(MINUTE);
    expect(succeeded(await newCompute().pollRunCommand(running.state === 'running' ? running.resumeToken : old))).toEqual({ exitCode: 0, stdout: 'from before', stderr: '' });
    expect(await env.calls({ listener: 'arm', method: 'POST', path: '*/IC-Web8/runCommand' })).toHaveLength(1);
  });

  it('runs commands as named managed run commands: output, error and exit code from the instance view, parameters protected', async () => {
    const compute = newCompute();
    let runs = 0;
    const run = async (vm: string, script: string[], parameters: Record<string, string> = {}, shell: 'powershell' | 'shell' = 'powershell') => {
      const token = await compute.beginRunCommand(vmId(vm), { script, shell, parameters }, `mw-test-${++runs}`);
      const running = await newCompute().pollRunCommand(token);
      expect(running.state).toBe('running');
      env.clock.advance(MINUTE);
      return succeeded(await newCompute().pollRunCommand(running.state === 'running' ? running.resumeToken : token));
    };
    expect(await run('IC-Web5', ['Restart-WebAppPool -Name $pool', 'Write-Output "recycled"'], { pool: 'MyIIS' })).toEqual({ exitCode: 0, stdout: 'recycled', stderr: '' });
    expect((await arm()).virtualMachines['IC-Web5']?.appPools.MyIIS?.recycles).toBe(1);
    const put = (await env.calls({ listener: 'arm', method: 'PUT', path: '*/IC-Web5/runCommands/mw-test-1' }))[0];
    // The call log redacts parameter values; the recycled MyIIS pool above shows the value arrived.
    expect(put?.body).toEqual({
      location: expect.any(String),
      properties: { source: { script: 'Restart-WebAppPool -Name $pool\nWrite-Output "recycled"' }, protectedParameters: [{ name: 'pool', value: '[redacted]' }], asyncExecution: true },
    });

    expect(await run('IC-Web6', ['Write-Output "checking"', 'exit 3'])).toMatchObject({ exitCode: 3, stdout: 'checking' });
    expect((await arm()).virtualMachines['IC-Web6']?.commands.at(-1)?.exitCode).toBe(3);

    // A name that exists is followed, never sent again: the script ran once.
    const again = await compute.beginRunCommand(vmId('IC-Web5'), { script: ['Restart-WebAppPool -Name $pool'], shell: 'powershell', parameters: { pool: 'MyIIS' } }, 'mw-test-1');
    expect(succeeded(await compute.pollRunCommand(again)).stdout).toBe('recycled');
    expect((await arm()).virtualMachines['IC-Web5']?.appPools.MyIIS?.recycles).toBe(1);
    expect(await env.calls({ listener: 'arm', method: 'PUT', path: '*/IC-Web5/runCommands/*' })).toHaveLength(1);

    // A run that vanished is a failure naming it, not a success. (A plain-JSON token, as written
    // before tokens were packed, is still read: an orchestration in flight across a deploy keeps polling.)
    const gone = JSON.stringify({ v: 1, op: 'runCommand', vmId: vmId('IC-Web5'), state: 'mw-test-never' });
    expect(await compute.pollRunCommand(gone)).toMatchObject({ state: 'failed', code: 'RunCommandNotFound' });
  });
});
