/**
 * The programmatic entry point: load an app, open its task hub in storage and serve
 * it over HTTP on a virtual clock. `main.ts` is the CLI around it.
 */
import path from 'node:path';
import { VirtualClock } from './clock';
import { FunctionRegistry, type RegisteredFunction, type RpcTypedData } from './core/functionsCore';
import { loadApp } from './core/loader';
import { applyAppSettings, expandAppSettings, locateLocalSettings, readHostJson, readLocalSettings } from './core/settings';
import { HostOutputBindings, connectionResolver } from './bindings/outputs';
import { type AzuriteProcess, blobEndpoint, isListening, resolveConnectionString, type StartAzuriteOptions, startAzurite } from './azurite';
import { BlobJournalBackend, type JournalBackend, MemoryJournalBackend } from './durable/journal';
import { durableClientData } from './durable/managementApi';
import { TaskHub } from './durable/taskHub';
import type { ClockParticipant } from './durable/timeKeeper';
import { resolveKeys } from './http/keys';
import { HttpHost } from './http/server';
import { type HostLogger, createLogger, startProgressLine } from './log';
import { TimerTriggers } from './timer/timerTriggers';

/** Options for {@link startHost}. Every field has a default taken from the app's settings. */
export interface StartHostOptions {
  /** Directory with package.json, host.json and local.settings.json (default: cwd). */
  appDir?: string;
  /** Override package.json `main` (path or glob, relative to appDir). */
  main?: string;
  /** HTTP port (default: local.settings.json Host.LocalHttpPort, else 7071; 0 picks a free port). */
  port?: number;
  /** Virtual seconds per real second while time may flow (default 1; 0: time moves only by skips). */
  speed?: number;
  /** Jump to the next durable timer when quiescent (default true). */
  skipping?: boolean;
  /** Event names a person raises: time never skips while an instance waits for one (see TaskHubOptions). */
  holdSkipOnEvents?: string[];
  /** Slow every activity by a random 0..N real ms (see TaskHubOptions.activityJitterMs). */
  activityJitterMs?: number;
  /** One work item at a time in a fixed order (see TaskHubOptions.ordered). */
  ordered?: boolean;
  /** Ordered mode: activity functions whose calls commute, run together (see TaskHubOptions.parallelActivities). */
  parallelActivities?: readonly string[];
  /**
   * Join the clock as this participant before anything runs (a driver that must see every
   * quiescent state, even of a resumed task hub): `RunningHost.participant`.
   */
  participant?: string;
  /** Virtual start time (ISO string or epoch ms) for a fresh task hub (default: now). */
  startTime?: string | number;
  /** 'azurite' (default) persists the task hub in Blob storage; 'memory' keeps nothing. */
  storage?: 'azurite' | 'memory';
  /** Storage connection string (default: AzureWebJobsStorage, else UseDevelopmentStorage=true). */
  connectionString?: string;
  /** Start Azurite when nothing listens on the configured blob port (default true). */
  startAzurite?: boolean;
  /** Azurite data directory when the host starts it (default: <appDir>/.azurite). */
  azuriteLocation?: string;
  /** Task hub name (default: host.json durableTask.hubName, expanded, else "TestHubName"). */
  taskHub?: string;
  /** Activities running at once (default: host.json maxConcurrentActivityFunctions, else 100). */
  maxConcurrentActivities?: number;
  /** Append JSON-line logs to this file instead of stderr. */
  logFile?: string;
  /** Drop per-invocation log lines of successful invocations. */
  quietInvocations?: boolean;
  /** Print a live progress line every second. */
  progress?: boolean;
  /** Log level (default info). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** local.settings.json to read (default: <appDir>/local.settings.json); its `Keys` section holds function keys. */
  settingsFile?: string;
}

/** A running host. */
export interface RunningHost {
  /** Base URL, e.g. `http://127.0.0.1:7071`. */
  url: string;
  clock: VirtualClock;
  hub: TaskHub;
  /** The participant joined with `StartHostOptions.participant`. */
  participant?: ClockParticipant;
  registry: FunctionRegistry;
  logger: HostLogger;
  /** Stop serving, flush the journal, stop an Azurite this host started. */
  stop(): Promise<void>;
}

