/**
 * Engine cost: rehearse a synthetic window (bench/synthetic) through the local host and the
 * simulated estate as `npm start` does, and measure real time, activities, history sizes
 * and peak memory. A run that outlives its real-time cap is stopped: its figures are what
 * it had done by then, with the share of the expected activities.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RssSampler, cpuSeconds, descendants, startRehearse } from './proc';
import { writeSyntheticFiles } from './synthetic/estate';

export interface EngineResult {
  servers: number;
  groups: number;
  changes: number;
  /** Whether the window ran to its end within the cap. */
  finished: boolean;
  state: string;
  /** From spawn to exit (or to the cap). */
  processSeconds: number;
  /** From the window's start to its summary (or to the cap). */
  windowSeconds: number;
  activities: number;
  orchestratorEpisodes: number;
  instances: number;
  historyTotal: number;
  historyLargest: number;
  /** The history text sent to orchestrators, summed over every episode (MB), and the largest one episode was sent (KB). */
  replayedMb?: number;
  largestEpisodeKb?: number;
  /** Peak RSS of the rehearsal process up to the window's summary line. */
  windowPeakMb?: number;
  mainPeakMb: number;
  treePeakMb: number;
  /**
   * CPU seconds (user + system) spent during the window by the rehearsal process (host, app and
   * estate) and by its Azurite: what the window costs whatever the real time, and so the least
   * real time it could take on this machine's cores even if all of it ran in parallel.
   */
  windowCpu?: { host: number; azurite: number; cores: number };
}

/** CPU seconds so far of the rehearsal process and of its descendants (Azurite). */
function treeCpu(pid: number): { host: number; azurite: number } {
  return { host: cpuSeconds(pid), azurite: descendants(pid).reduce((s, p) => s + cpuSeconds(p), 0) };
}

interface Instance {
  instanceId: string;
  historyEvents?: unknown[];
}

/** Every instance with its history, from the host's durable HTTP API (pages of 100, as the extension's). */
async function instancesOf(hostUrl: string): Promise<Instance[]> {
  const base = `${hostUrl}/runtime/webhooks/durabletask/instances`;
  const list: { instanceId: string }[] = [];
  for (let token = ''; ; ) {
    const res = await fetch(base, { headers: token ? { 'x-ms-continuation-token': token } : {} });
    list.push(...((await res.json()) as { instanceId: string }[]));
    token = res.headers.get('x-ms-continuation-token') ?? '';
    if (!token) break;
  }
  const out: Instance[] = [];
  for (const item of list) out.push((await (await fetch(`${base}/${encodeURIComponent(item.instanceId)}?showHistory=true`)).json()) as Instance);
  return out;
}

function countLog(hostLog: string): { activities: number; episodes: number; replayedChars: number; largestChars: number } {
  let activities = 0;
  let episodes = 0;
  let replayedChars = 0;
  let largestChars = 0;
  for (const line of hostLog.split('\n')) {
    if (line.includes('"kind":"activity"')) activities++;
    else if (line.includes('"kind":"orchestrator"')) {
      episodes++;
      const chars = Number(/"bindingChars":(\d+)/.exec(line)?.[1] ?? 0);
      replayedChars += chars;
      largestChars = Math.max(largestChars, chars);
    }
  }
  return { activities, episodes, replayedChars, largestChars };
}

export async function engineRun(servers: number, workDir: string, capMs: number): Promise<EngineResult> {
  const { windowFile, estateFile, synthetic } = writeSyntheticFiles(workDir, { servers });
  const dir = path.join(workDir, `rehearsal-${servers}`);
  const report = path.join(workDir, `report-${servers}.json`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(report, { force: true });
  const started = performance.now();
  const run = startRehearse([windowFile, '--estate', estateFile, '--quiet', '--report', report, '--port', '0', '--base-port', '0', '--dir', dir, '--keep']);
  const rss = new RssSampler(run.child.pid!);
  const host = await run.waitFor(/^host (http:\/\/\S+)/m, capMs);
  await run.waitFor(/^rehearsing /m, capMs);
  const windowStarted = performance.now();
  const cpuAtStart = treeCpu(run.child.pid!);
  // The summary line ends the window; writing the report (every history) comes after it.
  const summary = await run.waitFor(/^Done \d+, not doing/m, Math.max(0, capMs - (windowStarted - started)));
  const summaryAt = performance.now();
  const cpuAtEnd = treeCpu(run.child.pid!);
  // The window's own peak: what comes after (the --report file with every history, the host log
  // and the call log, built in memory) is the bench's tooling, not the rehearsal.
  rss.sample();
  const windowPeakMb = rss.mainPeakMb;
  const capped = !summary && run.child.exitCode === null && run.child.signalCode === null;
  if (!capped) await run.exit;
  rss.sample();
  rss.stop();
  const groups = Object.keys(synthetic.window.serverGroups as object).length;
  const changes = (synthetic.window.phases as { steps: unknown[] }[])[1]!.steps.length;
  let instances: Instance[] = [];
  let state = 'stopped at the cap';
  if (capped) {
    if (host) instances = await instancesOf(host[1]!).catch(() => []);
    run.kill();
    await run.exit;
  } else if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8')) as { instances: Instance[]; status: { state: string } };
    instances = r.instances;
    state = r.status.state;
  } else {
    state = `no report (exit ${run.child.exitCode}): ${run.output().slice(-400)}`;
  }
  const processSeconds = (performance.now() - started) / 1000;
  const hostLog = existsSync(path.join(dir, 'host.log')) ? readFileSync(path.join(dir, 'host.log'), 'utf8') : '';
  const counts = countLog(hostLog);
  const sizes = instances.map((i) => i.historyEvents?.length ?? 0);
  rmSync(dir, { recursive: true, force: true });
  rmSync(report, { force: true });
  return {
    servers,
    groups,
    changes,
    finished: !capped && state !== 'stopped at the cap',
    state,
    processSeconds: capped ? (summaryAt - started) / 1000 : processSeconds,
    windowSeconds: (summaryAt - windowStarted) / 1000,
    activities: counts.activities,
    orchestratorEpisodes: counts.episodes,
    instances: instances.length,
    historyTotal: sizes.reduce((s, n) => s + n, 0),
    historyLargest: Math.max(0, ...sizes),
    replayedMb: counts.replayedChars / 1e6,
    largestEpisodeKb: counts.largestChars / 1e3,
    windowPeakMb,
    mainPeakMb: rss.mainPeakMb,
    treePeakMb: rss.treePeakMb,
    windowCpu: { host: cpuAtEnd.host - cpuAtStart.host, azurite: cpuAtEnd.azurite - cpuAtStart.azurite, cores: os.availableParallelism() },
  };
}
