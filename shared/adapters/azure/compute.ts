import { restorePoller, type ComputeManagementClient, type LastPatchInstallationSummary, type RunCommandResult, type VirtualMachineInstallPatchesParameters, type VirtualMachineRunCommand, type VirtualMachineInstallPatchesResult } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { OperationState, PollerLike } from '@azure/core-lro';
import { z } from 'zod';
import type { ComputeClient, PatchOutcome, PatchRequest, RunCommandOutcome, RunCommandRequest, RunCommandSummary, VmSummary } from '../../ports/compute';
import type { OperationProgress } from '../../ports/operations';
import { createComputeClient, createNetworkClient, type AzureClientOptions } from './client';
import { callAzure, isHttpError, isNotFound, toAzurePortError } from './errors';
import { parseResourceId, PerSubscription } from './ids';
import { packToken, readToken } from './resumeToken';

/** Options for {@link AzureComputeClient}: the same as the client factories'. */
export interface AzureComputeClientOptions extends AzureClientOptions {
  /** Resource Manager endpoint; default https://management.azure.com (the sandbox's ARM listener locally). */
  endpoint?: string;
}

/** Azure Update Manager refuses a maximumDuration over 235 minutes (PT3H55M). */
export const MAX_PATCH_MINUTES = 235;

/**
 * Which long-running VM operation a resume token belongs to. `installPatchesRunning`: an install
 * found already running on the VM (ours, whose first reply was lost), followed through the VM's
 * instance view because its operation URL is unknown. `runCommand`: a managed run command, whose
 * token state is the run command's name (followed by reading the named resource).
 */
type ComputeOperation = 'installPatches' | 'installPatchesRunning' | 'runCommand';

/**
 * The resume token: the SDK poller's serialized state (absolute operation URLs, so any process
 * with a client for the subscription can resume it) plus what it is and which VM it runs on.
 */
const ComputeToken = z.object({
  v: z.literal(1),
  op: z.enum(['installPatches', 'installPatchesRunning', 'runCommand']),
  vmId: z.string().min(1),
  state: z.string().min(1),
});
type ComputeToken = z.infer<typeof ComputeToken>;

function encodeToken(op: ComputeOperation, vmId: string, state: string): string {
  const token: ComputeToken = { v: 1, op, vmId, state };
  return packToken(token);
}

function decodeToken(resumeToken: string, op: ComputeOperation | ComputeOperation[]): ComputeToken {
  const token = readToken(resumeToken, ComputeToken, 'compute');
  const ops = Array.isArray(op) ? op : [op];
  if (!ops.includes(token.op)) throw new TypeError(`resumeToken belongs to a ${token.op} operation, not ${ops.join(' or ')}`);
  return token;
}

/** What core-lro throws when the operation itself ends Failed: "The long-running operation has failed. <code>. <message>". */
const LRO_FAILED = /^The long-running operation has failed(?:\. ([^.\s]+)\. ([\s\S]*))?/;

/** The failed-operation outcome from the poller's error. */
function operationFailure(e: unknown, fallbackCode: string): { state: 'failed'; code: string; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  const m = LRO_FAILED.exec(message);
  return { state: 'failed', code: m?.[1] ?? fallbackCode, message: (m?.[2] ?? message).split('\n')[0]?.slice(0, 500) ?? '' };
}

/** A managed run command's name: a resource name, as runCommandName (shared/activities/runNames.ts) makes them. */
const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

function checkRunName(runName: string): void {
  if (!RUN_NAME.test(runName)) throw new TypeError(`runName must be 1-80 letters, digits, '-', '_' or '.', starting with a letter or digit: got '${runName.slice(0, 100)}'`);
}

/**
 * Where a managed run command stands, from its instance view. Failed with an exit code is a
 * script that ran and exited non-zero: the outcome, for the caller to judge as before.
 */
