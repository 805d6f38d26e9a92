import { AzureComputeClient } from '../../../shared/adapters/azure/compute';
import { estateActivities } from '../../../shared/activities/estate';
import { runCommandName } from '../../../shared/activities/runNames';
import type { ActivityDeps } from '../../../shared/activities/types';
import { estate } from '../sandbox/azure/harness';
import { useAdapterSandbox } from './harness';

const env = useAdapterSandbox();
const vmId = (name: string): string => `/subscriptions/${estate.subscriptionId}/resourceGroups/RG-WEB-PRD/providers/Microsoft.Compute/virtualMachines/${name}`;

function compute(): AzureComputeClient {
  return new AzureComputeClient({ credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem, retry: { maxRetries: 0 } });
}

function activities(): ReturnType<typeof estateActivities> {
  return estateActivities({ ports: { compute: compute() } as unknown as ActivityDeps['ports'], store: {} as ActivityDeps['store'], windows: {} as ActivityDeps['windows'] });
}

describe('tidyRunCommands: the window deletes its own finished run commands, through the simulated ARM', () => {
  it("deletes this window's ended runs only: not a running one, not another window's, not one someone else made; a second tidy deletes nothing", async () => {
    const vm = vmId('IC-Web7');
    const c = compute();
    const start = (name: string) => c.beginRunCommand(vm, { script: ['Write-Output "ok"'], shell: 'powershell', parameters: {} }, name);
    const finished = runCommandName('w-tidy', 'run-1:recycle:IC-Web7');
    const failed = runCommandName('w-tidy', 'run-1:check:IC-Web7');
    const otherWindow = runCommandName('w-tidy2', 'run-1:recycle:IC-Web7');
    // A VM runs one command at a time: each ends (a minute on the virtual clock) before the next.
    for (const name of [finished, failed, otherWindow, 'ops-hotfix-1']) {
      await c.beginRunCommand(vm, { script: name === failed ? ['exit 2'] : ['Write-Output "ok"'], shell: 'powershell', parameters: {} }, name);
      env.clock.advance(60_000);
    }
    const running = runCommandName('w-tidy', 'run-1:recycle:IC-Web7', 'undo');
    await start(running);
    expect(Object.fromEntries((await c.listRunCommands(vm)).map((r) => [r.name, r.executionState]))).toEqual({
      [finished]: 'Succeeded',
      [failed]: 'Failed',
      [otherWindow]: 'Succeeded',
      'ops-hotfix-1': 'Succeeded',
      [running]: 'Running',
    });

    const { tidyRunCommands } = activities();
    expect(await tidyRunCommands({ windowId: 'w-tidy', vmIds: [vm] })).toEqual({ ok: true, vms: [{ vmId: vm, ok: true, deleted: [finished, failed], running: 1 }] });
    expect((await c.listRunCommands(vm)).map((r) => r.name).sort()).toEqual([otherWindow, 'ops-hotfix-1', running].sort());
    const deletes = await env.calls({ listener: 'arm', method: 'DELETE', path: '*/IC-Web7/runCommands/*' });
    expect(deletes.map((d) => d.status)).toEqual([200, 200]);

    // Run again (a retry, or the next window): nothing more to delete while the run is still going.
    expect(await tidyRunCommands({ windowId: 'w-tidy', vmIds: [vm] })).toEqual({ ok: true, vms: [{ vmId: vm, ok: true, deleted: [], running: 1 }] });
    expect(await env.calls({ listener: 'arm', method: 'DELETE', path: '*/IC-Web7/runCommands/*' })).toHaveLength(2);

    // Once it ends, the next tidy takes it too.
    env.clock.advance(60_000);
    expect(await tidyRunCommands({ windowId: 'w-tidy', vmIds: [vm] })).toEqual({ ok: true, vms: [{ vmId: vm, ok: true, deleted: [running], running: 0 }] });
  });

  it('a run already gone is no error, and a VM that cannot be listed is a failure naming it, never a throw', async () => {
    await expect(compute().beginDeleteRunCommand(vmId('IC-Web7'), 'mw-never-was')).resolves.toBeUndefined();
    expect(await env.calls({ listener: 'arm', method: 'DELETE', path: '*/runCommands/mw-never-was' })).toMatchObject([{ status: 204 }]);
    // The VM that cannot be listed fails alone; the one after it in the same call is still tidied.
    const result = await activities().tidyRunCommands({ windowId: 'w-tidy', vmIds: [vmId('IC-Web99'), vmId('IC-Web7')] });
    expect(result.vms).toMatchObject([{ vmId: vmId('IC-Web99'), ok: false, message: expect.stringContaining('IC-Web99') }, { vmId: vmId('IC-Web7'), ok: true }]);
  });

  it("a take-down's machines by name: their VMs from configuration, an unconfigured one a failure naming it", async () => {
    const c = compute();
    const vm = vmId('IC-Web8');
    const ours = runCommandName('w-hosts', 'run-1:svc:worker-a');
    await c.beginRunCommand(vm, { script: ['Write-Output "ok"'], shell: 'powershell', parameters: {} }, ours);
    env.clock.advance(60_000);
    const hosts = {
      vmIdOf: (node: string) => {
        if (node === 'worker-a') return vm;
        throw Object.assign(new Error(`no Azure VM configured for ${node}: set MW_WINDOWS_VM_ID_TEMPLATE or MW_WINDOWS_VMS`), { code: 'NotConfigured' });
      },
    };
    const { tidyRunCommands } = estateActivities({ ports: { compute: c, hosts } as unknown as ActivityDeps['ports'], store: {} as ActivityDeps['store'], windows: {} as ActivityDeps['windows'] });
    const result = await tidyRunCommands({ windowId: 'w-hosts', vmIds: [], nodes: ['worker-a', 'worker-z'] });
    expect(result.vms).toMatchObject([
      { vmId: vm, ok: true, deleted: [ours], running: 0 },
      { vmId: 'worker-z', ok: false, message: expect.stringContaining('worker-z') },
    ]);
    expect((await c.listRunCommands(vm)).map((r) => r.name)).not.toContain(ours);
  });
});
