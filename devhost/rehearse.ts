#!/usr/bin/env node
/**
 * The main job (`npm start`): rehearse a window end to end with no Azure account.
 * Starts Azurite (through the host), the simulated estate and the local host with the
 * real app, starts the window over HTTP, answers approvals, manual steps and canary
 * checkpoints as rehearsal people (or asks you, with --interactive), prints live
 * progress and ends with the summary. Exit code 0 when the window succeeded.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { parse } from 'yaml';
import { LISTENER_NAMES } from '../sandbox/core/ports';
import { startSandbox, type RunningSandbox } from '../sandbox/core/sandbox';
import { loadWindowFile } from '../shared/window/load';
import { planWindow } from '../shared/window/plan';
import { formatProblem } from '../shared/window/problems';
import type { WindowStatusView } from '../shared/api/windows';
import { humanizeTimes, zonesOf } from '../shared/api/times';
import { Activities, InstanceIds } from '../shared/orchestrations/names';
import type { ClockParticipant } from './durable/timeKeeper';
import { azuriteConnectionString } from './azurite';
import { startHost, type RunningHost } from './host';
import { startEstateProcess } from './estateProcess';
import { watchHeap } from './heap';
import { RehearsalFolder, type RehearsalRecord } from './rehearsalFolder';
import { answerPending, controlRequest, STARTER, windowEnd } from './rehearsalPeople';

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_WINDOW = path.join(ROOT, 'windows', '2025-06-22-monthly.yaml');
/** Events a person raises: in paced mode (`--speed`) time does not skip while the window waits for one. */
const PERSON_EVENTS = ['approval', 'manual-done', 'canary-answer'];
const ON_CALL = 'on-call-engineer';

/**
 * A rehearsal scenario (`--scenario FILE`): faults to inject into the estate before the
 * window starts, and how the rehearsal people behave. Used by the failure-scenario tests.
 */
export interface Scenario {
  /** Bodies for POST /_sandbox/faults (HTTP faults, or `{ kind: 'vm', vm, fault }`). */
  faults?: unknown[];
  /** Gate id → what its approvers do (default approve). */
  approvals?: Record<string, 'approve' | 'reject' | 'ignore'>;
  /** How approvers answer: over the HTTP API (default) or with the buttons under the request in Slack. */
  approvalsVia?: 'http' | 'slack';
  /** With Slack approvals: before the approvers, a forged click, a replayed (stale) click and a click by someone who may not approve. */
  slackProbes?: boolean;
  /** Manual step id → outcome (default done), or an outcome given only after the step has waited `afterMinutes` of virtual time (a slow person). */
  manual?: Record<string, 'done' | 'failed' | 'ignore' | { outcome?: 'done' | 'failed'; afterMinutes: number }>;
  /** Canary team id → answer (default ok). */
  canary?: Record<string, { ok: boolean; note?: string } | 'silent'>;
  /** Abort once a step reaches a state (and, when given, its detail says `detail`). */
  abortWhen?: { step: string; state: string; detail?: string; reason: string };
  /** Start twice over the API (a duplicate start must not make a second run). */
  duplicateStart?: boolean;
  /** Start by firing the scheduler's timer function twice at once instead of over the API. */
  startViaTimer?: boolean;
  /**
   * Later runs of the same window in the same task hub, each started over the API once the run
   * before it has ended, with its own faults and people (and abort). The report's `runs` holds every
   * run's final status, `status` the last one's.
   */
  runs?: Omit<Scenario, 'runs' | 'startViaTimer' | 'duplicateStart' | 'pageAfterEnd'>[];
  /**
   * Once the last run has ended, a named person puts a maintenance page up or takes it down over
   * the emergency endpoint; the report's `status` is read after the page step has finished.
   */
  pageAfterEnd?: { page: string; action: 'up' | 'down'; by: string; reason: string };
}

interface Options {
  interactive?: boolean;
  serve?: boolean;
  /** Paced mode (see PERSON_EVENTS): time flows at this many virtual seconds per real second while a person is asked. Unset: event-driven. */
  speed?: number;
  /** Slow every activity by a random 0..N real ms (the load-independence test). */
  activityJitterMs?: number;
  port: number;
  basePort: number;
  keep?: boolean;
  quiet?: boolean;
  report?: string;
  scenario?: string;
  /** Storage connection string (default: UseDevelopmentStorage=true, Azurite started if needed). */
  storage?: string;
  /** The rehearsal folder (default .mw/rehearsals/<window-id>). */
  dir?: string;
  /** Continue the rehearsal in the folder (`npm start -- --resume`). */
  resume?: boolean;
  /** Discard an unfinished rehearsal's folder and start over. */
  fresh?: boolean;
  /** The estate file (default sandbox/estate/default.yaml); copied into the folder so a resume uses the same. */
  estate?: string;
  /** Run the estate in a child process, restarted when it dies (chaos runs kill it alone). */
  estateProcess?: boolean;
}

