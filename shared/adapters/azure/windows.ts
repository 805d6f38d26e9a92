import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ComputeClient, RunCommandOutcome } from '../../ports/compute';
import type { HostRequest, HostResult, HostStep, WindowsHostClient, WindowsServiceState } from '../../ports/hosts';
import { TransientVendorError } from '../../ports/operations';
import { AZURE } from './errors';

/** Options for {@link RunCommandWindowsHosts}. */
export interface RunCommandWindowsHostsOptions {
  /** Run command on the VM (the compute adapter). */
  compute: ComputeClient;
  /** The VM resource id of a machine name (configuration: a template or a map). */
  vmIdOf: (node: string) => string;
  /** Between status checks of one run command. Default 5000 (Run Command takes 20-60 s on Azure). */
  pollIntervalInMs?: number;
  /** Give up waiting (TransientVendorError: the durable retry tries again). Default 180000. */
  timeoutInMs?: number;
  /** How to wait (tests move a virtual clock instead). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Windows PowerShell 5.1 (what RunPowerShellScript runs) serialises enums as numbers:
 * ServiceControllerStatus, ServiceStartMode and the ScheduledTask StateEnum.
 */
const SERVICE_STATUS: Record<number, string> = { 1: 'Stopped', 2: 'StartPending', 3: 'StopPending', 4: 'Running', 5: 'ContinuePending', 6: 'PausePending', 7: 'Paused' };
const START_MODE: Record<number, string> = { 0: 'Boot', 1: 'System', 2: 'Automatic', 3: 'Manual', 4: 'Disabled' };
const TASK_STATE: Record<number, string> = { 0: 'Unknown', 1: 'Disabled', 2: 'Queued', 3: 'Ready', 4: 'Running' };
const enumName = (names: Record<number, string>) => z.union([z.number().int().transform((n) => names[n] ?? String(n)), z.string()]);

const ServiceJson = z.object({ Name: z.string(), Status: enumName(SERVICE_STATUS), StartType: enumName(START_MODE) });
const TaskJson = z.object({ TaskName: z.string(), TaskPath: z.string(), State: enumName(TASK_STATE) });

/** One line that prints the service as JSON; the name comes in as a parameter, never spliced into the script. */
const SHOW_SERVICE = 'Get-Service -Name $Name | Select-Object -Property Name, Status, StartType | ConvertTo-Json -Compress';
/** The task by name, in its folder when one is given (`-TaskPath` omitted searches every folder). */
const FIND_TASK = (path: string | undefined) => `Get-ScheduledTask -TaskName $Name${path ? ' -TaskPath $Path' : ''}`;
const SHOW_TASK = (path: string | undefined) => `${FIND_TASK(path)} | Select-Object -Property TaskName, TaskPath, State | ConvertTo-Json -Compress`;
const HEADER = ['param([string]$Name, [string]$Path)', "$ErrorActionPreference = 'Stop'"];

/** `\BillPay\Nightly` → folder `\BillPay\` and name `Nightly`; a bare name has no folder. */
function splitTask(task: string): { name: string; path?: string } {
  const parts = task.split('\\').filter((p) => p.trim());
  const name = parts.pop()?.trim() ?? '';
  if (!name) throw new TypeError('task must not be empty');
  return { name, ...(parts.length > 0 ? { path: `\\${parts.join('\\')}\\` } : {}) };
}

const taskParameters = (t: { name: string; path?: string }): Record<string, string> => ({ Name: t.name, ...(t.path ? { Path: t.path } : {}) });

function requireName(what: string, value: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw new TypeError(`${what} must not be empty`);
  return trimmed;
}

/**
 * {@link WindowsHostClient} through Azure managed Run Commands (`PUT .../virtualMachines/{vm}/runCommands/{name}`,
 * PowerShell on Windows): each call is one short PowerShell script that acts with the built-in
 * cmdlets (`Stop-Service`, `Set-Service -StartupType`, `Start-Service`, `Disable-/Enable-ScheduledTask`)
 * and prints the object afterwards as JSON, which is what the call reports. Names travel as script
 * parameters. A script that fails (StdErr, or no JSON) is a permanent error naming the machine;
 * a run still going after `timeoutInMs` is transient (Azure runs one command per VM at a time, so a
 * retry meanwhile gets 409, also transient).
 */
export class RunCommandWindowsHosts implements WindowsHostClient {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RunCommandWindowsHostsOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  vmIdOf(node: string): string {
    return this.options.vmIdOf(requireName('node', node));
  }

