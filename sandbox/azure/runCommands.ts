import type { VirtualMachineRunCommand } from '@azure/arm-compute';
import { z } from 'zod';
import type { Router, SandboxResponse } from '../core/types';
import { armRoute, type ArmRequest } from './armhttp';
import { ArmErrors } from './errors';
import { isoOf, type AzureModel, type ManagedRunCommandState, type OperationState, type VmState } from './model';
import { runPowerShell } from './runscript';
import type { ArmWire } from './wire';

/**
 * Managed run commands (VirtualMachineRunCommands_CreateOrUpdate and _GetByVirtualMachine,
 * sandbox/specs/azure-compute.yaml): a named child resource of the VM whose PUT runs a script and
 * whose GET with `$expand=instanceView` reports the run. A PUT of a name that exists runs the
 * script again here: the REST reference does not say it does not, so the app must never do it.
 * Checked against Azure/azure-rest-api-specs specification/compute/resource-manager/Microsoft.Compute/
 * Compute/stable/2026-03-01/ComputeRP.json @ 592911f3 (api-version 2026-03-01, MIT): paths, 200/201
 * and 200 responses, every body field, ExecutionState values.
 */

type RunCommandWire = ArmWire<VirtualMachineRunCommand, 'id' | 'name' | 'type' | 'location' | 'tags'>;

// Every field ComputeRP.json 2026-03-01 gives the PUT body, and no other: unknown fields are dropped, never echoed.
const Parameter = z.object({ name: z.string(), value: z.string() });
const ManagedIdentity = z.object({ clientId: z.string().optional(), objectId: z.string().optional() });
const RunCommandPut = z.object({
  location: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.object({
    source: z.object({
      script: z.string().optional(),
      scriptUri: z.string().optional(),
      commandId: z.string().optional(),
      scriptUriManagedIdentity: ManagedIdentity.optional(),
      scriptShell: z.enum(['Default', 'Powershell7']).optional(),
      galleryScriptReferenceId: z.string().optional(),
    }),
    parameters: z.array(Parameter).optional(),
    protectedParameters: z.array(Parameter).optional(),
    asyncExecution: z.boolean().optional(),
    runAsUser: z.string().optional(),
    runAsPassword: z.string().optional(),
    timeoutInSeconds: z.number().int().nonnegative().optional(),
    outputBlobUri: z.string().optional(),
    errorBlobUri: z.string().optional(),
    outputBlobManagedIdentity: ManagedIdentity.optional(),
    errorBlobManagedIdentity: ManagedIdentity.optional(),
    treatFailureAsDeploymentFailure: z.boolean().optional(),
  }),
});
type RunCommandPut = z.infer<typeof RunCommandPut>;

/** What the finished run left: the instance view's exitCode, output and error. */
interface RunResult {
  exitCode: number;
  output: string;
  error: string;
}

/** What the Compute routes share with these. */
export interface VmRouteHelpers {
  findVm: (req: ArmRequest) => VmState | SandboxResponse;
  isVm: (x: VmState | SandboxResponse) => x is VmState;
  busyConflict: (vm: VmState, action: string) => SandboxResponse | undefined;
  vmId: (vm: VmState) => string;
}

const RUN_COMMAND_LIST = '/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.Compute/virtualMachines/:vm/runCommands';
const RUN_COMMANDS = `${RUN_COMMAND_LIST}/:runCommand`;

function invalid(error: z.ZodError): SandboxResponse {
  const issue = error.issues[0];
  const target = issue ? issue.path.join('.') : '';
  return { status: 400, body: { error: { code: 'InvalidParameter', message: `Parameter '${target}' is invalid: ${issue?.message ?? 'invalid'}`, target } } };
}

/**
 * The spec's provisioningState: Succeeded once the run is over (at once with asyncExecution), and
 * Failed for a failed script only when treatFailureAsDeploymentFailure is set.
 */
function provisioningStateOf(run: ManagedRunCommandState, asyncExecution: boolean, done: boolean, executionState: string): string {
  if (done && executionState === 'Failed' && run.properties.treatFailureAsDeploymentFailure === true) return 'Failed';
  return asyncExecution || done ? 'Succeeded' : 'Creating';
}