/** App settings that point the real app at the simulated estate (what an operator sets in Azure). */
export function rehearsalSettings(sandbox: RunningSandbox, estate: Record<string, unknown>, hostUrl: string, windowsDir: string, timeZone: string, taskHub: string, storage = 'UseDevelopmentStorage=true'): Record<string, string> {
  const e = estate as {
    azure: { tenantId: string; subscriptionId: string; clients: { clientId: string; clientSecret: string }[] };
    cloudflare: { tokens: { name: string; value: string }[] };
    slack: { tokens: { value: string }[]; signingSecret?: string };
    devops: { organization: string; pats: { value: string }[]; projects: { pipelines: { name: string; stages: { name: string }[] }[] }[] };
    pingdom: { tokens: { name: string; value: string }[] };
    mailgun: { keys: { role: string; secret: string; domain_name?: string }[] };
    consul: { tokens: { name: string; secretId: string }[] };
  };
  const named = <T extends { name: string }>(list: T[], name: string): T => list.find((t) => t.name === name) ?? list[0]!;
  const stages: Record<string, string[]> = {};
  for (const project of e.devops.projects) for (const p of project.pipelines) stages[p.name] = p.stages.map((s) => s.name);
  const sending = e.mailgun.keys.find((k) => k.role === 'sending');
  return {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    AzureWebJobsStorage: storage,
    TASKHUB_NAME: taskHub,
    WEBSITE_TIME_ZONE: timeZone,
    // Every 30 minutes, not Azure's usual 5: the rehearsal starts its window over the API, and each
    // fire is a stop for the virtual clock (about 200 over a weekend at 5 minutes, most of the host's work).
    MW_SCHEDULER_SCHEDULE: '0 */30 * * * *',
    MW_STORE_PREFIX: taskHub.slice(0, 12),
    MW_WINDOWS_DIR: windowsDir,
    // The local host has no App Service authentication: the rehearsal people name themselves in a header.
    MW_IDENTITY_MODE: 'local-header',
    // Who runs the rehearsal and who stands on call in it.
    MW_PLATFORM_ENGINEERS: [STARTER, ON_CALL].join(','),
    MW_CLOCK_URL: `${hostUrl}/admin/devhost/clock`,
    MW_CA_FILE: sandbox.caFile,
    MW_ARM_ENDPOINT: sandbox.urls.arm,
    MW_AZURE_AUTHORITY_HOST: sandbox.urls.login,
    MW_AZURE_TENANT_ID: e.azure.tenantId,
    MW_AZURE_CLIENT_ID: e.azure.clients[0]!.clientId,
    MW_AZURE_CLIENT_SECRET: e.azure.clients[0]!.clientSecret,
    MW_ALERT_RULES_SCOPE: `/subscriptions/${e.azure.subscriptionId}/resourceGroups/RG-MONITOR-PRD`,
    MW_KEYVAULT_URL_TEMPLATE: sandbox.urls.keyvault,
    MW_CLOUDFLARE_BASE_URL: `${sandbox.urls.cloudflare}/client/v4`,
    MW_CLOUDFLARE_API_TOKEN: named(e.cloudflare.tokens, 'mw-automation').value,
    MW_SLACK_API_URL: `${sandbox.urls.slack}/api/`,
    MW_SLACK_TOKEN: e.slack.tokens[0]!.value,
    // The Slack app's signing secret: approval requests get buttons, and their clicks come back signed.
    MW_SLACK_SIGNING_SECRET: e.slack.signingSecret ?? '',
    MW_DEVOPS_ORG_URL: `${sandbox.urls.devops}/${e.devops.organization}`,
    MW_DEVOPS_PAT: e.devops.pats[0]!.value,
    MW_DEVOPS_KNOWN_STAGES: JSON.stringify(stages),
    MW_PINGDOM_BASE_URL: `${sandbox.urls.pingdom}/api/3.1`,
    MW_PINGDOM_TOKEN: named(e.pingdom.tokens, 'mw-automation').value,
    MW_MAILGUN_BASE_URL: sandbox.urls.mailgun,
    MW_MAILGUN_API_KEY: e.mailgun.keys.find((k) => k.role === 'admin')!.secret,
    MW_MAILGUN_KEY_ROLE: 'sending',
    ...(sending?.domain_name ? { MW_MAILGUN_DOMAIN: sending.domain_name } : {}),
    MW_CONSUL_URL: sandbox.urls.consul,
    MW_CONSUL_TOKEN: named(e.consul.tokens.map((t) => ({ ...t, value: t.secretId })), 'mw-automation').value,
    // Every node's agent is on the Consul listener, told apart by the Host header (https://{node}:8501).
    MW_CONSUL_AGENT_CONNECT_URL: sandbox.urls.consul,
    MW_WINDOWS_VM_ID_TEMPLATE: `/subscriptions/${e.azure.subscriptionId}/resourceGroups/RG-BILLPAY-PRD/providers/Microsoft.Compute/virtualMachines/{node}`,
    MW_PROBE_OVERRIDE_URL: sandbox.urls.probes,
    // Links in notices (the window report) point at the local host.
    MW_PUBLIC_URL: hostUrl,
  };
}