/** Start the host in this process (one per process: `@azure/functions-core` is process-wide). */
export async function startHost(options: StartHostOptions = {}): Promise<RunningHost> {
  const appDir = path.resolve(options.appDir ?? process.cwd());
  const settingsSource = locateLocalSettings(appDir, options.settingsFile);
  const settings = readLocalSettings(appDir, settingsSource.file);
  applyAppSettings(settings);
  const hostJson = readHostJson(appDir);
  const durable = hostJson.extensions?.durableTask;
  const taskHub = options.taskHub ?? (durable?.hubName ? expandAppSettings(durable.hubName, process.env, 'host.json extensions.durableTask.hubName') : 'TestHubName');
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(taskHub)) {
    throw new Error(`Task hub name '${taskHub}' is invalid: use 3-45 letters and digits, starting with a letter.`);
  }
  const port = options.port ?? settings.Host?.LocalHttpPort ?? 7071;
  const startMs = typeof options.startTime === 'string' ? Date.parse(options.startTime) : options.startTime;
  if (startMs !== undefined && Number.isNaN(startMs)) throw new Error(`startTime: '${String(options.startTime)}' is not a valid date-time.`);

  const registry = new FunctionRegistry();
  loadApp(registry, appDir, options.main);

  let azurite: AzuriteProcess | undefined;
  let azuriteOptions: StartAzuriteOptions | undefined;
  let backend: JournalBackend = new MemoryJournalBackend();
  let hostStorage: string | undefined;
  if ((options.storage ?? 'azurite') === 'azurite') {
    let conn = resolveConnectionString(options.connectionString ?? process.env.AzureWebJobsStorage ?? 'UseDevelopmentStorage=true');
    const endpoint = blobEndpoint(conn);
    if (!endpoint) throw new Error('The storage connection string has no BlobEndpoint (or UseDevelopmentStorage=true); the task hub needs Blob storage.');
    if (!(await isListening(endpoint.port, endpoint.host))) {
      if (options.startAzurite === false || !['127.0.0.1', 'localhost'].includes(endpoint.host)) {
        throw new Error(`No storage is listening at ${endpoint.host}:${endpoint.port}; start Azurite or fix AzureWebJobsStorage.`);
      }
      azuriteOptions = {
        blobPort: endpoint.port,
        queuePort: endpoint.port + 1,
        tablePort: endpoint.port + 2,
        location: options.azuriteLocation ?? path.join(appDir, '.azurite'),
      };
      azurite = await startAzurite(azuriteOptions);
      conn = /UseDevelopmentStorage/i.test(options.connectionString ?? process.env.AzureWebJobsStorage ?? 'UseDevelopmentStorage=true') ? azurite.connectionString : conn;
    }
    backend = new BlobJournalBackend(conn, taskHub);
    hostStorage = conn;
  }

  const clock = new VirtualClock({ startMs, speed: options.speed, skipping: options.skipping });
  const logger = createLogger({ file: options.logFile, quietInvocations: options.quietInvocations, virtualNow: () => clock.now(), level: options.logLevel });
  if (settingsSource.fallback) logger.log({ level: 'warn', msg: 'no local.settings.json: using local.settings.sample.json (copy it to local.settings.json to change settings)' });
  const provider = storageProviderType(durable);
  if (provider && provider.toLowerCase() !== 'azurestorage') {
    logger.log({ level: 'warn', msg: `host.json durableTask.storageProvider.type '${provider}' runs on the local host's own task hub store (${options.storage ?? 'azurite'}), not on that provider` });
  }
  const hub = new TaskHub({
    name: taskHub,
    registry,
    clock,
    backend,
    logger,
    maxConcurrentActivities: options.maxConcurrentActivities ?? durable?.maxConcurrentActivityFunctions,
    ...(durable?.overridableExistingInstanceStates ? { overridableExistingInstanceStates: durable.overridableExistingInstanceStates } : {}),
    ...(options.holdSkipOnEvents ? { holdSkipOnEvents: options.holdSkipOnEvents } : {}),
    ...(options.activityJitterMs ? { activityJitterMs: options.activityJitterMs } : {}),
    ...(options.ordered ? { ordered: true } : {}),
    ...(options.parallelActivities ? { parallelActivities: options.parallelActivities } : {}),
  });
  registry.outputBindings = new HostOutputBindings({ resolveConnection: connectionResolver(hostStorage), now: () => clock.now() });
  // Virtual time never goes back: a restarted hub continues from its persisted time.
  clock.advanceTo(await hub.open());

  // Assigned once the HTTP port is known (timer functions may take a durable client).
  const timersRef: { current?: TimerTriggers } = {};
  const keys = resolveKeys(settings);
  const http = new HttpHost({
    registry,
    hub,
    clock,
    logger,
    routePrefix: hostJson.extensions?.http?.routePrefix ?? 'api',
    keys,
    invokeByName: async (name) => {
      await timersRef.current?.invokeNow(name);
    },
  });
  let url: string;
  try {
    url = await http.listen(port);
  } catch (error) {
    // A port taken: the Azurite this host started must not outlive the failed start.
    if (azurite) await azurite.stop();
    throw error;
  }
  // The SDK rewrites client URLs to localhost:7071 unless WEBSITE_HOSTNAME is set.
  process.env.WEBSITE_HOSTNAME = new URL(url).host;
  const clientInputs = (fn: RegisteredFunction): Record<string, RpcTypedData> => {
    const out: Record<string, RpcTypedData> = {};
    for (const [name, b] of Object.entries(fn.metadata.bindings)) {
      if (b.direction === 'in' && (b.type === 'durableClient' || b.type === 'orchestrationClient')) out[name] = { string: JSON.stringify(durableClientData(url, taskHub)) };
    }
    return out;
  };
  const timers = new TimerTriggers({ registry, clock, hub, logger, timeZone: process.env.WEBSITE_TIME_ZONE || 'UTC', extraInputs: clientInputs });
  timersRef.current = timers;
  hub.setOtherTimers(() => timers.nextDue());
  hub.setExtraInputs(clientInputs);
  const participant = options.participant ? hub.time.participate(options.participant) : undefined;
  hub.start();
  timers.start();
  const stopProgress = options.progress ? startProgressLine(hub) : undefined;
  logger.log({
    level: 'info',
    msg: 'host started',
    url,
    taskHub,
    storage: backend.describe(),
    virtualTime: new Date(clock.now()).toISOString(),
    speed: clock.speed,
    skipping: clock.skipping,
    ...(options.activityJitterMs ? { activityJitterMs: options.activityJitterMs } : {}),
    functions: [...registry.functions.values()].map((f) => `${f.name} (${f.trigger.type})`),
    routes: http.describeRoutes().map((r) => `${r.methods.join(',')} ${r.template}`),
  });

  let stopping: Promise<void> | undefined;
  // An Azurite this host started that dies (a chaos run's SIGKILL) is started again on the same
  // ports and folder; time stands still meanwhile, as the task hub's storage is work in flight.
  const superviseAzurite = (running: AzuriteProcess): void => {
    running.child.once('exit', (code, signal) => {
      if (stopping || !azuriteOptions) return;
      const hold = hub.time.hold('Azurite is restarting');
      logger.log({ level: 'warn', msg: `Azurite ended (${signal ?? `exit ${code}`}); starting it again on port ${azuriteOptions.blobPort} in ${azuriteOptions.location}` });
      void (async () => {
        for (let attempt = 1; !stopping; attempt++) {
          try {
            const next = await startAzurite(azuriteOptions!);
            if (stopping) {
              // The host stopped while it was coming back: it goes too.
              await next.stop();
              break;
            }
            azurite = next;
            superviseAzurite(azurite);
            logger.log({ level: 'info', msg: 'Azurite is back' });
            break;
          } catch (error) {
            logger.log({ level: 'warn', msg: `Azurite did not start again (attempt ${attempt}): ${error instanceof Error ? error.message : String(error)}` });
            await new Promise((r) => setTimeout(r, Math.min(5_000, 500 * attempt)));
          }
        }
        hold.release();
      })();
    });
  };
  if (azurite) superviseAzurite(azurite);
  return {
    url,
    clock,
    hub,
    ...(participant ? { participant } : {}),
    registry,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        try {
          stopProgress?.();
          timers.stop();
          await http.close();
          await hub.stop();
        } finally {
          // The Azurite this host started goes with it, whatever happened above.
          if (azurite) await azurite.stop();
          logger.log({ level: 'info', msg: 'host stopped' });
          logger.close();
        }
      })()),
  };
}

/** host.json `extensions.durableTask.storageProvider.type` (e.g. `azureManaged`, `mssql`, `netherite`), if set. */
function storageProviderType(durable: Record<string, unknown> | undefined): string | undefined {
  const provider = durable?.storageProvider;
  if (!provider || typeof provider !== 'object') return undefined;
  const type = (provider as { type?: unknown }).type;
  return typeof type === 'string' && type !== '' ? type : undefined;
}
