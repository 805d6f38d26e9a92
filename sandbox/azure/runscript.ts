import type { VmState } from './model';

/** What one simulated RunPowerShellScript did. */
export interface ScriptOutcome {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Human-readable effects on the VM model, e.g. 'service W3SVC stopped'. */
  effects: string[];
}

/** Reads `-Name X`, `-Name 'X'`, `-TaskName "X"` or the first positional argument. */
function argOf(args: string, ...names: string[]): string | undefined {
  for (const name of names) {
    const m = new RegExp(`-${name}\\s+("([^"]*)"|'([^']*)'|([^\\s;]+))`, 'i').exec(args);
    if (m) return m[2] ?? m[3] ?? m[4];
  }
  const positional = /^\s*("([^"]*)"|'([^']*)'|([^\s;-][^\s;]*))/.exec(args);
  return positional ? (positional[2] ?? positional[3] ?? positional[4]) : undefined;
}

function unquote(s: string): string {
  const t = s.trim();
  return (t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")) ? t.slice(1, -1) : t;
}

/**
 * Interprets the small PowerShell subset maintenance scripts use, against the VM model:
 * IIS (`iisreset`, `Restart-WebAppPool`), services (`Start-/Stop-/Restart-Service`, `Get-Service`),
 * scheduled tasks (`Enable-/Disable-ScheduledTask`), `Write-Output`/`echo`, `Write-Error`, `exit N`.
 * Parameters arrive as `$Name` variables. Any other line runs without effect, as an arbitrary
 * script would from the sandbox's point of view.
 */
export function runPowerShell(vm: VmState, script: string[], parameters: { name: string; value: string }[], at: string): ScriptOutcome {
  const out: string[] = [];
  const err: string[] = [];
  const effects: string[] = [];
  let exitCode = 0;
  const vars = new Map(parameters.map((p) => [p.name.toLowerCase(), p.value]));
  const expand = (line: string): string => line.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => vars.get(name.toLowerCase()) ?? whole);
  const statements = script.flatMap((l) => l.split(/\r?\n|;/)).map((l) => expand(l).trim()).filter((l) => l.length > 0 && !l.startsWith('#'));

  const serviceNamed = (name: string): string | undefined => Object.keys(vm.services).find((s) => s.toLowerCase() === name.toLowerCase());
  const taskNamed = (name: string): string | undefined => Object.keys(vm.scheduledTasks).find((t) => t.toLowerCase() === name.toLowerCase());

  for (const stmt of statements) {
    const [cmdRaw = '', ...restParts] = stmt.split(/\s+/);
    const cmd = cmdRaw.toLowerCase();
    const args = restParts.join(' ');
    if (cmd === 'exit') {
      exitCode = Number.parseInt(args || '0', 10) || 0;
      break;
    } else if (cmd === 'write-output' || cmd === 'echo' || cmd === 'write-host') {
      out.push(unquote(args));
    } else if (cmd === 'write-error') {
      err.push(unquote(args.replace(/^-Message\s+/i, '')));
      exitCode = exitCode || 1;
    } else if (cmd === 'iisreset') {
      for (const pool of Object.keys(vm.appPools)) {
        const p = vm.appPools[pool];
        if (p) {
          p.recycles++;
          p.lastRecycledAt = at;
        }
      }
      if (vm.services.W3SVC !== undefined) vm.services.W3SVC = 'Running';
      effects.push('iis reset');
      out.push('Attempting stop...', 'Internet services successfully stopped', 'Attempting start...', 'Internet services successfully restarted');
    } else if (cmd === 'restart-webapppool') {
      const name = argOf(args, 'Name');
      const pool = name && Object.keys(vm.appPools).find((p) => p.toLowerCase() === name.toLowerCase());
      const p = pool ? vm.appPools[pool] : undefined;
      if (!pool || !p) {
        err.push(`Restart-WebAppPool : Cannot find an application pool named '${name ?? ''}'.`);
        exitCode = 1;
        continue;
      }
      p.recycles++;
      p.lastRecycledAt = at;
      effects.push(`app pool ${pool} recycled`);
    } else if (cmd === 'start-service' || cmd === 'stop-service' || cmd === 'restart-service' || cmd === 'get-service') {
      const name = argOf(args, 'Name', 'DisplayName') ?? '';
      const svc = serviceNamed(name);
      if (!svc) {
        err.push(`${cmdRaw} : Cannot find any service with service name '${name}'.`);
        exitCode = 1;
        continue;
      }
      if (cmd === 'get-service') {
        out.push(`${vm.services[svc]}  ${svc}`);
        continue;
      }
      vm.services[svc] = cmd === 'stop-service' ? 'Stopped' : 'Running';
      effects.push(`service ${svc} ${cmd === 'stop-service' ? 'stopped' : cmd === 'start-service' ? 'started' : 'restarted'}`);
    } else if (cmd === 'enable-scheduledtask' || cmd === 'disable-scheduledtask') {
      const name = argOf(args, 'TaskName') ?? '';
      const task = taskNamed(name);
      if (!task) {
        err.push(`${cmdRaw} : The system cannot find the file specified. (TaskName '${name}')`);
        exitCode = 1;
        continue;
      }
      vm.scheduledTasks[task] = cmd === 'enable-scheduledtask';
      effects.push(`scheduled task ${task} ${cmd === 'enable-scheduledtask' ? 'enabled' : 'disabled'}`);
      out.push(`TaskName: ${task}  State: ${cmd === 'enable-scheduledtask' ? 'Ready' : 'Disabled'}`);
    }
  }
  // RunPowerShellScript reports no exit code of its own; a failing script shows up on StdErr.
  if (exitCode !== 0 && err.length === 0) err.push(`Script exited with code ${exitCode}.`);
  return { stdout: out.join('\n'), stderr: err.join('\n'), exitCode, effects };
}
