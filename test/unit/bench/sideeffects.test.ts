import { sideEffects } from '../../../bench/chaos';
import { runPowerShell } from '../../../sandbox/azure/runscript';
import type { VmState } from '../../../sandbox/azure/model';
import { RECYCLE_IIS } from '../../../shared/orchestrations/contracts';

/**
 * The side effects bench/chaos.ts and bench/faults.ts compare with an undisturbed run. A Run
 * Command script run again after a lost reply must show when it recycled IIS again, and must not
 * when it only set the same state again.
 */

function vm(): VmState {
  return { services: { W3SVC: 'Running', Spooler: 'Running' }, startTypes: {}, scheduledTasks: {}, appPools: { DefaultAppPool: { recycles: 0 } }, commands: [] } as unknown as VmState;
}

/** Runs each script on the VM as the simulated estate does, keeping its record. */
function run(target: VmState, ...scripts: string[][]): VmState {
  for (const [i, script] of scripts.entries()) {
    const outcome = runPowerShell(target, script, [], `2025-06-22T12:0${i}:00.000Z`);
    target.commands.push({ operationId: `op-${i}`, commandId: 'RunPowerShellScript', at: `2025-06-22T12:0${i}:00.000Z`, exitCode: outcome.exitCode, effects: outcome.effects });
  }
  return target;
}

function report(vms: Record<string, VmState>) {
  return { estate: { arm: { virtualMachines: vms }, slack: { channels: [] }, devops: { runs: [] }, keyvault: { secrets: {} }, mailgun: { keys: [], deleted: [] }, cloudflare: {}, pingdom: {}, opsgenie: {} } };
}

it('counts each IIS recycle a Run Command script made, per VM', () => {
  const once = sideEffects(report({ 'IC-Web1': run(vm(), RECYCLE_IIS), 'IC-Web2': run(vm(), ['Restart-WebAppPool -Name DefaultAppPool']) }));
  const twice = sideEffects(report({ 'IC-Web1': run(vm(), RECYCLE_IIS, RECYCLE_IIS), 'IC-Web2': run(vm(), ['Restart-WebAppPool -Name DefaultAppPool']) }));
  expect(once['IIS recycles on IC-Web1']).toBe(1);
  expect(once['IIS recycles on IC-Web2']).toBe(1);
  expect(twice['IIS recycles on IC-Web1']).toBe(2);
});

it('does not count a state-setting script run again (same state), nor a failed recycle', () => {
  const r = sideEffects(report({ 'IC-App1': run(vm(), ['Stop-Service -Name Spooler'], ['Stop-Service -Name Spooler'], ['Restart-WebAppPool -Name NoSuchPool']) }));
  expect(r['IIS recycles on IC-App1']).toBe(0);
});
