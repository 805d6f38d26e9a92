import type {
  InstanceViewStatus,
  PatchInstallationDetail,
  RunCommandResult,
  VirtualMachine,
  VirtualMachineAssessPatchesResult,
  VirtualMachineInstallPatchesResult,
  VirtualMachineInstanceView,
  VirtualMachineSoftwarePatchProperties,
} from '@azure/arm-compute';
import { z } from 'zod';
import type { Router, SandboxResponse } from '../core/types';
import { armRoute, armUrl, page, parseIsoDuration, type ArmRequest } from './armhttp';
import { ArmErrors, armError } from './errors';
import { guidOf, isoOf, type AzureModel, type OperationState, type VmState } from './model';
import { runPowerShell } from './runscript';
import { registerRunCommands } from './runCommands';
import type { ArmList, ArmWire, Jsonify } from './wire';

type VmEnvelope = 'id' | 'name' | 'type' | 'location' | 'tags' | 'zones' | 'etag';
/** A VM on the wire, checked against @azure/arm-compute's VirtualMachine. */
export type VirtualMachineWire = ArmWire<VirtualMachine, VmEnvelope>;
type InstanceViewWire = Jsonify<VirtualMachineInstanceView>;
type InstallResultWire = Jsonify<VirtualMachineInstallPatchesResult>;
type AssessResultWire = Jsonify<VirtualMachineAssessPatchesResult>;
type RunCommandResultWire = Jsonify<RunCommandResult>;
type StatusWire = Jsonify<InstanceViewStatus>;

/** VMs per list page: small so the SDK's nextLink paging is exercised on the default estate. */
export const VM_PAGE_SIZE = 8;

const VMS = '/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.Compute/virtualMachines';

const InstallPatchesBody = z.object({
  maximumDuration: z.string().refine((d) => parseIsoDuration(d) !== undefined, 'must be an ISO 8601 duration such as PT4H'),
  rebootSetting: z.enum(['IfRequired', 'Never', 'Always']),
  windowsParameters: z
    .object({
      classificationsToInclude: z.array(z.string()).optional(),
      kbNumbersToInclude: z.array(z.string()).optional(),
      kbNumbersToExclude: z.array(z.string()).optional(),
      excludeKbsRequiringReboot: z.boolean().optional(),
      maxPatchPublishDate: z.string().optional(),
    })
    .optional(),
  linuxParameters: z.object({ classificationsToInclude: z.array(z.string()).optional(), packageNameMasksToInclude: z.array(z.string()).optional(), packageNameMasksToExclude: z.array(z.string()).optional() }).optional(),
});
type InstallPatchesBody = z.infer<typeof InstallPatchesBody>;

const RunCommandBody = z.object({
  commandId: z.string().min(1),
  script: z.array(z.string()).optional(),
  parameters: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
});
type RunCommandBody = z.infer<typeof RunCommandBody>;

/** ARM's 400 for a body that fails validation: names the field. */
function invalidParameter(error: z.ZodError): SandboxResponse {
  const issue = error.issues[0];
  const target = issue ? issue.path.join('.') : '';
  return { status: 400, body: { error: { code: 'InvalidParameter', message: `Parameter '${target}' is invalid: ${issue?.message ?? 'invalid'}`, target } } };
}

function vmId(model: AzureModel, vm: VmState): string {
  return `/subscriptions/${model.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`;
}

function status(code: string, displayStatus: string, time?: string, message?: string): StatusWire {
  return { code, level: 'Info', displayStatus, ...(time ? { time } : {}), ...(message !== undefined ? { message } : {}) };
}

function powerStatus(model: AzureModel, vm: VmState): StatusWire {
  if (vm.rebootingUntil !== undefined && vm.rebootingUntil > model.now()) return status('PowerState/starting', 'VM starting');
  return vm.powerState === 'running' ? status('PowerState/running', 'VM running') : vm.powerState === 'stopped' ? status('PowerState/stopped', 'VM stopped') : status('PowerState/deallocated', 'VM deallocated');
}