/** executionState as Azure reports it: Running while the operation runs, then Succeeded, or Failed for a non-zero exit. */
function runWire(model: AzureModel, vm: VmState, run: ManagedRunCommandState, vmResourceId: string, withInstanceView: boolean): RunCommandWire {
  const op = model.operations.get(run.operationId);
  const result = op?.result as RunResult | undefined;
  const done = op !== undefined && op.status !== 'InProgress';
  const executionState = !done ? 'Running' : op.status === 'Failed' || (result?.exitCode ?? 0) !== 0 ? 'Failed' : 'Succeeded';
  const asyncExecution = run.properties.asyncExecution === true;
  // Azure never returns protected parameters or the run-as password.
  const { protectedParameters: _protected, runAsPassword: _password, ...shown } = run.properties;
  return {
    id: `${vmResourceId}/runCommands/${run.name}`,
    name: run.name,
    type: 'Microsoft.Compute/virtualMachines/runCommands',
    location: run.location,
    ...(run.tags ? { tags: run.tags } : {}),
    properties: {
      ...(shown as NonNullable<RunCommandWire['properties']>),
      provisioningState: provisioningStateOf(run, asyncExecution, done, executionState),
      ...(withInstanceView && op
        ? {
            instanceView: {
              executionState,
              ...(done ? { executionMessage: executionState === 'Succeeded' ? 'Execution completed' : 'Execution failed', exitCode: result?.exitCode ?? 1, output: result?.output ?? '', error: result?.error ?? '' } : {}),
              startTime: isoOf(op.startedAt),
              ...(done ? { endTime: isoOf(op.endsAt) } : {}),
            },
          }
        : {}),
    },
  };
}

/** Runs the script at the end of the operation, as RunPowerShellScript does (Windows); other sources are not simulated. */
function installFinisher(model: AzureModel): void {
  model.finishers.set('managedRunCommand', (op: OperationState) => {
    const vm = op.vm ? model.vm(op.vm) : undefined;
    if (!vm) return;
    const body = op.input as RunCommandPut;
    const script = body.properties.source.script;
    const params = [...(body.properties.parameters ?? []), ...(body.properties.protectedParameters ?? [])];
    const outcome =
      vm.osType === 'Windows' && script !== undefined
        ? runPowerShell(vm, script.split('\n'), params, isoOf(op.endsAt))
        : { stdout: '', stderr: 'This run command source is not simulated.', exitCode: 1, effects: [] };
    vm.commands.push({ operationId: op.id, commandId: 'RunCommands', at: isoOf(op.endsAt), exitCode: outcome.exitCode, effects: outcome.effects });
    const result: RunResult = { exitCode: outcome.exitCode, output: outcome.stdout, error: outcome.stderr };
    op.result = result;
  });
}

/**
 * Registers `PUT`, `GET` and `DELETE .../virtualMachines/{vm}/runCommands/{runCommandName}` and the
 * list `GET .../runCommands` (VirtualMachineRunCommands_ListByVirtualMachine: `value`, one page).
 * DELETE answers 200 and the run is gone at once (the spec also allows 202 with a Location to
 * follow), 204 when there was none, as ARM deletes do.
 */
export function registerRunCommands(router: Router, model: AzureModel, h: VmRouteHelpers): void {
  installFinisher(model);
  armRoute(router, model, 'PUT', RUN_COMMANDS, (req) => {
    const vm = h.findVm(req);
    if (!h.isVm(vm)) return vm;
    const body = RunCommandPut.safeParse(req.body);
    if (!body.success) return invalid(body.error);
    const conflict = h.busyConflict(vm, 'runCommands');
    if (conflict) return conflict;
    const name = req.params.runCommand ?? '';
    const existed = vm.runCommands[name.toLowerCase()] !== undefined;
    const op = model.startOperation({ kind: 'managedRunCommand', provider: 'Microsoft.Compute', resourceId: h.vmId(vm), vm: vm.name, input: body.data }, (model.estate?.actionSeconds.runCommand ?? 20) * 1000);
    const run: ManagedRunCommandState = { name, location: body.data.location, ...(body.data.tags ? { tags: body.data.tags } : {}), properties: body.data.properties, operationId: op.id };
    vm.runCommands[name.toLowerCase()] = run;
    return { status: existed ? 200 : 201, body: runWire(model, vm, run, h.vmId(vm), false) };
  });
  armRoute(router, model, 'GET', RUN_COMMANDS, (req) => {
    const vm = h.findVm(req);
    if (!h.isVm(vm)) return vm;
    const run = vm.runCommands[(req.params.runCommand ?? '').toLowerCase()];
    if (!run) return ArmErrors.resourceNotFound(`Microsoft.Compute/virtualMachines/${vm.name}/runCommands`, req.params.runCommand ?? '', vm.resourceGroup);
    return { status: 200, body: runWire(model, vm, run, h.vmId(vm), (req.query.get('$expand') ?? '').toLowerCase() === 'instanceview') };
  });
  armRoute(router, model, 'GET', RUN_COMMAND_LIST, (req) => {
    const vm = h.findVm(req);
    if (!h.isVm(vm)) return vm;
    const expand = (req.query.get('$expand') ?? '').toLowerCase() === 'instanceview';
    return { status: 200, body: { value: Object.values(vm.runCommands).map((run) => runWire(model, vm, run, h.vmId(vm), expand)) } };
  });
  armRoute(router, model, 'DELETE', RUN_COMMANDS, (req) => {
    const vm = h.findVm(req);
    if (!h.isVm(vm)) return vm;
    const key = (req.params.runCommand ?? '').toLowerCase();
    if (!vm.runCommands[key]) return { status: 204 };
    delete vm.runCommands[key];
    return { status: 200 };
  });
}