function runProgress(run: VirtualMachineRunCommand, vm: string, runName: string, resumeToken: string): OperationProgress<RunCommandOutcome> {
  const view = run.instanceView;
  const state = view?.executionState ?? 'Unknown';
  const outcome = (): RunCommandOutcome => ({ exitCode: view?.exitCode ?? 0, stdout: view?.output ?? '', stderr: view?.error ?? '' });
  if (state === 'Succeeded') return { state: 'succeeded', result: outcome() };
  if (state === 'Failed' && view?.exitCode !== undefined && view.exitCode !== 0) return { state: 'succeeded', result: outcome() };
  if (state === 'Failed' || state === 'TimedOut' || state === 'Canceled' || run.provisioningState === 'Failed') {
    return { state: 'failed', code: `RunCommand${state}`, message: `run command ${runName} on ${vm} ended ${state}${view?.executionMessage ? `: ${view.executionMessage.slice(0, 300)}` : ''}` };
  }
  return { state: 'running', resumeToken };
}

/** "Script exited with code N." is how the action API's RunPowerShellScript reports a non-zero exit on StdErr. */
const EXIT_LINE = /Script exited with code (-?\d+)\./;

/**
 * The outcome of a run started through the action API (`POST .../runCommand`), as run commands
 * were before they were named: only a token written then, and still being polled, gets here.
 */
function actionRunOutcome(result: RunCommandResult): RunCommandOutcome {
  const text = (kind: string): string =>
    (result.value ?? [])
      .filter((s) => (s.code ?? '').split('/')[1]?.toLowerCase() === kind)
      .map((s) => s.message ?? '')
      .join('\n');
  const stderr = text('stderr');
  const exit = EXIT_LINE.exec(stderr);
  return { exitCode: exit ? Number(exit[1]) : 0, stdout: text('stdout'), stderr };
}