/** The instanceView the SDK deserializes into VirtualMachineInstanceView. */
export function instanceViewOf(model: AzureModel, vm: VmState): InstanceViewWire {
  const busy = vm.busyOperationId ? model.operations.get(vm.busyOperationId) : undefined;
  const lastInstall = [...vm.history].reverse().find((h) => h.kind === 'installPatches');
  const critical = vm.patch.pending.filter((p) => p.classifications.some((c) => /critical|security/i.test(c))).length;
  return {
    computerName: vm.name,
    osName: vm.osType === 'Windows' ? 'Windows Server 2022 Datacenter' : 'Ubuntu',
    osVersion: vm.osType === 'Windows' ? '10.0.20348' : '22.04',
    hyperVGeneration: 'V2',
    vmAgent: { vmAgentVersion: '2.7.41491.1102', statuses: [status('ProvisioningState/succeeded', 'Ready', isoOf(model.now()), 'GuestAgent is running and processing the extensions.')] },
    statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded', vm.createdAt), powerStatus(model, vm)],
    patchStatus: {
      availablePatchSummary: {
        status: vm.lastAssessment ? 'Succeeded' : 'Unknown',
        ...(vm.lastAssessment ? { assessmentActivityId: vm.lastAssessment.operationId, lastModifiedTime: vm.lastAssessment.at } : {}),
        rebootPending: vm.rebootPending,
        criticalAndSecurityPatchCount: critical,
        otherPatchCount: vm.patch.pending.length - critical,
      },
      lastPatchInstallationSummary: lastInstall
        ? {
            status: lastInstall.status === 'OperationFailed' ? 'Failed' : lastInstall.status,
            installationActivityId: lastInstall.operationId,
            maintenanceWindowExceeded: false,
            notSelectedPatchCount: 0,
            excludedPatchCount: 0,
            pendingPatchCount: vm.patch.pending.length,
            installedPatchCount: lastInstall.installed.length,
            failedPatchCount: lastInstall.failed.length,
            startTime: lastInstall.startedAt,
            lastModifiedTime: lastInstall.endedAt,
          }
        : { status: busy?.kind === 'installPatches' ? 'InProgress' : 'Unknown' },
    },
  };
}

/** A VM resource as GET returns it. */
export function vmWire(model: AzureModel, vm: VmState, withInstanceView: boolean): VirtualMachineWire {
  const id = vmId(model, vm);
  return {
    id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: model.location,
    tags: vm.tags,
    ...(vm.zone ? { zones: [vm.zone] } : {}),
    etag: `"${vm.history.length + vm.commands.length + 1}"`,
    properties: {
      vmId: vm.vmId,
      hardwareProfile: { vmSize: vm.size },
      storageProfile: {
        osDisk: { osType: vm.osType, name: `${vm.name}_OsDisk_1`, createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Premium_LRS' }, diskSizeGB: 127 },
        dataDisks: [],
      },
      osProfile: {
        computerName: vm.name,
        adminUsername: 'azureadmin',
        ...(vm.osType === 'Windows'
          ? { windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: false, patchSettings: { patchMode: 'Manual', assessmentMode: 'ImageDefault' } } }
          : { linuxConfiguration: { provisionVMAgent: true, patchSettings: { patchMode: 'ImageDefault' } } }),
      },
      networkProfile: { networkInterfaces: [{ id: `/subscriptions/${model.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${vm.name}-nic` }] },
      provisioningState: 'Succeeded',
      timeCreated: vm.createdAt,
      ...(withInstanceView ? { instanceView: instanceViewOf(model, vm) } : {}),
    },
  };
}