export interface Rehearsal {
  host: RunningHost;
  /** The rehearsal people's part in the clock: time moves only after they have seen the hub's state. */
  turns: ClockParticipant;
  sandbox: RunningSandbox;
  windowId: string;
  /** Calls the app's HTTP API as `who` with the master key. */
  api(method: 'GET' | 'POST', route: string, who?: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** JSON-lines log of the host (every invocation's outcome). */
  hostLog: string;
  /** The host's master key (admin routes). */
  masterKey: string;
  /** The teams answering a canary step (from the window file). */
  canaryTeams(stepId: string): { id: string; members: string[] }[];
  /** The window's people (from the window file), with their Slack user ids. */
  people: Record<string, { slack?: string }>;
  /** The credentials the app was configured with: none may show up in what a window leaves behind. */
  credentials: string[];
  /** Where everything a resume needs is kept. */
  folder: RehearsalFolder;
  /** How the rehearsal was started. */
  record: RehearsalRecord;
  /** Stop everything; the folder is removed unless `keepFolder` (default: the --keep flag). */
  stop(options?: { keepFolder?: boolean }): Promise<void>;
}

/** A block of `count` free consecutive ports below the ephemeral range (where outgoing connections take theirs). */
async function freePortBlock(count: number): Promise<number> {
  const canListen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let free = true;
    for (let i = 0; i < count && free; i++) free = await canListen(base + i);
    if (free) return base;
  }
  throw new Error(`found no ${count} free consecutive ports; give them with --base-port (estate) or --storage (Azurite)`);
}

/** A connection string for an Azurite this rehearsal starts: blob, queue and table on three free ports. */
async function ownAzurite(): Promise<string> {
  const blob = await freePortBlock(3);
  return azuriteConnectionString({ blob, queue: blob + 1, table: blob + 2 });
}

/** The `id:` of a window file, or its base name (for finding the folder of a rehearsal to resume). */
function windowIdOf(windowFile: string): string {
  const loaded = loadWindowFile(windowFile);
  return loaded.window?.id ?? path.basename(windowFile).replace(/\.ya?ml$/i, '');
}

/** Options for {@link startRehearsal}. */
export interface StartRehearsalOptions extends Omit<Partial<Options>, 'scenario'> {
  log?: (line: string) => void;
  leadMinutes?: number;
  /** Continue the rehearsal in the folder instead of starting one (its record says how it was started). */
  resume?: boolean;
  /** The scenario, recorded so a resume behaves the same. */
  scenario?: Scenario;
}

/** Starts everything for one window and returns handles; the caller starts and drives it. */
export async function startRehearsal(windowFile: string, options: StartRehearsalOptions = {}): Promise<Rehearsal> {
  let folder: RehearsalFolder;
  let record: RehearsalRecord;
  if (options.resume) {
    folder = new RehearsalFolder(options.dir ?? RehearsalFolder.defaultDir(ROOT, windowIdOf(windowFile)));
    record = folder.read();
    windowFile = record.windowFile;
  } else {
    const loaded = loadWindowFile(windowFile);
    if (!loaded.window) throw new Error(`the window has problems:\n${loaded.problems.map(formatProblem).join('\n')}`);
    folder = new RehearsalFolder(options.dir ?? RehearsalFolder.defaultDir(ROOT, loaded.window.id));
    if (options.fresh) rmSync(folder.dir, { recursive: true, force: true });
    if (folder.exists()) throw new Error(`an unfinished rehearsal of ${loaded.window.id} is in ${folder.dir}: continue it with --resume, or start over with --fresh`);
    folder.create();
    const copy = path.join(folder.windowsDir, path.basename(windowFile));
    copyFileSync(windowFile, copy);
    const estateCopy = options.estate ? path.join(folder.dir, 'estate.yaml') : undefined;
    if (options.estate && estateCopy) copyFileSync(options.estate, estateCopy);
    const plan = planWindow(loaded.window, { recommend: false });
    // A fresh task hub and record prefix per rehearsal: an Azurite left running by an earlier
    // one (or shared with tests) never makes this run see that one's instances.
    const taskHub = `R${randomBytes(4).toString('hex')}${loaded.window.id.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 44);
    record = {
      version: 1,
      windowId: loaded.window.id,
      windowFile: copy,
      taskHub,
      // The app's settings name the host's clock URL before the host listens: port 0 picks a free
      // port now, below the range outgoing connections take theirs from, so none takes it meanwhile.
      port: options.port === 0 ? await freePortBlock(1) : (options.port ?? 7071),
      // Port 0 for the estate: a fixed block picked now, so a resume listens where in-flight
      // operations (their polling URLs are in the task hub) expect the estate to be.
      basePort: options.basePort === 0 ? await freePortBlock(LISTENER_NAMES.length) : (options.basePort ?? 7440),
      startMs: plan.start.epochMs - (options.leadMinutes ?? 50) * 60_000,
      // Its own Azurite on ports of its own (started by the host, kept in the folder): a shared
      // one on 10000 would stop with whichever rehearsal started it, taking the others' hubs.
      storage: options.storage ?? (await ownAzurite()),
      ...(options.speed !== undefined ? { speed: options.speed } : {}),
      ...(options.activityJitterMs ? { activityJitterMs: options.activityJitterMs } : {}),
      ...(options.scenario ? { scenario: options.scenario } : {}),
      ...(estateCopy ? { estateFile: estateCopy } : {}),
      ...(options.estateProcess ? { estateProcess: true } : {}),
    };
  }
  const loaded = loadWindowFile(windowFile);
  if (!loaded.window) throw new Error(`the window has problems:\n${loaded.problems.map(formatProblem).join('\n')}`);
  const window = loaded.window;

  const estateFile = record.estateFile ?? path.join(ROOT, 'sandbox', 'estate', 'default.yaml');
  const estate = parse(readFileSync(estateFile, 'utf8')) as Record<string, unknown>;
  // The estate follows the host's virtual clock; until the host exists it reads the start.
  const startMs = record.startMs;
  const hostRef: { current?: RunningHost } = {};
  const port = record.port;
  const hostUrl = `http://127.0.0.1:${port}`;
  const now = () => hostRef.current?.clock.now() ?? startMs;
  const sandbox = record.estateProcess
    ? await startEstateProcess({
        basePort: record.basePort,
        estateFile,
        stateDir: folder.sandboxDir,
        clockUrl: `${hostUrl}/admin/devhost/clock`,
        startMs,
        fresh: options.resume !== true,
        now,
        ...(options.log ? { log: options.log } : {}),
        // The estate down counts as work in flight: time stands still until it listens again.
        onDown: () => {
          const hold = hostRef.current?.hub.time.hold('the simulated estate is restarting');
          return () => hold?.release();
        },
      })
    : await startSandbox({ basePort: record.basePort, estate, stateDir: folder.sandboxDir, resume: options.resume === true, clock: { now } });

  const settingsFile = folder.settingsFile;
  let settings: Record<string, string>;
  let masterKey: string;
  if (options.resume) {
    const saved = JSON.parse(readFileSync(settingsFile, 'utf8')) as { Values: Record<string, string>; Keys: { master: string } };
    settings = saved.Values;
    masterKey = saved.Keys.master;
  } else {
    masterKey = randomBytes(18).toString('base64url');
    settings = rehearsalSettings(sandbox, estate, hostUrl, folder.windowsDir, window.timeZone, record.taskHub, record.storage);
    writeFileSync(settingsFile, JSON.stringify({ IsEncrypted: false, Values: settings, Host: { LocalHttpPort: port }, Keys: { master: masterKey } }, null, 2), { mode: 0o600 });
    // Written last: a folder with a record has everything a resume needs.
    folder.write(record);
  }

  let host: RunningHost;
  try {
    host = await startHost({
      appDir: ROOT,
      settingsFile,
      port,
      // Event-driven by default: time stands still while anything runs and jumps to the next
      // timer once the hub is quiescent and the rehearsal people have seen its state. With
      // --speed (paced) it flows instead while the window waits for a person.
      speed: record.speed ?? 0,
      skipping: true,
      holdSkipOnEvents: record.speed === undefined ? [] : PERSON_EVENTS,
      // One work item at a time in a fixed order: the same calls in the same order on any machine.
      ordered: true,
      // Calls that each touch only their own server: one per VM, so any order gives the same estate.
      parallelActivities: [Activities.beginPatch, Activities.pollPatches, Activities.runProbes],
      ...(record.activityJitterMs ? { activityJitterMs: record.activityJitterMs } : {}),
      startTime: startMs,
      storage: 'azurite',
      ...(record.storage ? { connectionString: record.storage } : {}),
      azuriteLocation: folder.azuriteDir,
      taskHub: record.taskHub,
      quietInvocations: false,
      participant: 'rehearsal people',
      logFile: folder.hostLog,
    });
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  hostRef.current = host;
  // The Slack app's Request URL (Interactivity & Shortcuts): button clicks reach the app's endpoint.
  const interactivity = await controlRequest(sandbox, 'PUT', '/_sandbox/slack/interactivity', { url: `${host.url}/api/slack/interactions` });
  if (interactivity.status !== 200) throw new Error(`the estate refused the Slack Request URL: ${interactivity.status} ${interactivity.body}`);
  options.log?.(`host ${host.url} (logs ${folder.hostLog}), estate ${sandbox.urls.control}`);

  let stopping: Promise<void> | undefined;
  const api: Rehearsal['api'] = async (method, route, who, body) => {
    const response = await fetch(`${host.url}/api/${route}`, {
      method,
      // The people act on what they read: always the latest status, never a shared one.
      headers: { 'x-functions-key': masterKey, 'cache-control': 'no-cache', ...(who ? { 'x-mw-user': who } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML or empty bodies stay text.
    }
    return { status: response.status, body: parsed };
  };
  // Published as a platform engineer would (`mw publish`): a run uses the published revision.
  const published = await api('POST', `windows/${window.id}/revisions`, STARTER, { text: readFileSync(windowFile, 'utf8'), file: path.basename(windowFile) });
  if (published.status !== 201 && published.status !== 200) {
    await host.stop();
    await sandbox.stop();
    throw new Error(`could not publish ${windowFile}: ${published.status} ${JSON.stringify(published.body)}`);
  }

  const canaryTeams = (stepId: string) => {
    const found = JSON.stringify(window.phases).includes(`"id":"${stepId}"`);
    if (!found) return [];
    const walk = (items: unknown[]): { checkpoints: { teams: string[] } } | undefined => {
      for (const item of items as { id?: string; kind: string; steps?: unknown[]; checkpoints?: { teams: string[] } }[]) {
        if (item.id === stepId && item.kind === 'canary') return item as { checkpoints: { teams: string[] } };
        if (item.steps) {
          const inner = walk(item.steps);
          if (inner) return inner;
        }
      }
      return undefined;
    };
    const step = walk(window.phases.flatMap((p) => p.steps));
    return (step?.checkpoints.teams ?? []).map((id) => ({ id, members: window.teams[id]?.members ?? [] }));
  };

  return {
    host,
    turns: host.participant!,
    sandbox,
    windowId: window.id,
    api,
    canaryTeams,
    people: window.people,
    credentials: Object.entries(settings).filter(([name, value]) => /SECRET|TOKEN|_PAT$|API_KEY/.test(name) && value !== '').map(([, value]) => value),
    hostLog: folder.hostLog,
    masterKey,
    folder,
    record,
    stop: (stopOptions = {}) =>
      (stopping ??= (async () => {
        // Each part gets a deadline: a part that hangs (storage gone, a connection held open)
        // must not keep the others, or the process, from ending.
        await withDeadline(host.stop(), STOP_HOST_MS);
        await withDeadline(sandbox.stop(), STOP_SANDBOX_MS);
        if (!(stopOptions.keepFolder ?? options.keep)) rmSync(folder.dir, { recursive: true, force: true });
      })()),
  };
}

/** How long stopping may take: the host (its task hub settles for up to 5 s, then Azurite), then the estate. */
const STOP_HOST_MS = 15_000;
const STOP_SANDBOX_MS = 5_000;

/** Resolves when `work` settles or after `ms`, whichever comes first; never rejects. */
function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    work.then(
      () => resolve(),
      () => resolve(),
    ).finally(() => clearTimeout(timer));
  });
}

/**
 * What a test needs to judge a rehearsal: the final status, the estate and its call log,
 * every orchestration with its history, the host log, and the secret values the estate
 * issued (so a test can prove none of them leaked anywhere else).
 */
async function buildReport(rehearsal: Rehearsal, runs: WindowStatusView[], duplicateStart: number | undefined, status: WindowStatusView): Promise<unknown> {
  const base = `${rehearsal.host.url}/runtime/webhooks/durabletask/instances`;
  // The listing comes in pages of 100 with x-ms-continuation-token, as the extension's does.
  const list: { instanceId: string }[] = [];
  for (let token = ''; ; ) {
    const res = await fetch(`${base}?showInput=true`, { headers: token ? { 'x-ms-continuation-token': token } : {} });
    list.push(...((await res.json()) as { instanceId: string }[]));
    token = res.headers.get('x-ms-continuation-token') ?? '';
    if (!token) break;
  }
  const instances = [];
  for (const item of list) {
    instances.push(await fetch(`${base}/${encodeURIComponent(item.instanceId)}?showHistory=true&showHistoryOutput=true&showInput=true`).then((r) => r.json()));
  }
  await rehearsal.sandbox.save();
  const saved = JSON.parse(readFileSync(path.join(rehearsal.sandbox.stateDir, 'state.json'), 'utf8')) as {
    services: { keyvault?: { versions: { value: string }[] }[]; mailgun?: { keys: { secret?: string }[] } };
  };
  const issuedSecrets = [
    ...(saved.services.keyvault ?? []).flatMap((s) => s.versions.map((v) => v.value)),
    ...(saved.services.mailgun?.keys ?? []).flatMap((k) => (k.secret ? [k.secret] : [])),
    ...rehearsal.credentials,
  ];
  // The window report the app wrote when the window ended (what replaces the wiki page).
  const reportOf = async (format: 'md' | 'html') => {
    const r = await rehearsal.api('GET', `windows/${rehearsal.windowId}/runs/latest/report.${format}`);
    return r.status === 200 ? String(r.body) : undefined;
  };
  return {
    windowId: rehearsal.windowId,
    status,
    runs,
    windowReport: { md: await reportOf('md'), html: await reportOf('html') },
    duplicateStart,
    estate: rehearsal.sandbox.state(),
    calls: rehearsal.sandbox.calls(),
    instances,
    hostLog: readFileSync(rehearsal.hostLog, 'utf8'),
    issuedSecrets,
  };
}

function progressLine(s: WindowStatusView, virtualNow: number, zone: string): string {
  const c = (k: string) => s.counts[k] ?? 0;
  const doing = s.steps.filter((x) => ['doing', 'waiting-for-approval'].includes(x.state)).map((x) => x.id);
  const patched = Object.values(s.servers).filter((x) => x.state === 'patched').length;
  const pages = Object.entries(s.maintenancePages).map(([p, st]) => `page ${p} ${st}`).join(', ');
  const t = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' }).format(new Date(virtualNow));
  const phase = s.phases.find((p) => p.state === 'doing')?.id ?? s.phases.find((p) => p.state === 'pending')?.id ?? '-';
  return `[${t}] ${s.state} · phase ${phase} · done ${c('done')}/${s.steps.length} · doing ${doing.slice(0, 3).join(', ')}${doing.length > 3 ? ` +${doing.length - 3}` : ''} · servers patched ${patched}${pages ? ` · ${pages}` : ''}`;
}

/** A person's emergency page action after the window ended; returns the status once the page is as asked. */
async function pageAfterEnd(rehearsal: Rehearsal, ask: NonNullable<Scenario['pageAfterEnd']>, log: (line: string) => void): Promise<WindowStatusView> {
  const r = await rehearsal.api('POST', `windows/${rehearsal.windowId}/maintenance-page/${ask.page}`, ask.by, { action: ask.action, reason: ask.reason });
  log(`${ask.by} asked for maintenance page ${ask.page} ${ask.action} (${r.status}): ${ask.reason}`);
  if (r.status !== 202) throw new Error(`the emergency page request was refused: ${r.status} ${JSON.stringify(r.body)}`);
  // The page step runs on the virtual clock: look at each quiescent state, then let time move.
  for (;;) {
    const turn = await rehearsal.turns.turn();
    if (!turn) throw new Error('the local host stopped while the maintenance page was switched');
    const status = (await rehearsal.api('GET', `windows/${rehearsal.windowId}`)).body as WindowStatusView;
    if (status.maintenancePages[ask.page] === ask.action) return status;
    rehearsal.turns.ack(turn.seq);
  }
}

async function injectFault(rehearsal: Rehearsal, fault: unknown): Promise<void> {
  const r = await controlRequest(rehearsal.sandbox, 'POST', '/_sandbox/faults', fault);
  if (r.status >= 300) throw new Error(`the estate refused fault ${JSON.stringify(fault)}: ${r.status} ${r.body}`);
}

async function startRun(rehearsal: Rehearsal): Promise<void> {
  const started = await rehearsal.api('POST', `windows/${rehearsal.windowId}/start`, STARTER, { mode: 'rehearsal', reason: 'npm start' });
  if (started.status !== 202) throw new Error(`could not start the window: ${started.status} ${JSON.stringify(started.body)}`);
}

/**
 * Follows one run to its end, answering as the rehearsal people and aborting when the scenario
 * says; prints progress and the end summary. A status still describing `previousRunId` (the new
 * run has not opened its record yet) is not this run's.
 */
async function followRun(
  rehearsal: Rehearsal,
  scenario: Scenario,
  previousRunId: string | undefined,
  o: { log: (line: string) => void; zone: string; ask?: (q: string) => Promise<boolean>; quiet?: boolean; answered: Set<string> },
): Promise<WindowStatusView> {
  const { log, answered } = o;
  const turns = rehearsal.turns;
  const windowRun = () => rehearsal.host.hub.getStatus(InstanceIds.window(rehearsal.windowId), { showInput: false });
  let aborted = false;
  let last = '';
  let thisRun: Set<string> | undefined;
  // What the people look at is the status view; reading it at every move of the clock is
  // costly, so they read it when something may want them: an instance newly waiting for a
  // person, the window's orchestration changing state, an abort condition to watch; and, only
  // for the progress lines, about once a second.
  let lookedAt: string | undefined;
  let lastRead = 0;
  // When a person said they would act (virtual ms): time may skip there, and they look again.
  let wake: number | undefined;
  for (;;) {
    const turn = await turns.turn();
    if (!turn) throw new Error('the local host stopped during the rehearsal');
    const look = JSON.stringify([rehearsal.host.hub.waitingFor(PERSON_EVENTS), windowRun()?.runtimeStatus, windowRun()?.lastUpdatedTime]);
    const display = !o.quiet && performance.now() - lastRead > 1000;
    const woken = wake !== undefined && turn.nowMs >= wake;
    if (look === lookedAt && !scenario.abortWhen && !display && !woken) {
      turns.ack(turn.seq, wake);
      continue;
    }
    wake = undefined;
    lookedAt = look;
    lastRead = performance.now();
    const r = await rehearsal.api('GET', `windows/${rehearsal.windowId}`);
    const status = r.body as WindowStatusView;
    if (r.status === 200 && status.steps && status.runId !== undefined && status.runId !== previousRunId) {
      // Answers belong to a run (a second run asks the same people again); those noted in the
      // folder before a kill are this run's when they carry its id.
      const prefix = `${status.runId}|`;
      if (!thisRun) thisRun = new Set([...answered].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
      const before = new Set(thisRun);
      const lines = await answerPending(rehearsal, status, thisRun, o.ask, scenario, (at) => (wake = wake === undefined ? at : Math.min(wake, at)));
      for (const line of lines) log(`  ${line}`);
      // What was answered is noted in the folder, so a resumed rehearsal does not ask again.
      for (const key of thisRun) if (!before.has(key)) rehearsal.folder.noteAnswered(`${prefix}${key}`);
      const trigger = scenario.abortWhen;
      if (trigger && !aborted && status.steps.some((s) => s.id === trigger.step && s.state === trigger.state && (trigger.detail === undefined || (s.detail ?? '').includes(trigger.detail)))) {
        aborted = true;
        const r = await rehearsal.api('POST', `windows/${rehearsal.windowId}/abort`, ON_CALL, { reason: trigger.reason });
        log(`  on-call-engineer aborted the window (${r.status}): ${trigger.reason}`);
      }
      const line = progressLine(status, turn.nowMs, o.zone);
      // Print when something changed, not every move of the clock.
      const key = line.replace(/^\[[^\]]*\] /, '');
      if (!o.quiet && key !== last) log(line);
      last = key;
      const end = windowEnd(status, windowRun()?.runtimeStatus);
      if (end === 'ended') {
        log('');
        // For people: every instant in the window's zones, never raw UTC.
        const human = (text: string) => humanizeTimes(text, zonesOf(status.details ?? {}));
        log(human(status.summary ?? status.stopReason ?? status.state));
        // What the window left changed, from the restore ledger: nothing, or the reason to look.
        const kept = status.stillChanged.filter((c) => c.state === 'kept');
        const notBack = status.stillChanged.filter((c) => c.state !== 'kept');
        const item = (c: (typeof kept)[number]) => `  ${c.state.toUpperCase()} ${c.description} (${c.step}${c.note ? `: ${human(c.note)}` : ''})`;
        if (status.stillChanged.length === 0) log('Nothing left changed: every pool, alert, page and key is back.');
        if (notBack.length > 0) log(`STILL CHANGED, NOT PUT BACK (${notBack.length}):\n${notBack.map(item).join('\n')}`);
        if (kept.length > 0) log(`Left changed on purpose (${kept.length}):\n${kept.map(item).join('\n')}`);
        if (status.details?.runId) log(`Window report: ${rehearsal.host.url}/api/windows/${rehearsal.windowId}/runs/${status.details.runId}/report.html (function key required; mw report ${rehearsal.windowId})`);
        // The turn stays unacknowledged: time stands still until whoever acts next (another
        // run's start, an emergency page) has changed the hub, so what follows starts at the same
        // virtual moment on a quiet or a loaded machine.
        return status;
      }
      if (end === 'recordLost') {
        // The store lost a write (Azurite keeps its metadata in memory for up to 5 s,
        // docs/idempotency.md). Waiting would hang, so the rehearsal ends here and says so.
        const reason = `NOT CONFIRMED: the window's orchestration is ${windowRun()?.runtimeStatus}, but the window's record says '${status.state}'. The window's records are wrong (a write was lost); check the estate before trusting them`;
        log('');
        log(reason);
        // Not the record's word: the rehearsal could not confirm the window, so it fails.
        return { ...status, state: 'failed', stopReason: reason };
      }
    }
    turns.ack(turn.seq, wake);
  }
}

/** Which start of this rehearsal the process is (set for a start again after a taken port). */
const ATTEMPT_ENV = 'MW_REHEARSE_ATTEMPT';

function portTaken(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE/.test(String((error as Error).message));
}

/**
 * A fresh rehearsal on ports it picked (`--port 0`, `--base-port 0`) starts again on other ports
 * when one was taken between the pick and the listen (another rehearsal picking at that moment),
 * up to three starts in all. In a new process, with --fresh: the host is one per process
 * (`@azure/functions-core` is process-wide, devhost/core/functionsCore.ts), and a start that
 * failed at the host's listen has already loaded the app, so a second host here would be refused.
 */
function startAgainInNewProcess(argv: string[], attempt: number): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...argv.slice(1), '--fresh'], { stdio: 'inherit', env: { ...process.env, [ATTEMPT_ENV]: String(attempt) } });
  // Whoever started the rehearsal holds this process: its Ctrl-C or SIGTERM goes on to the new
  // start, which stops its host, Azurite and estate, instead of ending this one and orphaning it.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      // Ended by the signal itself (before its own handler was set): the shell's 128 + its number.
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 0));
    }),
  );
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('rehearse')
    .description('rehearse a window on the virtual clock against the simulated estate')
    .argument('[window]', 'window file', DEFAULT_WINDOW)
    .option('--interactive', 'ask before each approval and manual step')
    .option('--serve', 'keep the host and the estate running afterwards (Ctrl-C to stop)')
    .option('--speed <n>', 'paced: while the window waits for a person, virtual seconds per real second (default: event-driven, time jumps to the next timer)', Number)
    .option('--activity-jitter-ms <ms>', 'slow every activity by a random 0..N real ms (outcomes must not change)', Number)
    .option('--port <n>', 'local host HTTP port', Number, 7071)
    .option('--base-port <n>', 'first port of the simulated estate', Number, 7440)
    .option('--keep', 'keep the rehearsal folder (logs, storage) when it ends')
    .option('--estate <file>', 'the simulated estate (default sandbox/estate/default.yaml)')
    .option('--estate-process', 'run the estate in a child process, started again when it dies (chaos runs kill it alone)')
    .option('--dir <folder>', 'the rehearsal folder (default .mw/rehearsals/<window-id>)')
    .option('--resume', 'continue a rehearsal that was killed, from its folder (task hub, estate, keys)')
    .option('--fresh', "discard an unfinished rehearsal's folder and start over")
    .option('--quiet', 'no live progress lines')
    .option('--storage <connection>', 'storage connection string (default: an Azurite of its own on free ports, data in the folder)')
    .option('--report <file>', 'write the final status, estate state and call log as JSON')
    .option('--scenario <file>', 'faults and people behaviour for this rehearsal (JSON, see Scenario)');
  program.parse(argv);
  const options = program.opts<Options>();
  const windowFile = path.resolve(program.args[0] ?? DEFAULT_WINDOW);
  if (options.estate) options.estate = path.resolve(options.estate);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const stopWatchingHeap = watchHeap((line) => log(`WARNING ${line}`));

  const given = options.scenario ? (JSON.parse(readFileSync(options.scenario, 'utf8')) as Scenario) : undefined;
  // Started by the timer, the clock begins inside the scheduler's lead time (it starts windows 30 minutes early).
  let rehearsal: Rehearsal;
  try {
    rehearsal = await startRehearsal(windowFile, { ...options, scenario: given, log, ...(given?.startViaTimer ? { leadMinutes: 20 } : {}) });
  } catch (error) {
    const attempt = Number(process.env[ATTEMPT_ENV] ?? '1');
    const picked = !options.resume && (options.port === 0 || options.basePort === 0);
    if (!picked || !portTaken(error) || attempt >= 3) throw error;
    stopWatchingHeap();
    log(`a port was taken when the rehearsal listened (${(error as Error).message}); starting again on freshly picked ports`);
    return startAgainInNewProcess(argv, attempt + 1);
  }
  // A resumed rehearsal behaves as it was started to.
  const scenario = ((options.resume ? rehearsal.record.scenario : given) as Scenario | undefined) ?? {};
  const windowRun = () => rehearsal.host.hub.getStatus(InstanceIds.window(rehearsal.windowId), { showInput: false });
  // Whether the window has been started: from then on a stop keeps the folder for --resume,
  // until it has finished.
  let started = windowRun() !== undefined;
  let finished = false;
  const resumeHint = `continue it with: npm start -- --resume ${path.relative(process.cwd(), rehearsal.record.windowFile)} --dir ${rehearsal.folder.dir}`;
  if (!options.resume) for (const fault of scenario.faults ?? []) await injectFault(rehearsal, fault);
  // Ctrl-C or a test's SIGTERM still stops the host, its Azurite and the estate, within a
  // deadline; a second signal, or the deadline, ends the process at once (the host's Azurite
  // is signalled on exit either way). A started rehearsal keeps its folder, to be resumed.
  const stopOnSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    process.once('SIGINT', () => process.exit(code));
    process.once('SIGTERM', () => process.exit(code));
    setTimeout(() => process.exit(code), STOP_HOST_MS + STOP_SANDBOX_MS + 2_000);
    if (started && !finished) log(`stopped; ${resumeHint}`);
    void rehearsal.stop({ keepFolder: (started && !finished) || options.keep === true }).finally(() => process.exit(code));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const rl = options.interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  // A question to the person at the keyboard holds the clock until it is answered.
  const ask = rl
    ? async (q: string) => {
        const hold = rehearsal.host.hub.time.hold(`asking: ${q}`);
        try {
          return !/^n/i.test(await rl.question(`${q} [Y/n] `));
        } finally {
          hold.release();
        }
      }
    : undefined;
  // The rehearsal people take part in every move of time: they see each quiescent state of
  // the hub, answer what waits for them, and only then let time move on.
  const turns = rehearsal.turns;
  try {
    if (started) {
      log(`resuming ${rehearsal.windowId} from ${rehearsal.folder.dir} at ${new Date(rehearsal.host.clock.now()).toISOString()}`);
    } else if (scenario.startViaTimer) {
      const fire = () => fetch(`${rehearsal.host.url}/admin/functions/windowScheduler`, { method: 'POST', headers: { 'x-functions-key': rehearsal.masterKey, 'content-type': 'application/json' }, body: '{}' });
      const fired = await Promise.all([fire(), fire()]);
      started = true;
      log(`fired the scheduler twice: ${fired.map((f) => f.status).join(', ')}`);
    } else {
      await startRun(rehearsal);
      started = true;
    }
    log(`rehearsing ${rehearsal.windowId}; status ${rehearsal.host.url}/api/windows/${rehearsal.windowId}/page (function key required)`);
    const duplicateStart = scenario.duplicateStart && !options.resume ? (await rehearsal.api('POST', `windows/${rehearsal.windowId}/start`, STARTER, { mode: 'rehearsal' })).status : undefined;
    const zone = loadWindowFile(windowFile).window!.timeZone;
    const answered = rehearsal.folder.answered();
    const finals: WindowStatusView[] = [];
    for (const [i, run] of [scenario, ...(scenario.runs ?? [])].entries()) {
      if (i > 0) {
        for (const fault of run.faults ?? []) await injectFault(rehearsal, fault);
        await startRun(rehearsal);
        log(`\nrun ${i + 1} of ${rehearsal.windowId} started`);
      }
      finals.push(await followRun(rehearsal, run, finals.at(-1)?.runId, { log, zone, answered, ...(ask ? { ask } : {}), ...(options.quiet ? { quiet: true } : {}) }));
    }
    let status = finals.at(-1)!;
    if (scenario.pageAfterEnd) status = await pageAfterEnd(rehearsal, scenario.pageAfterEnd, log);
    if (options.report) writeFileSync(options.report, JSON.stringify(await buildReport(rehearsal, finals, duplicateStart, status), null, 1));
    finished = true;
    if (options.serve) {
      // Kept running for people to look around: real time from here, and no skipping
      // past a question to a person (the rehearsal people have left).
      turns.leave();
      rehearsal.host.hub.setHoldSkipOnEvents(PERSON_EVENTS);
      rehearsal.host.clock.setSpeed(1);
      log(`serving at ${rehearsal.host.url} on real time; Ctrl-C to stop`);
      await new Promise<void>(() => undefined);
    }
    return status.state === 'succeeded' ? 0 : 1;
  } catch (error) {
    if (started) log(`the rehearsal stopped: ${error instanceof Error ? error.message : String(error)}; ${resumeHint}`);
    throw error;
  } finally {
    stopWatchingHeap();
    turns.leave();
    rl?.close();
    // Over: nothing to resume, the folder goes (unless --keep). Stopped early: it stays.
    await rehearsal.stop({ keepFolder: options.keep === true || (started && !finished) });
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`rehearse: ${error.message}\n`);
      process.exit(2);
    },
  );
}
