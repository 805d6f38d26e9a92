import type { ControlTarget, FaultTarget } from '../core/extensions';
import type { SandboxService, ServiceContext } from '../core/types';
import { registerAlertRules } from './alerts';
import { registerCompute } from './compute';
import { isoOf, azureModelFor, partsOfWholeState, type AzureModel } from './model';
import { registerNetwork } from './network';
import { registerPermissions, registerPermissionsControl } from './permissions';
import { registerPoolControl } from './poolControl';

/** Pool members named by VM where the address is a known VM's IP. */
function members(model: AzureModel, addresses: { ipAddress?: string; fqdn?: string }[]): string[] {
  return addresses.map((a) => (a.ipAddress ? (model.vmByIp(a.ipAddress)?.name ?? a.ipAddress) : (a.fqdn ?? '')));
}

/** The ARM view in /_sandbox/state: what a test asserts after driving the SDKs. */
export function armSnapshot(model: AzureModel): unknown {
  model.advance();
  const now = model.now();
  return {
    subscriptionId: model.subscriptionId,
    virtualMachines: Object.fromEntries(
      [...model.vms.values()].map((vm) => [
        vm.name,
        {
          resourceGroup: vm.resourceGroup,
          role: vm.role,
          privateIp: vm.privateIp,
          powerState: vm.powerState,
          rebooting: vm.rebootingUntil !== undefined && vm.rebootingUntil > now,
          healthy: model.isHealthy(vm),
          patchLevel: vm.patchLevel,
          pendingPatches: vm.patch.pending.map((p) => p.kbId),
          rebootPending: vm.rebootPending,
          busyOperationId: vm.busyOperationId ?? null,
          patchHistory: vm.history,
          services: vm.services,
          startTypes: Object.fromEntries(Object.keys(vm.services).map((name) => [name, vm.startTypes[name] ?? 'Automatic'])),
          scheduledTasks: vm.scheduledTasks,
          appPools: vm.appPools,
          commands: vm.commands,
          /** Names of the managed run commands the VM holds (they stay until deleted). */
          runCommands: Object.values(vm.runCommands).map((r) => r.name),
        },
      ]),
    ),
    applicationGateways: Object.fromEntries(
      [...model.gateways.values()].map((g) => [
        g.name,
        {
          provisioningState: g.updatingUntil !== undefined && g.updatingUntil > now ? 'Updating' : 'Succeeded',
          updates: g.updates,
          conflictMode: g.conflictMode,
          pools: Object.fromEntries(
            ((g.properties.backendAddressPools as { name: string; properties?: { backendAddresses?: { ipAddress?: string; fqdn?: string }[] } }[] | undefined) ?? []).map((p) => [
              p.name,
              members(model, p.properties?.backendAddresses ?? []),
            ]),
          ),
        },
      ]),
    ),
    loadBalancers: Object.fromEntries(
      [...model.loadBalancers.values()].map((lb) => [
        lb.name,
        {
          frontendIp: lb.frontendIp,
          pools: Object.fromEntries(
            Object.values(lb.pools).map((p) => {
              const key = model.lbPoolKey(lb.resourceGroup, lb.name, p.name);
              // NIC-based pools: the VMs whose NIC names the pool.
              const names = p.backend === 'nic' ? [...model.vms.values()].filter((vm) => vm.nicPools.includes(key)).map((vm) => vm.name) : members(model, p.addresses.map((a) => a.properties));
              return [p.name, names];
            }),
          ),
        },
      ]),
    ),
    alertProcessingRules: Object.fromEntries([...model.alertRules.values()].map((r) => [String(r.name), { id: r.id, properties: r.properties }])),
    operations: model.operationList().map((o) => ({ id: o.id, kind: o.kind, vm: o.vm ?? null, resourceId: o.resourceId, status: o.status, startedAt: isoOf(o.startedAt), endsAt: isoOf(o.endsAt), error: o.error ?? null })),
  };
}

/** The 'arm' listener's service: Compute, Network, AlertsManagement and Authorization (permissions) over one Resource Manager. */
export function createArmService(ctx: ServiceContext): SandboxService & FaultTarget & ControlTarget {
  const model = azureModelFor(ctx);
  return {
    name: 'arm',
    faultKinds: ['vm'],
    register: (router) => {
      registerCompute(router, model);
      registerNetwork(router, model);
      registerAlertRules(router, model);
      registerPermissions(router, model);
    },
    registerControl: (router) => {
      registerPermissionsControl(router, model);
      registerPoolControl(router, model);
    },
    snapshot: () => armSnapshot(model),
    parts: model.parts,
    // A rehearsal folder saved before the estate kept parts (resumed after an upgrade).
    load: (saved) => model.parts.load(partsOfWholeState(saved)),
    addFault: (spec) => model.addVmFault(spec),
    removeFault: (id) => model.removeVmFault(id),
    clearFaults: () => model.clearVmFaults(),
    listFaults: () => model.vmFaults.map((f) => ({ ...f })),
  };
}