/** 202 with Azure-AsyncOperation and Location, the way Compute starts its POST actions. */
function accepted(model: AzureModel, req: ArmRequest, op: OperationState): SandboxResponse {
  const path = `/subscriptions/${model.subscriptionId}/providers/${op.provider}/locations/${model.location}/operations/${op.id}`;
  const asyncUrl = armUrl(model, path, { 'api-version': req.apiVersion });
  return { status: 202, headers: { 'Azure-AsyncOperation': asyncUrl, Location: `${asyncUrl}&monitor=true` } };
}

function installResult(model: AzureModel, op: OperationState, vm: VmState): InstallResultWire {
  const input = op.input as InstallPatchesBody;
  const w = input.windowsParameters;
  const selected = selectPatches(vm, input);
  const notSelected = vm.patch.pending.length - selected.length;
  const maxMs = parseIsoDuration(input.maximumDuration) ?? Number.POSITIVE_INFINITY;
  const exceeded = vm.patch.durationMinutes * 60000 > maxMs;
  const fault = model.patchFailureFor(vm.name);
  const outcome = fault ? 'Failed' : exceeded ? 'CompletedWithWarnings' : vm.patch.outcome;
  const failing = outcome === 'Failed' ? selected : outcome === 'CompletedWithWarnings' && !exceeded ? selected.slice(0, 1) : [];
  const installed = exceeded ? [] : selected.filter((p) => !failing.includes(p));
  const needsReboot = installed.some((p) => p.rebootRequired) || input.rebootSetting === 'Always';
  const rebootStatus = installed.length === 0 && input.rebootSetting !== 'Always' ? 'NotNeeded' : !needsReboot ? 'NotNeeded' : input.rebootSetting === 'Never' ? 'Required' : 'Completed';
  const detail = (p: (typeof selected)[number], state: 'Installed' | 'Failed' | 'Pending'): Jsonify<PatchInstallationDetail> => ({
    patchId: guidOf(`patch:${p.kbId}`),
    name: p.name,
    version: '1.0',
    kbId: p.kbId,
    classifications: p.classifications,
    installationState: state,
  });
  return {
    status: outcome,
    installationActivityId: op.id,
    rebootStatus,
    maintenanceWindowExceeded: exceeded,
    excludedPatchCount: w?.kbNumbersToExclude?.length ?? 0,
    notSelectedPatchCount: notSelected,
    pendingPatchCount: exceeded ? selected.length : 0,
    installedPatchCount: installed.length,
    failedPatchCount: failing.length,
    patches: [...installed.map((p) => detail(p, 'Installed')), ...failing.map((p) => detail(p, 'Failed')), ...(exceeded ? selected.map((p) => detail(p, 'Pending')) : [])],
    startDateTime: isoOf(op.startedAt),
    ...(outcome === 'Failed' ? { error: { code: 'PatchInstallationFailed', message: `${failing.length} patch(es) failed to install on ${vm.name}.` } } : {}),
  };
}

function selectPatches(vm: VmState, input: InstallPatchesBody): VmState['patch']['pending'] {
  const w = input.windowsParameters;
  const classifications = w?.classificationsToInclude ?? input.linuxParameters?.classificationsToInclude;
  return vm.patch.pending.filter((p) => {
    const norm = (s: string): string => s.toLowerCase().replace(/^kb/, '');
    if (w?.kbNumbersToExclude?.some((k) => norm(k) === norm(p.kbId))) return false;
    if (w?.excludeKbsRequiringReboot && p.rebootRequired) return false;
    if (w?.kbNumbersToInclude?.some((k) => norm(k) === norm(p.kbId))) return true;
    if (!classifications || classifications.length === 0) return true;
    return p.classifications.some((c) => classifications.some((want) => want.toLowerCase() === c.toLowerCase()));
  });
}

