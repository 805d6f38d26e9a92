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

/** Reads a named argument only (no positional fallback). */
function namedArg(args: string, name: string): string | undefined {
  const m = new RegExp(`-${name}\\s+("([^"]*)"|'([^']*)'|([^\\s;]+))`, 'i').exec(args);
  return m ? (m[2] ?? m[3] ?? m[4]) : undefined;
}

function unquote(s: string): string {
  const t = s.trim();
  return (t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")) ? t.slice(1, -1) : t;
}

/**
 * Windows PowerShell 5.1's enum values, which ConvertTo-Json writes as numbers:
 * ServiceControllerStatus, ServiceStartMode and the ScheduledTask StateEnum.
 */
const SERVICE_STATUS = { Stopped: 1, Running: 4 } as const;
const START_MODE = { Automatic: 2, Manual: 3, Disabled: 4 } as const;
const TASK_STATE = { Disabled: 1, Ready: 3 } as const;

/** A task key (`BillPay\Nightly`, `\BillPay\Nightly` or `Nightly`) as folder and name. */
function taskParts(key: string): { path: string; name: string } {
  const parts = key.split('\\').filter((p) => p);
  const name = parts.pop() ?? key;
  return { path: parts.length ? `\\${parts.join('\\')}\\` : '\\', name };
}

/** A PowerShell object flowing through a pipeline. */
type Obj = Record<string, string | number>;

/** A statement failed: the message goes to StdErr (and ends the script under `$ErrorActionPreference = 'Stop'`). */
class ScriptError extends Error {}

/**
 * Interprets the small PowerShell subset maintenance scripts use, against the VM model:
 * IIS (`iisreset`, `Restart-WebAppPool`), services (`Get-/Start-/Stop-/Restart-Service`,
 * `Set-Service -StartupType`), scheduled tasks (`Get-/Enable-/Disable-ScheduledTask`, also fed
 * by a pipeline), `Select-Object -Property`, `ConvertTo-Json` (enums as numbers, as Windows
 * PowerShell 5.1 writes them), `Out-Null`, `Write-Output`/`echo`, `Write-Error`, `exit N` and
 * `$ErrorActionPreference = 'Stop'`. Parameters arrive as `$Name` variables. Any other line runs
 * without effect, as an arbitrary script would from the sandbox's point of view.
 */
export function runPowerShell(vm: VmState, script: string[], parameters: { name: string; value: string }[], at: string): ScriptOutcome {
  const out: string[] = [];
  const err: string[] = [];
  const effects: string[] = [];
  let exitCode = 0;
  let stopOnError = false;
  const vars = new Map(parameters.map((p) => [p.name.toLowerCase(), p.value]));
  // Parameters are bound by name; a value with spaces or separators stays one argument.
  const expand = (line: string): string =>
    line.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => {
      const value = vars.get(name.toLowerCase());
      return value === undefined ? whole : /[\s|;'"]/.test(value) ? `'${value.replace(/'/g, "''")}'` : value;
    });
  const statements = script.flatMap((l) => l.split(/\r?\n|;/)).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));

  const serviceNamed = (name: string): string | undefined => Object.keys(vm.services).find((s) => s.toLowerCase() === name.toLowerCase());
  // A name written with its folder (`IC\Nightly`) is taken as folder and name.
  const tasksNamed = (given: string, givenPath?: string): string[] => {
    const named = given.includes('\\') ? taskParts(given) : undefined;
    const name = named?.name ?? given;
    const path = named?.path ?? givenPath;
    return Object.keys(vm.scheduledTasks).filter((t) => {
      const p = taskParts(t);
      return p.name.toLowerCase() === name.toLowerCase() && (path === undefined || path === '*' || p.path.toLowerCase() === path.toLowerCase());
    });
  };
  const serviceObj = (svc: string): Obj => ({ Name: svc, Status: SERVICE_STATUS[vm.services[svc] ?? 'Stopped'], StartType: START_MODE[vm.startTypes[svc] ?? 'Automatic'] });
  const taskObj = (key: string): Obj => ({ TaskName: taskParts(key).name, TaskPath: taskParts(key).path, State: vm.scheduledTasks[key] ? TASK_STATE.Ready : TASK_STATE.Disabled });

  /** Runs one pipeline stage; `input` is what the previous stage emitted (undefined for the first). */
  const stage = (stmt: string, input: Obj[] | undefined): Obj[] | string[] => {
    const [cmdRaw = '', ...restParts] = stmt.split(/\s+/);
    const cmd = cmdRaw.toLowerCase();
    const args = restParts.join(' ');
    switch (cmd) {
      case 'write-output':
      case 'echo':
      case 'write-host':
        return [unquote(args)];
      case 'write-error':
        throw new ScriptError(unquote(args.replace(/^-Message\s+/i, '')));
      case 'iisreset': {
        for (const p of Object.values(vm.appPools)) {
          p.recycles++;
          p.lastRecycledAt = at;
        }
        if (vm.services.W3SVC !== undefined) vm.services.W3SVC = 'Running';
        effects.push('iis reset');
        return ['Attempting stop...', 'Internet services successfully stopped', 'Attempting start...', 'Internet services successfully restarted'];
      }
      case 'restart-webapppool': {
        const name = argOf(args, 'Name');
        const pool = name && Object.keys(vm.appPools).find((p) => p.toLowerCase() === name.toLowerCase());
        const p = pool ? vm.appPools[pool] : undefined;
        if (!pool || !p) throw new ScriptError(`Restart-WebAppPool : Cannot find an application pool named '${name ?? ''}'.`);
        p.recycles++;
        p.lastRecycledAt = at;
        effects.push(`app pool ${pool} recycled`);
        return [];
      }
      case 'get-service':
      case 'start-service':
      case 'stop-service':
      case 'restart-service':
      case 'set-service': {
        const name = argOf(args, 'Name', 'DisplayName') ?? '';
        const svc = serviceNamed(name);
        if (!svc) throw new ScriptError(`${cmdRaw} : Cannot find any service with service name '${name}'.`);
        if (cmd === 'get-service') return [serviceObj(svc)];
        if (cmd === 'set-service') {
          const startType = namedArg(args, 'StartupType');
          if (startType !== 'Automatic' && startType !== 'Manual' && startType !== 'Disabled') throw new ScriptError(`Set-Service : Cannot bind parameter 'StartupType' to the value '${startType ?? ''}'.`);
          vm.startTypes[svc] = startType;
          effects.push(`service ${svc} start type ${startType}`);
          return [];
        }
        if (cmd !== 'stop-service' && vm.startTypes[svc] === 'Disabled') {
          throw new ScriptError(`${cmdRaw} : Service '${svc} (${svc})' cannot be started due to the following error: Cannot start service ${svc} on computer '.'.`);
        }
        vm.services[svc] = cmd === 'stop-service' ? 'Stopped' : 'Running';
        effects.push(`service ${svc} ${cmd === 'stop-service' ? 'stopped' : cmd === 'start-service' ? 'started' : 'restarted'}`);
        return [];
      }
      case 'get-scheduledtask':
      case 'enable-scheduledtask':
      case 'disable-scheduledtask': {
        const name = namedArg(args, 'TaskName') ?? (input ? undefined : argOf(args, 'TaskName'));
        const path = namedArg(args, 'TaskPath');
        // Fed by a pipeline, the tasks are the objects that came in.
        const keys = name === undefined && input ? input.flatMap((o) => tasksNamed(String(o.TaskName ?? ''), String(o.TaskPath ?? '*'))) : tasksNamed(name ?? '', path);
        if (keys.length === 0) throw new ScriptError(`${cmdRaw} : No MSFT_ScheduledTask objects found with property 'TaskName' equal to '${name ?? ''}'.`);
        if (cmd !== 'get-scheduledtask') {
          for (const key of keys) {
            vm.scheduledTasks[key] = cmd === 'enable-scheduledtask';
            effects.push(`scheduled task ${key} ${cmd === 'enable-scheduledtask' ? 'enabled' : 'disabled'}`);
          }
        }
        return keys.map(taskObj);
      }
      case 'select-object': {
        const props = (namedArg(`${args.replace(/,\s*/g, ',')}`, 'Property') ?? args.replace(/,\s*/g, ',')).split(',').filter((p) => p);
        return (input ?? []).map((o) => Object.fromEntries(props.map((p) => [p, o[p] ?? ''])));
      }
      case 'convertto-json': {
        const items = input ?? [];
        return [JSON.stringify(items.length === 1 ? items[0] : items)];
      }
      case 'out-null':
        return [];
      default:
        return [];
    }
  };

  for (const raw of statements) {
    if (/^\$ErrorActionPreference\s*=\s*['"]Stop['"]$/i.test(raw)) {
      stopOnError = true;
      continue;
    }
    const stmt = expand(raw);
    const [first = ''] = stmt.split(/\s+/);
    if (first.toLowerCase() === 'exit') {
      exitCode = Number.parseInt(stmt.slice(first.length).trim() || '0', 10) || 0;
      break;
    }
    try {
      let flowing: Obj[] | string[] | undefined;
      for (const part of stmt.split('|').map((p) => p.trim())) {
        flowing = stage(part, flowing?.filter((x): x is Obj => typeof x === 'object'));
      }
      for (const item of flowing ?? []) out.push(typeof item === 'string' ? item : Object.entries(item).map(([k, v]) => `${k} : ${v}`).join('\n'));
    } catch (e) {
      if (!(e instanceof ScriptError)) throw e;
      err.push(e.message);
      exitCode = exitCode || 1;
      if (stopOnError) break;
    }
  }
  // RunPowerShellScript reports no exit code of its own; a failing script shows up on StdErr.
  if (exitCode !== 0 && err.length === 0) err.push(`Script exited with code ${exitCode}.`);
  return { stdout: out.join('\n'), stderr: err.join('\n'), exitCode, effects };
}