  async begin(request: HostRequest, runName: string): Promise<HostStep> {
    const script = scriptOf(request);
    const machine = requireName('node', request.node);
    const run = await this.options.compute.beginRunCommand(this.options.vmIdOf(machine), { script: [...HEADER, ...script.body], shell: 'powershell', parameters: script.parameters }, runName);
    return { state: 'running', token: JSON.stringify({ request, run } satisfies HostToken) };
  }

  async check(token: string): Promise<HostStep> {
    const parsed = HostTokenSchema.safeParse(safeJson(token));
    if (!parsed.success) throw new TypeError('host token: not a token this client issued');
    const { request, run } = parsed.data as HostToken;
    const script = scriptOf(request);
    const machine = request.node.trim();
    const progress = await this.options.compute.pollRunCommand(run);
    if (progress.state === 'failed') throw Object.assign(new Error(`${AZURE}: could not ${script.what} on ${machine}: ${progress.message}`), { code: progress.code });
    if (progress.state === 'running') return { state: 'running', token: JSON.stringify({ request, run: progress.resumeToken } satisfies HostToken) };
    return { state: 'done', result: script.read(parseOutput(progress.result, script.what, machine)) };
  }

  /** Reads a service, waiting here for the run command (tests and tools; activities use begin/check). */
  async getService(node: string, service: string): Promise<WindowsServiceState> {
    return (await this.run({ op: 'getService', node, service })) as WindowsServiceState;
  }

  async setService(node: string, service: string, state: WindowsServiceState): Promise<WindowsServiceState> {
    return (await this.run({ op: 'setService', node, service, state })) as WindowsServiceState;
  }

  async getScheduledTask(node: string, task: string): Promise<{ enabled: boolean }> {
    return (await this.run({ op: 'getTask', node, task })) as { enabled: boolean };
  }

  async setScheduledTask(node: string, task: string, enabled: boolean): Promise<{ enabled: boolean }> {
    return (await this.run({ op: 'setTask', node, task, enabled })) as { enabled: boolean };
  }