/** Installs the finishers that turn due operations into results and VM state changes. */
function installFinishers(model: AzureModel): void {
  model.finishers.set('installPatches', (op) => {
    const vm = op.vm ? model.vm(op.vm) : undefined;
    if (!vm) return;
    const result = installResult(model, op, vm);
    const fault = model.patchFailureFor(vm.name);
    const levelBefore = vm.patchLevel;
    const installedKbs = (result.patches ?? []).filter((p) => p.installationState === 'Installed').map((p) => p.kbId ?? '');
    const failedKbs = (result.patches ?? []).filter((p) => p.installationState === 'Failed').map((p) => p.kbId ?? '');
    vm.patch.pending = vm.patch.pending.filter((p) => !installedKbs.includes(p.kbId));
    if (result.status === 'Succeeded' && vm.patch.levelAfter) vm.patchLevel = vm.patch.levelAfter;
    vm.rebootPending = result.rebootStatus === 'Required';
    if (fault?.mode === 'operation') {
      op.status = 'Failed';
      op.error = { code: 'PatchInstallationFailed', message: `Patch installation failed on VM '${vm.name}': the Windows Update client reported an error (0x80240022).` };
    } else {
      op.result = result;
    }
    if (vm.probe.failAfterPatch) vm.probe.healthy = false;
    vm.history.push({
      operationId: op.id,
      kind: 'installPatches',
      startedAt: isoOf(op.startedAt),
      endedAt: isoOf(op.endsAt),
      status: op.status === 'Failed' ? 'OperationFailed' : (result.status ?? 'Unknown'),
      installed: installedKbs,
      failed: failedKbs,
      rebootStatus: result.rebootStatus ?? 'Unknown',
      levelBefore,
      levelAfter: vm.patchLevel,
    });
  });
  model.finishers.set('assessPatches', (op) => {
    const vm = op.vm ? model.vm(op.vm) : undefined;
    if (!vm) return;
    const critical = vm.patch.pending.filter((p) => p.classifications.some((c) => /critical|security/i.test(c)));
    const available: Jsonify<VirtualMachineSoftwarePatchProperties>[] = vm.patch.pending.map((p) => ({
      patchId: guidOf(`patch:${p.kbId}`),
      name: p.name,
      version: '1.0',
      kbId: p.kbId,
      classifications: p.classifications,
      rebootBehavior: p.rebootRequired ? 'AlwaysRequiresReboot' : 'NeverReboots',
      activityId: op.id,
      publishedDate: isoOf(op.startedAt - 7 * 24 * 3600 * 1000),
      lastModifiedDateTime: isoOf(op.endsAt),
      assessmentState: 'Available',
    }));
    const result: AssessResultWire = {
      status: 'Succeeded',
      assessmentActivityId: op.id,
      rebootPending: vm.rebootPending,
      criticalAndSecurityPatchCount: critical.length,
      otherPatchCount: vm.patch.pending.length - critical.length,
      startDateTime: isoOf(op.startedAt),
      availablePatches: available,
    };
    op.result = result;
    vm.lastAssessment = { at: isoOf(op.endsAt), operationId: op.id, available: vm.patch.pending.map((p) => p.kbId) };
    vm.history.push({
      operationId: op.id,
      kind: 'assessPatches',
      startedAt: isoOf(op.startedAt),
      endedAt: isoOf(op.endsAt),
      status: 'Succeeded',
      installed: [],
      failed: [],
      rebootStatus: 'NotNeeded',
      levelBefore: vm.patchLevel,
      levelAfter: vm.patchLevel,
    });
  });
  model.finishers.set('runCommand', (op) => {
    const vm = op.vm ? model.vm(op.vm) : undefined;
    if (!vm) return;
    const input = op.input as RunCommandBody;
    const outcome =
      input.commandId === 'RunPowerShellScript'
        ? runPowerShell(vm, input.script ?? [], input.parameters ?? [], isoOf(op.endsAt))
        : input.commandId === 'IPConfig'
          ? { stdout: `IPv4 Address. . . . . . . . . . . : ${vm.privateIp}`, stderr: '', exitCode: 0, effects: [] }
          : { stdout: '', stderr: `Command '${input.commandId}' is not simulated.`, exitCode: 1, effects: [] };
    vm.commands.push({ operationId: op.id, commandId: input.commandId, at: isoOf(op.endsAt), exitCode: outcome.exitCode, effects: outcome.effects });
    const result: RunCommandResultWire = {
      value: [
        status('ComponentStatus/StdOut/succeeded', 'Provisioning succeeded', undefined, outcome.stdout),
        status('ComponentStatus/StdErr/succeeded', 'Provisioning succeeded', undefined, outcome.stderr),
      ],
    };
    op.result = result;
  });
  model.finishers.set('restart', (op) => {
    const vm = op.vm ? model.vm(op.vm) : undefined;
    if (!vm) return;
    vm.powerState = 'running';
    vm.rebootPending = false;
  });
}

