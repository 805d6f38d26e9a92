import { AzureComputeClient } from '../../../shared/adapters/azure/compute';
import { RunCommandWindowsHosts } from '../../../shared/adapters/azure/windows';
import { estate, type ArmStateView } from '../sandbox/azure/harness';
import { expectPermanent, useAdapterSandbox } from './harness';

const SUB = estate.subscriptionId;
const vmIdOf = (node: string): string => `/subscriptions/${SUB}/resourceGroups/RG-BILLPAY-PRD/providers/Microsoft.Compute/virtualMachines/${node}`;
const env = useAdapterSandbox();

/** The adapter as composition builds it; waiting moves the sandbox's virtual clock (a run command takes 20 s there). */
function hosts(): RunCommandWindowsHosts {
  const compute = new AzureComputeClient({ credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem, retry: { maxRetries: 0 } });
  return new RunCommandWindowsHosts({ compute, vmIdOf, pollIntervalInMs: 10_000, sleep: async (ms) => env.clock.advance(ms) });
}

const vm = async (name: string) => (await env.state<ArmStateView['arm']>('arm')).virtualMachines[name];

describe('RunCommandWindowsHosts: worker services and scheduled tasks through Azure Run Command', () => {
  it('reads, disables and puts back exactly what was there, one PowerShell script per call', async () => {
    const h = hosts();
    const services = ['BillPay.PaymentProcessor', 'BillPay.FileImportWorker'];
    // One at a time: Azure runs one command per VM (a second one meanwhile is refused with 409).
    const before = [];
    for (const s of services) before.push(await h.getService('bp-worker-02', s));
    // The standby FileImportWorker is off by design on bp-worker-02.
    expect(before).toEqual([
      { startType: 'Automatic', running: true },
      { startType: 'Manual', running: false },
    ]);
    for (const s of services) expect(await h.setService('bp-worker-02', s, { startType: 'Disabled', running: false })).toEqual({ startType: 'Disabled', running: false });
    expect((await vm('bp-worker-02'))?.startTypes).toMatchObject({ 'BillPay.PaymentProcessor': 'Disabled', 'BillPay.FileImportWorker': 'Disabled' });
    expect((await vm('bp-worker-02'))?.services).toMatchObject({ 'BillPay.PaymentProcessor': 'Stopped', 'BillPay.FileImportWorker': 'Stopped' });

    // A retried disable is a no-op; the restore puts back each one's own state.
    await h.setService('bp-worker-02', 'BillPay.PaymentProcessor', { startType: 'Disabled', running: false });
    for (const [i, s] of services.entries()) await h.setService('bp-worker-02', s, before[i]!);
    expect((await vm('bp-worker-02'))?.services).toMatchObject({ 'BillPay.PaymentProcessor': 'Running', 'BillPay.FileImportWorker': 'Stopped' });
    expect((await vm('bp-worker-02'))?.startTypes).toMatchObject({ 'BillPay.PaymentProcessor': 'Automatic', 'BillPay.FileImportWorker': 'Manual' });

    // What went over the wire: one named managed run command per call, the name as a parameter, never in the script.
    const puts = await env.calls({ listener: 'arm', method: 'PUT', path: '*/virtualMachines/bp-worker-02/runCommands/*' });
    expect(new Set(puts.map((c) => c.path)).size).toBe(puts.length);
    const disable = (puts[2]?.body as { properties: { source: { script: string }; protectedParameters: { name: string; value: string }[]; asyncExecution: boolean } }).properties;
    expect(disable.asyncExecution).toBe(true);
    expect(disable.protectedParameters.map((p) => p.name)).toEqual(['Name']);
    expect(disable.source.script.split('\n')).toEqual([
      'param([string]$Name, [string]$Path)',
      "$ErrorActionPreference = 'Stop'",
      'Stop-Service -Name $Name -Force',
      'Set-Service -Name $Name -StartupType Disabled',
      'Get-Service -Name $Name | Select-Object -Property Name, Status, StartType | ConvertTo-Json -Compress',
    ]);
    expect(disable.source.script).not.toContain('BillPay');

    // Each in-place call deletes its run command once it has its answer: none is left on the VM.
    const deletes = await env.calls({ listener: 'arm', method: 'DELETE', path: '*/virtualMachines/bp-worker-02/runCommands/*' });
    expect(deletes.map((c) => c.path).sort()).toEqual(puts.map((c) => c.path).sort());
    expect(((await vm('bp-worker-02')) as unknown as { runCommands: string[] }).runCommands).toEqual([]);
  });

  it('disables and re-enables scheduled tasks by name or folder path, and leaves an already-disabled one alone when told', async () => {
    const h = hosts();
    expect(await h.getScheduledTask('bp-sched-01', 'BillPay-NightlySettlement')).toEqual({ enabled: true });
    expect(await h.getScheduledTask('bp-sched-01', '\\BillPay\\BillPay-ReportExport')).toEqual({ enabled: false });
    expect(await h.setScheduledTask('bp-sched-01', 'BillPay-NightlySettlement', false)).toEqual({ enabled: false });
    expect((await vm('bp-sched-01'))?.scheduledTasks).toEqual({ 'BillPay\\BillPay-NightlySettlement': false, 'BillPay\\BillPay-PaymentReminders': true, 'BillPay\\BillPay-ReportExport': false });
    expect(await h.setScheduledTask('bp-sched-01', '\\BillPay\\BillPay-NightlySettlement', true)).toEqual({ enabled: true });
    expect((await vm('bp-sched-01'))?.scheduledTasks['BillPay\\BillPay-NightlySettlement']).toBe(true);
  });

  it('reports a missing service, task or machine as a permanent error naming it', async () => {
    const h = hosts();
    await expectPermanent(h.setService('bp-worker-01', 'NoSuch.Service', { startType: 'Disabled', running: false }), /could not disable service NoSuch\.Service on bp-worker-01: Stop-Service : Cannot find any service/);
    await expectPermanent(h.setScheduledTask('bp-sched-01', 'NoSuchTask', false), /could not disable scheduled task NoSuchTask on bp-sched-01: Get-ScheduledTask : No MSFT_ScheduledTask/);
    await expectPermanent(h.getService('bp-worker-99', 'X'), /404 ResourceNotFound/);
    // Starting a disabled service fails on Windows: the restore sets the start type first.
    await h.setService('bp-worker-01', 'BillPay.NotificationWorker', { startType: 'Disabled', running: false });
    expect(await h.setService('bp-worker-01', 'BillPay.NotificationWorker', { startType: 'Automatic', running: true })).toEqual({ startType: 'Automatic', running: true });
  });
});