  /**
   * Runs one request to its end, polling in place, then deletes its run command: a managed run
   * command stays on the VM until deleted, and no window's tidy-up owns this one.
   */
  private async run(request: HostRequest): Promise<HostResult> {
    // Waited for in place, never retried by a durable host: a fresh name each time.
    const runName = `mw-tool-${request.op}-${randomUUID()}`;
    const vmId = this.vmIdOf(request.node);
    let step = await this.begin(request, runName);
    const interval = this.options.pollIntervalInMs ?? 5000;
    const deadline = this.options.timeoutInMs ?? 180_000;
    try {
      for (let waited = 0; step.state === 'running'; waited += interval) {
        // Still running: it is left alone, and the error names it.
        if (waited >= deadline) throw new TransientVendorError(AZURE, `could not ${scriptOf(request).what} on ${request.node}: run command ${runName} still running after ${Math.round(deadline / 1000)} s`);
        await this.sleep(interval);
        step = await this.check(step.token);
      }
    } catch (error) {
      // A script that failed has ended too: its run command goes, and its error is the answer.
      if (!(error instanceof TransientVendorError) && error instanceof Error) {
        await this.options.compute.beginDeleteRunCommand(vmId, runName).catch(() => {
          error.message += `; its run command ${runName} could not be deleted and stays on the VM`;
        });
      }
      throw error;
    }
    // Said, not swallowed: repeating the request is safe (the scripts read or set a state).
    await this.options.compute.beginDeleteRunCommand(vmId, runName).catch((e: unknown) => {
      throw new TransientVendorError(AZURE, `${scriptOf(request).what} on ${request.node} ran, but its run command ${runName} could not be deleted and stays on the VM: ${e instanceof Error ? e.message : String(e)}`);
    });
    return step.result;
  }
}

interface HostToken {
  request: HostRequest;
  run: string;
}

const ServiceStateSchema = z.object({ startType: z.enum(['Automatic', 'Manual', 'Disabled']), running: z.boolean() });
const HostTokenSchema = z.object({
  request: z.discriminatedUnion('op', [
    z.object({ op: z.literal('getService'), node: z.string(), service: z.string() }),
    z.object({ op: z.literal('setService'), node: z.string(), service: z.string(), state: ServiceStateSchema }),
    z.object({ op: z.literal('getTask'), node: z.string(), task: z.string() }),
    z.object({ op: z.literal('setTask'), node: z.string(), task: z.string(), enabled: z.boolean() }),
  ]),
  run: z.string(),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The script for a request, what it is called in errors, and how its JSON becomes the result (checked against what was asked). */
function scriptOf(request: HostRequest): { what: string; body: string[]; parameters: Record<string, string>; read: (json: unknown) => HostResult } {
  const machine = request.node.trim();
  switch (request.op) {
    case 'getService':
    case 'setService': {
      const name = requireName('service', request.service);
      const parameters = { Name: name };
      const readService = (json: unknown) => toServiceState(validated(ServiceJson, json, `read service ${name}`, machine));
      if (request.op === 'getService') return { what: `read service ${name}`, body: [SHOW_SERVICE], parameters, read: readService };
      const state = request.state;
      // Stop before disabling and set the start type before starting: Start-Service refuses a disabled service.
      const lines = state.running
        ? [`Set-Service -Name $Name -StartupType ${state.startType}`, ...(state.startType === 'Disabled' ? [] : ['Start-Service -Name $Name'])]
        : ['Stop-Service -Name $Name -Force', `Set-Service -Name $Name -StartupType ${state.startType}`];
      const verb = state.running ? 'start' : state.startType === 'Disabled' ? 'disable' : 'stop';
      return {
        what: `${verb} service ${name}`,
        body: [...lines, SHOW_SERVICE],
        parameters,
        read: (json) => {
          const after = toServiceState(validated(ServiceJson, json, `${verb} service ${name}`, machine));
          if (after.startType !== state.startType || after.running !== state.running) {
            throw new Error(`${AZURE}: service ${name} on ${machine} is ${after.running ? 'running' : 'stopped'} (${after.startType}) after ${verb}, not ${state.running ? 'running' : 'stopped'} (${state.startType})`);
          }
          return after;
        },
      };
    }
    case 'getTask':
    case 'setTask': {
      const t = splitTask(request.task);
      if (request.op === 'getTask') {
        const what = `read scheduled task ${t.name}`;
        return { what, body: [SHOW_TASK(t.path)], parameters: taskParameters(t), read: (json) => ({ enabled: validated(TaskJson, json, what, machine).State !== 'Disabled' }) };
      }
      const enabled = request.enabled;
      const verb = enabled ? 'Enable' : 'Disable';
      const what = `${verb.toLowerCase()} scheduled task ${t.name}`;
      return {
        what,
        body: [`${FIND_TASK(t.path)} | ${verb}-ScheduledTask | Out-Null`, SHOW_TASK(t.path)],
        parameters: taskParameters(t),
        read: (json) => {
          const state = validated(TaskJson, json, what, machine).State;
          if ((state !== 'Disabled') !== enabled) throw new Error(`${AZURE}: scheduled task ${t.name} on ${machine} is ${state} after ${verb.toLowerCase()}`);
          return { enabled };
        },
      };
    }
  }
}

/** The last line of a finished script's output as JSON; a script that failed or printed none is a permanent error. */
function parseOutput(outcome: RunCommandOutcome, what: string, machine: string): unknown {
  const stderr = outcome.stderr.trim();
  if (stderr || outcome.exitCode !== 0) throw Object.assign(new Error(`${AZURE}: could not ${what} on ${machine}: ${(stderr || `exit code ${outcome.exitCode}`).split('\n')[0]?.slice(0, 300) ?? ''}`), { code: 'ScriptFailed' });
  const last = outcome.stdout.trim().split('\n').pop() ?? '';
  const parsed = safeJson(last);
  if (parsed === undefined) throw Object.assign(new Error(`${AZURE}: could not ${what} on ${machine}: the script printed no JSON`), { code: 'ScriptFailed' });
  return parsed;
}

function validated<T>(schema: z.ZodType<T>, json: unknown, what: string, machine: string): T {
  const result = schema.safeParse(json);
  if (!result.success) throw Object.assign(new Error(`${AZURE}: could not ${what} on ${machine}: unexpected output (${result.error.issues[0]?.path.join('.') ?? ''})`), { code: 'ScriptFailed' });
  return result.data;
}

function toServiceState(json: z.infer<typeof ServiceJson>): WindowsServiceState {
  const startType = json.StartType === 'Disabled' ? 'Disabled' : json.StartType === 'Manual' ? 'Manual' : 'Automatic';
  return { startType, running: json.Status === 'Running' || json.Status === 'StartPending' };
}
