import type { OperationProgress } from './operations';

export interface PatchRequest {
  /** Azure Update Manager maximumDuration, at most 235 minutes. */
  maximumDurationInMinutes: number;
  rebootSetting: 'IfRequired' | 'Never' | 'Always';
  classifications: string[];
  excludeKbs: string[];
}

export interface PatchOutcome {
  status: string;
  installedPatchCount: number;
  failedPatchCount: number;
  pendingPatchCount: number;
  rebootStatus: string;
  maintenanceWindowExceeded: boolean;
  patches: { kbId?: string; name?: string; installationState?: string }[];
}

export interface RunCommandRequest {
  script: string[];
  shell: 'powershell' | 'shell';
  parameters: Record<string, string>;
}

export interface RunCommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One managed run command on a VM, as the list reports it. */
export interface RunCommandSummary {
  name: string;
  /** The instance view's executionState: Unknown, Pending, Running, Failed, Succeeded, TimedOut or Canceled. */
  executionState: string;
}

export interface VmSummary {
  id: string;
  name: string;
  powerState: string;
  privateIp?: string;
}

/** Virtual machines: patching through Azure Update Manager and run command. */
export interface ComputeClient {
  getVm(vmId: string): Promise<VmSummary>;
  beginInstallPatches(vmId: string, request: PatchRequest): Promise<string>;
  pollInstallPatches(resumeToken: string): Promise<OperationProgress<PatchOutcome>>;
  /**
   * Starts a script as the VM's managed run command `runName`, or follows the run of that name
   * when it already exists (a retry whose first reply was lost): a name is never sent twice, so
   * the script runs at most once per name. Callers make the name from the window, step, server
   * and purpose (shared/activities/runNames.ts).
   */
  beginRunCommand(vmId: string, request: RunCommandRequest, runName: string): Promise<string>;
  pollRunCommand(resumeToken: string): Promise<OperationProgress<RunCommandOutcome>>;
  /** Every managed run command on the VM with its execution state (one list, all pages). */
  listRunCommands(vmId: string): Promise<RunCommandSummary[]>;
  /** Starts deleting a managed run command (the DELETE only, not waited for); one already gone is no error. */
  beginDeleteRunCommand(vmId: string, runName: string): Promise<void>;
}
