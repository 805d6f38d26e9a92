#!/usr/bin/env node
/**
 * `npm run host` / `node dist/devhost/main.js [options]`: run a function app locally
 * on the virtual clock. Stops cleanly on SIGINT/SIGTERM; a SIGKILL loses nothing that
 * was acknowledged (the task hub resumes from storage on the next start).
 */
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startHost } from './host';

function positiveNumber(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}".`);
    return n;
  };
}

function nonNegativeNumber(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number, 0 or more, got "${v}".`);
    return n;
  };
}

function portNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`port must be an integer 0-65535, got "${v}".`);
  return n;
}

const program = new Command()
  .name('devhost')
  .description('Local Azure Functions + Durable host with a virtual clock (never deployed).')
  .option('--app <dir>', 'function app directory (package.json, host.json, local.settings.json)', process.cwd())
  .option('--main <glob>', 'override package.json "main"')
  .option('--settings <file>', 'local.settings.json to read (Values become app settings; Keys hold function keys)')
  .option('-p, --port <port>', 'HTTP port (0: any free port); default local.settings.json Host.LocalHttpPort or 7071', portNumber)
  .option('--speed <n>', 'virtual seconds per real second while the hub is quiescent and nothing can be skipped (0: time moves only by skips)', nonNegativeNumber('speed'), 1)
  .option('--no-skip', 'turn time-skipping off (on by default)')
  .option('--ordered', 'run one work item at a time in a fixed order (reproducible runs, see docs/virtual-clock.md)')
  .option('--parallel-activities <names>', 'with --ordered: comma-separated activity functions whose calls commute, run together', (v: string) => v.split(',').map((n) => n.trim()).filter(Boolean))
  .option('--activity-jitter-ms <ms>', 'slow every activity by a random 0..N real milliseconds (load testing)', nonNegativeNumber('activity-jitter-ms'), 0)
  .option('--start <time>', 'virtual start time (ISO 8601) for a fresh task hub')
  .addOption(new Option('--storage <kind>', 'task hub storage').choices(['azurite', 'memory']).default('azurite'))
  .option('--connection <string>', 'storage connection string (default AzureWebJobsStorage)')
  .option('--azurite-location <dir>', 'data directory for an Azurite the host starts (default <app>/.azurite)')
  .option('--no-start-azurite', 'fail instead of starting Azurite when none is listening')
  .option('--task-hub <name>', 'task hub name (default host.json durableTask.hubName)')
  .option('--max-activities <n>', 'activities running at once', positiveNumber('max-activities'))
  .option('--log-file <file>', 'append JSON-line logs to this file instead of stderr')
  .option('--quiet', 'omit log lines of successful invocations')
  .option('--progress', 'print a live progress line every second')
  .addOption(new Option('--log-level <level>', 'minimum log level').choices(['debug', 'info', 'warn', 'error']).default('info'));

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    app: string;
    main?: string;
    settings?: string;
    port?: number;
    speed: number;
    skip: boolean;
    activityJitterMs: number;
    ordered?: boolean;
    parallelActivities?: string[];
    start?: string;
    storage: 'azurite' | 'memory';
    connection?: string;
    azuriteLocation?: string;
    startAzurite: boolean;
    taskHub?: string;
    maxActivities?: number;
    logFile?: string;
    quiet?: boolean;
    progress?: boolean;
    logLevel: 'debug' | 'info' | 'warn' | 'error';
  }>();
  const settingsFile = o.settings ? path.resolve(o.settings) : undefined;
  // Functions run with the app root as working directory, as on Azure.
  process.chdir(o.app);
  // Signals are caught before anything starts: a wrapper that reads the listening line and
  // signals at once must never meet Node's default handler (which ends the process at once).
  const started: { host?: Awaited<ReturnType<typeof startHost>> } = {};
  let stopRequested = false;
  const shutdown = (): void => {
    stopRequested = true;
    if (started.host) void started.host.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const host = (started.host = await startHost({
    appDir: process.cwd(),
    main: o.main,
    settingsFile,
    port: o.port,
    speed: o.speed,
    skipping: o.skip,
    activityJitterMs: o.activityJitterMs,
    ordered: o.ordered === true,
    ...(o.parallelActivities ? { parallelActivities: o.parallelActivities } : {}),
    startTime: o.start,
    storage: o.storage,
    connectionString: o.connection,
    azuriteLocation: o.azuriteLocation,
    startAzurite: o.startAzurite,
    taskHub: o.taskHub,
    maxConcurrentActivities: o.maxActivities,
    logFile: o.logFile,
    quietInvocations: o.quiet,
    progress: o.progress,
    logLevel: o.logLevel,
  }));
  // One machine-readable line on stdout so wrappers (and tests) learn the URL.
  process.stdout.write(JSON.stringify({ devhost: 'listening', url: host.url, taskHub: host.hub.name }) + '\n');
  if (stopRequested) shutdown();
}

main().catch((err: unknown) => {
  process.stderr.write(`devhost: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