function toPatchOutcome(r: VirtualMachineInstallPatchesResult): PatchOutcome {
  return {
    status: r.status ?? 'Unknown',
    installedPatchCount: r.installedPatchCount ?? 0,
    failedPatchCount: r.failedPatchCount ?? 0,
    pendingPatchCount: r.pendingPatchCount ?? 0,
    rebootStatus: r.rebootStatus ?? 'Unknown',
    maintenanceWindowExceeded: r.maintenanceWindowExceeded ?? false,
    patches: (r.patches ?? []).map((p) => ({
      ...(p.kbId !== undefined ? { kbId: p.kbId } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(p.installationState !== undefined ? { installationState: p.installationState } : {}),
    })),
  };
}

/**
 * {@link ComputeClient} over @azure/arm-compute (modular 24.x) and @azure/arm-network (for the
 * VM's NIC). VMs are addressed by full resource id; one SDK client per subscription is kept.
 *
 * Long operations follow the start-then-check pattern: `begin*` sends only the POST and returns
 * the poller's serialized state in a small JSON token; `poll*` restores a poller from it (in any
 * process), sends one status request and returns running (with a fresh token), succeeded or failed.
 */
export class AzureComputeClient implements ComputeClient {
  private readonly compute: PerSubscription<ComputeManagementClient>;
  private readonly network: PerSubscription<NetworkManagementClient>;
  /** For the run command PUT only: the pipeline must not send it again after a lost reply. */
  private readonly computeOnce: PerSubscription<ComputeManagementClient>;

  constructor(options: AzureComputeClientOptions) {
    this.compute = new PerSubscription((sub) => createComputeClient(sub, options));
    this.computeOnce = new PerSubscription((sub) => createComputeClient(sub, { ...options, retry: { ...options.retry, maxRetries: 0 } }));
    this.network = new PerSubscription((sub) => createNetworkClient(sub, options));
  }

  /** Name, power state (from the instance view) and the private IP of the primary NIC's primary IP configuration. */
  async getVm(vmId: string): Promise<VmSummary> {
    const id = parseResourceId(vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    const vm = await callAzure(`get VM ${id.name}`, () => this.compute.get(id.subscriptionId).virtualMachines.get(id.resourceGroup, id.name, { expand: 'instanceView' }));
    const power = vm.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code?.slice('PowerState/'.length) ?? 'unknown';
    const nics = vm.networkProfile?.networkInterfaces ?? [];
    const nicId = (nics.find((n) => n.primary) ?? nics[0])?.id;
    let privateIp: string | undefined;
    if (nicId) {
      const nicRef = parseResourceId(nicId, 'Microsoft.Network', 'networkInterfaces', `network interface of ${id.name}`);
      const nic = await callAzure(`get network interface ${nicRef.name} of VM ${id.name}`, () => this.network.get(nicRef.subscriptionId).networkInterfaces.get(nicRef.resourceGroup, nicRef.name));
      const configs = nic.ipConfigurations ?? [];
      privateIp = (configs.find((c) => c.primary) ?? configs[0])?.privateIPAddress;
    }
    return { id: vm.id ?? vmId, name: vm.name ?? id.name, powerState: power, ...(privateIp ? { privateIp } : {}) };
  }

  /**
   * Starts Azure Update Manager's installPatches (the POST only). The VM is read first: Windows and
   * Linux take different parameters.
   */
  async beginInstallPatches(vmId: string, request: PatchRequest): Promise<string> {
    const id = parseResourceId(vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    const minutes = request.maximumDurationInMinutes;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_PATCH_MINUTES) throw new RangeError(`maximumDurationInMinutes must be a whole number from 1 to ${MAX_PATCH_MINUTES}: got ${minutes}`);
    const client = this.compute.get(id.subscriptionId);
    const vm = await callAzure(`get VM ${id.name}`, () => client.virtualMachines.get(id.resourceGroup, id.name));
    const linux = vm.storageProfile?.osDisk?.osType === 'Linux';
    if (linux && request.excludeKbs.length > 0) throw new TypeError(`excludeKbs applies to Windows VMs only; ${id.name} runs Linux`);
    const input: VirtualMachineInstallPatchesParameters = {
      maximumDuration: `PT${minutes}M`,
      rebootSetting: request.rebootSetting,
      ...(linux
        ? { linuxParameters: { classificationsToInclude: request.classifications } }
        : { windowsParameters: { classificationsToInclude: request.classifications, ...(request.excludeKbs.length > 0 ? { kbNumbersToExclude: request.excludeKbs } : {}) } }),
    };
    try {
      return await callAzure(`start installing patches on ${id.name}`, async () => {
        const poller = client.virtualMachines.installPatches(id.resourceGroup, id.name, input);
        await poller.submitted();
        return encodeToken('installPatches', vmId, await poller.serialize());
      });
    } catch (e) {
      // A retry whose first reply was lost: Azure refuses a second install while one runs (409
      // OperationNotAllowed). The running one is ours: follow it rather than fail the server.
      const refused = e as { statusCode?: number; code?: string; message?: string };
      const running = (refused.statusCode === 409 || refused.code === 'OperationNotAllowed') && /OperationNotAllowed/.test(refused.message ?? '');
      if (running && (await this.installSummary(client, id))?.status === 'InProgress') {
        return encodeToken('installPatchesRunning', vmId, 'instanceView');
      }
      throw e;
    }
  }

  /** The VM's last patch installation as its instance view reports it (`patchStatus.lastPatchInstallationSummary`). */
  private async installSummary(client: ComputeManagementClient, id: { resourceGroup: string; name: string }): Promise<LastPatchInstallationSummary | undefined> {
    // The same read as getVm (`$expand=instanceView`): no call or permission beyond it.
    const vm = await callAzure(`get VM ${id.name}`, () => client.virtualMachines.get(id.resourceGroup, id.name, { expand: 'instanceView' }));
    return vm.instanceView?.patchStatus?.lastPatchInstallationSummary;
  }

  /**
   * One status check. The operation failing is `state: 'failed'` with ARM's code; a result whose
   * status is Failed is too (nothing useful was installed), with the result's error when present.
   * Succeeded and CompletedWithWarnings come back as the outcome for the caller to judge.
   */
  async pollInstallPatches(resumeToken: string): Promise<OperationProgress<PatchOutcome>> {
    const token = decodeToken(resumeToken, ['installPatches', 'installPatchesRunning']);
    if (token.op === 'installPatchesRunning') return this.pollRunningInstall(token, resumeToken);
    const progress = await this.pollOnce(token, resumeToken, (c, state) => restorePoller(c, state, c.virtualMachines.installPatches));
    if (progress.state !== 'succeeded') return progress;
    const result = progress.result;
    if (result.status === 'Failed') {
      return { state: 'failed', code: result.error?.code ?? 'PatchInstallationFailed', message: result.error?.message ?? `installing patches failed (${result.failedPatchCount ?? 0} patch(es) failed)` };
    }
    return { state: 'succeeded', result: toPatchOutcome(result) };
  }

  /** An adopted install, from the VM's instance view: still InProgress, or its summary once it ended. */
  private async pollRunningInstall(token: ComputeToken, resumeToken: string): Promise<OperationProgress<PatchOutcome>> {
    const id = parseResourceId(token.vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    const summary = await this.installSummary(this.compute.get(id.subscriptionId), id);
    const status = summary?.status ?? 'Unknown';
    if (status === 'InProgress') return { state: 'running', resumeToken };
    if (status === 'Failed' || status === 'Unknown') {
      return { state: 'failed', code: summary?.error?.code ?? 'PatchInstallationFailed', message: summary?.error?.message ?? `installing patches on ${id.name} ended ${status}` };
    }
    return {
      state: 'succeeded',
      result: {
        status,
        installedPatchCount: summary?.installedPatchCount ?? 0,
        failedPatchCount: summary?.failedPatchCount ?? 0,
        pendingPatchCount: summary?.pendingPatchCount ?? 0,
        // The summary does not say; the instance view's own reboot state is read after patching.
        rebootStatus: 'Unknown',
        maintenanceWindowExceeded: summary?.maintenanceWindowExceeded ?? false,
        patches: [],
      },
    };
  }

  /**
   * Starts the script as the managed run command `runName` (`PUT .../runCommands/{name}`, the PUT
   * only, asynchronous execution), after reading that name: when it exists, an earlier attempt
   * created it and lost the reply, so this follows that run and never sends the name again (the
   * REST reference does not say whether a PUT of an existing run command runs it again). The
   * PUT goes without the pipeline's own retries for the same reason; a failure is transient and
   * the activity's retry reads the name first. The script runs in the VM's OS shell (PowerShell on
   * Windows, the default shell on Linux).
   */
  async beginRunCommand(vmId: string, request: RunCommandRequest, runName: string): Promise<string> {
    const id = parseResourceId(vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    if (request.script.length === 0) throw new TypeError('script must have at least one line');
    checkRunName(runName);
    const client = this.compute.get(id.subscriptionId);
    const token = encodeToken('runCommand', vmId, runName);
    if (await this.findRun(client, id, runName)) return token;
    const vm = await callAzure(`get VM ${id.name}`, () => client.virtualMachines.get(id.resourceGroup, id.name));
    const parameters = Object.entries(request.parameters).map(([name, value]) => ({ name, value }));
    const body: VirtualMachineRunCommand = {
      location: vm.location,
      source: { script: request.script.join('\n') },
      // Protected: a named run command keeps its `parameters` for anyone who can read it; protected ones are not returned.
      ...(parameters.length > 0 ? { protectedParameters: parameters } : {}),
      asyncExecution: true,
    };
    return callAzure(`start run command ${runName} on ${id.name}`, async () => {
      const poller = this.computeOnce.get(id.subscriptionId).virtualMachineRunCommands.createOrUpdate(id.resourceGroup, id.name, runName, body);
      await poller.submitted();
      return token;
    });
  }

  /** One read of the named run command with its instance view (`executionState`, `exitCode`, `output`, `error`). */
  async pollRunCommand(resumeToken: string): Promise<OperationProgress<RunCommandOutcome>> {
    const token = decodeToken(resumeToken, 'runCommand');
    // Written before run commands were named: the action API's poller state, followed to its end
    // so that a window in flight across that deploy does not lose its run.
    if (token.state.startsWith('{')) {
      const progress = await this.pollOnce(token, resumeToken, (c, state) => restorePoller(c, state, c.virtualMachines.runCommand));
      return progress.state === 'succeeded' ? { state: 'succeeded', result: actionRunOutcome(progress.result) } : progress;
    }
    const runName = token.state;
    if (!RUN_NAME.test(runName)) throw new TypeError('resumeToken holds no run command name');
    const id = parseResourceId(token.vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    const run = await this.findRun(this.compute.get(id.subscriptionId), id, runName);
    if (!run) return { state: 'failed', code: 'RunCommandNotFound', message: `run command ${runName} on ${id.name} no longer exists` };
    return runProgress(run, id.name, runName, resumeToken);
  }

  /** Every run command on the VM (VirtualMachineRunCommands_ListByVirtualMachine, `$expand=instanceView`, all pages). */
  async listRunCommands(vmId: string): Promise<RunCommandSummary[]> {
    const id = parseResourceId(vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    return callAzure(`list run commands on ${id.name}`, async () => {
      const runs: RunCommandSummary[] = [];
      for await (const run of this.compute.get(id.subscriptionId).virtualMachineRunCommands.listByVirtualMachine(id.resourceGroup, id.name, { expand: 'instanceView' })) {
        if (run.name) runs.push({ name: run.name, executionState: run.instanceView?.executionState ?? 'Unknown' });
      }
      return runs;
    });
  }

  /**
   * Sends the DELETE of one run command (200, 202 or 204) and does not wait for a 202 to finish:
   * the next tidy-up lists what is left. Without the pipeline's retries, as the PUT, so an attempt
   * is one request; a 404 is a run already gone.
   */
  async beginDeleteRunCommand(vmId: string, runName: string): Promise<void> {
    const id = parseResourceId(vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    checkRunName(runName);
    try {
      await this.computeOnce.get(id.subscriptionId).virtualMachineRunCommands.delete(id.resourceGroup, id.name, runName).submitted();
    } catch (e) {
      if (isNotFound(e)) return;
      throw toAzurePortError(`delete run command ${runName} on ${id.name}`, e);
    }
  }

  /** The named run command with its instance view, or undefined when there is none (404). */
  private async findRun(client: ComputeManagementClient, id: { resourceGroup: string; name: string }, runName: string): Promise<VirtualMachineRunCommand | undefined> {
    try {
      return await client.virtualMachineRunCommands.getByVirtualMachine(id.resourceGroup, id.name, runName, { expand: 'instanceView' });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw toAzurePortError(`read run command ${runName} on ${id.name}`, e);
    }
  }

  /** Restores the poller from the token, sends one poll and reports where the operation stands. */
  private async pollOnce<T>(token: ComputeToken, resumeToken: string, restore: (client: ComputeManagementClient, state: string) => PollerLike<OperationState<T>, T>): Promise<OperationProgress<T>> {
    const id = parseResourceId(token.vmId, 'Microsoft.Compute', 'virtualMachines', 'vmId');
    const action = `check ${token.op} on ${id.name}`;
    let poller: PollerLike<OperationState<T>, T>;
    try {
      poller = restore(this.compute.get(id.subscriptionId), token.state);
    } catch (e) {
      throw new TypeError(`resumeToken holds no usable poller state for ${token.op} on ${id.name}: ${e instanceof Error ? e.message.slice(0, 120) : String(e)}`);
    }
    try {
      await poller.poll();
    } catch (e) {
      // An HTTP failure of the status request says nothing about the operation: retry later.
      const status = poller.operationState?.status;
      if (isHttpError(e) || (status !== 'failed' && status !== 'canceled')) throw toAzurePortError(action, e);
      return status === 'canceled' ? { state: 'failed', code: 'OperationCanceled', message: `${token.op} on ${id.name} was canceled` } : operationFailure(e, `${token.op}Failed`);
    }
    if (poller.isDone) {
      const result = poller.result;
      if (result === undefined) throw new Error(`azure: ${token.op} on ${id.name} finished without a result`);
      return { state: 'succeeded', result };
    }
    return callAzure(action, async () => {
      const state = await poller.serialize();
      // Unchanged (the usual case while an install runs): the same token, not packed again.
      return { state: 'running', resumeToken: state === token.state ? resumeToken : encodeToken(token.op, token.vmId, state) };
    });
  }
}