/** Registers the Microsoft.Compute routes the app uses. */
export function registerCompute(router: Router, model: AzureModel): void {
  installFinishers(model);
  const byRg = (rg: string): VmState[] => [...model.vms.values()].filter((v) => v.resourceGroup.toLowerCase() === rg.toLowerCase());
  const rgExists = (rg: string): boolean =>
    byRg(rg).length > 0 ||
    [...model.gateways.values(), ...model.loadBalancers.values()].some((r) => r.resourceGroup.toLowerCase() === rg.toLowerCase()) ||
    model.estate?.virtualNetwork.resourceGroup.toLowerCase() === rg.toLowerCase();

  const findVm = (req: ArmRequest): VmState | SandboxResponse => {
    const rg = req.params.rg ?? '';
    const name = req.params.vm ?? '';
    if (!rgExists(rg)) return ArmErrors.resourceGroupNotFound(rg);
    const vm = model.vm(name);
    if (!vm || vm.resourceGroup.toLowerCase() !== rg.toLowerCase()) return ArmErrors.resourceNotFound('Microsoft.Compute/virtualMachines', name, rg);
    return vm;
  };
  const isVm = (x: VmState | SandboxResponse): x is VmState => 'vmId' in x;

  armRoute(router, model, 'GET', VMS, (req) => {
    const rg = req.params.rg ?? '';
    if (!rgExists(rg)) return ArmErrors.resourceGroupNotFound(rg);
    const body: ArmList<VirtualMachineWire> = page(model, req, byRg(rg).map((v) => vmWire(model, v, false)), VM_PAGE_SIZE);
    return { status: 200, body };
  });
  armRoute(router, model, 'GET', '/subscriptions/:sub/providers/Microsoft.Compute/virtualMachines', (req) => {
    const body: ArmList<VirtualMachineWire> = page(model, req, [...model.vms.values()].map((v) => vmWire(model, v, false)), VM_PAGE_SIZE);
    return { status: 200, body };
  });
  armRoute(router, model, 'GET', `${VMS}/:vm`, (req) => {
    const vm = findVm(req);
    if (!isVm(vm)) return vm;
    return { status: 200, body: vmWire(model, vm, (req.query.get('$expand') ?? '').toLowerCase() === 'instanceview') };
  });
  armRoute(router, model, 'GET', `${VMS}/:vm/instanceView`, (req) => {
    const vm = findVm(req);
    if (!isVm(vm)) return vm;
    return { status: 200, body: instanceViewOf(model, vm) };
  });

  const busyConflict = (vm: VmState, action: string): SandboxResponse | undefined => {
    const busy = vm.busyOperationId ? model.operations.get(vm.busyOperationId) : undefined;
    if (busy && busy.status === 'InProgress') {
      return ArmErrors.operationNotAllowed(`Operation '${action}' is not allowed on VM '${vm.name}' since VM is marked for '${busy.kind}' operation ${busy.id} that is still in progress. Retry after it completes.`);
    }
    if (vm.powerState !== 'running' && action !== 'start') return ArmErrors.operationNotAllowed(`Operation '${action}' is not allowed on VM '${vm.name}' since the VM is ${vm.powerState}.`);
    return undefined;
  };

  armRoute(router, model, 'POST', `${VMS}/:vm/installPatches`, (req) => {
    const vm = findVm(req);
    if (!isVm(vm)) return vm;
    const body = InstallPatchesBody.safeParse(req.body);
    if (!body.success) return invalidParameter(body.error);
    const conflict = busyConflict(vm, 'installPatches');
    if (conflict) return conflict;
    const maxMs = parseIsoDuration(body.data.maximumDuration) ?? 0;
    const duration = Math.min(vm.patch.durationMinutes * 60000, maxMs);
    const op = model.startOperation({ kind: 'installPatches', provider: 'Microsoft.Compute', resourceId: vmId(model, vm), vm: vm.name, input: body.data }, duration);
    return accepted(model, req, op);
  });
  armRoute(router, model, 'POST', `${VMS}/:vm/assessPatches`, (req) => {
    const vm = findVm(req);
    if (!isVm(vm)) return vm;
    const conflict = busyConflict(vm, 'assessPatches');
    if (conflict) return conflict;
    const op = model.startOperation({ kind: 'assessPatches', provider: 'Microsoft.Compute', resourceId: vmId(model, vm), vm: vm.name }, vm.patch.assessMinutes * 60000);
    return accepted(model, req, op);
  });
  armRoute(router, model, 'POST', `${VMS}/:vm/runCommand`, (req) => {
    const vm = findVm(req);
    if (!isVm(vm)) return vm;
    const body = RunCommandBody.safeParse(req.body);
    if (!body.success) return invalidParameter(body.error);
    const conflict = busyConflict(vm, 'runCommand');
    if (conflict) return conflict;
    const op = model.startOperation({ kind: 'runCommand', provider: 'Microsoft.Compute', resourceId: vmId(model, vm), vm: vm.name, input: body.data }, (model.estate?.actionSeconds.runCommand ?? 20) * 1000);
    return accepted(model, req, op);
  });
  registerRunCommands(router, model, { findVm, isVm, busyConflict, vmId: (vm) => vmId(model, vm) });
  armRoute(router, model, 'POST', `${VMS}/:vm/restart`, (req) => {
    const vm = findVm(req);
    if (!isVm(vm)) return vm;
    const conflict = busyConflict(vm, 'restart');
    if (conflict) return conflict;
    const ms = (model.estate?.actionSeconds.restart ?? 120) * 1000;
    const op = model.startOperation({ kind: 'restart', provider: 'Microsoft.Compute', resourceId: vmId(model, vm), vm: vm.name }, ms);
    model.rebootUntil(vm, model.now() + ms);
    return accepted(model, req, op);
  });

  armRoute(router, model, 'GET', '/subscriptions/:sub/providers/:provider/locations/:loc/operations/:id', (req) => {
    const op = model.operations.get(req.params.id ?? '');
    if (!op || op.provider.toLowerCase() !== (req.params.provider ?? '').toLowerCase()) return ArmErrors.operationNotFound(req.params.id ?? '');
    const monitor = req.query.get('monitor') === 'true';
    if (monitor) {
      // Location: 202 while running; then the result (Compute), or the failure as an ARM error.
      if (op.status === 'InProgress') return { status: 202, headers: { Location: armUrl(model, req.path, Object.fromEntries(req.query)) } };
      if (op.status === 'Failed' && op.error) return armError(500, op.error.code, op.error.message);
      return op.result === undefined ? { status: 200 } : { status: 200, body: op.result };
    }
    return {
      status: 200,
      body: {
        name: op.id,
        status: op.status,
        startTime: isoOf(op.startedAt),
        ...(op.status !== 'InProgress' ? { endTime: isoOf(op.endsAt) } : {}),
        ...(op.error ? { error: op.error } : {}),
        ...(op.status === 'Succeeded' && op.result !== undefined ? { properties: { output: op.result } } : {}),
      },
    };
  });
}
