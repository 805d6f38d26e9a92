/**
 * Load: a served rehearsal of 2025-06-22 (`npm start -- --serve`) under 200 status pollers
 * (the API and the page) and 20 approvers, with autocannon on loopback for a bounded time, twice:
 *
 * - closed loop (capacity): every connection sends its next request as soon as the last is
 *   answered, so latency is connections / throughput (Little's law) and measures the host's capacity;
 * - paced (the pollers): every poller and approver sends one request a second, the pollers
 *   in groups started evenly across the second (browsers polling a page are not in step with each other).
 *
 * The rehearsal's report is kept: it is the undisturbed run the chaos part compares with.
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ROOT, RssSampler, cpuSeconds, sleep, startRehearse } from './proc';

export const WINDOW_0622 = path.join(ROOT, 'windows', '2025-06-22-monthly.yaml');
const WINDOW_ID = '2025-06-22-monthly';

export interface LoadPart {
  name: string;
  /** `closed` (as fast as answered) or `paced` (one request a second per connection). */
  mode?: 'closed' | 'paced';
  connections: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Connection errors and timeouts, plus 5xx answers. */
  errors: number;
  /** Answers by status class. */
  statuses: Record<string, number>;
}

/** The host process's CPU in a round (its Azurite, a child process, not counted). */
export interface LoadCpu {
  /** CPU seconds (user + system) of the host process during the round. */
  seconds: number;
  /** Answers of every kind in the round. */
  requests: number;
}

export interface LoadResult {
  seconds: number;
  parts: LoadPart[];
  hostRssBeforeMb: number;
  /** After the closed-loop round. */
  hostRssAfterMb: number;
  /** After the paced round (absent in results from before it existed). */
  hostRssAfterPacedMb?: number;
  /** The machine's 1-minute load average at the start of each round and at the end (it is shared). */
  loadAverages?: { closed: number; paced: number; end: number };
  /** Host CPU per round (absent in results from before it was measured). */
  cpu?: { closed: LoadCpu; paced: LoadCpu };
  hostPeakMb: number;
  /** Real seconds of the undisturbed rehearsal before serving. */
  rehearsalSeconds: number;
  referenceReport: string;
}

/** One round of one kind of client, as the report shows it. */
export function loadPart(name: string, mode: 'closed' | 'paced', connections: number, r: autocannon.Result, seconds: number): LoadPart {
  const statuses: Record<string, number> = { '2xx': r['2xx'], '4xx': r['4xx'], '5xx': r['5xx'] };
  // autocannon's aggregateResult merges latencies but not the per-second request counts, so a
  // paced round (several instances merged) has no average of its own: it is its total over the round.
  const perSecond = mode === 'paced' ? r.requests.total / seconds : r.requests.average;
  return { name, mode, connections, requests: r.requests.total, perSecond, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r['5xx'], statuses };
}

/** autocannon's merge of instances run with `skipAggregateResult` (in the library, not in its types). */
const aggregate = (autocannon as unknown as { aggregateResult(results: autocannon.Result[], opts: autocannon.Options): autocannon.Result }).aggregateResult;

/**
 * `connections` pollers of `opts.url`, one request a second each, in `groups` autocannon instances
 * started `1000 / groups` ms apart, merged into one result. Latencies are recorded as measured
 * (`ignoreCoordinatedOmission`: autocannon would otherwise add made-up samples at a 1 ms
 * interval, Math.ceil(1 / rate), not the 1,000 ms one; a late answer delays only its own poller's next request).
 */
async function paced(opts: autocannon.Options, connections: number, groups: number): Promise<autocannon.Result> {
  const sizes = Array.from({ length: groups }, (_, i) => Math.floor(connections / groups) + (i < connections % groups ? 1 : 0)).filter((n) => n > 0);
  const results = await Promise.all(
    sizes.map(async (n, i) => {
      await sleep((i * 1000) / sizes.length);
      return autocannon({ ...opts, connections: n, connectionRate: 1, ignoreCoordinatedOmission: true, skipAggregateResult: true });
    }),
  );
  return aggregate(results, { ...opts, connections });
}

function rssMb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export async function loadRun(workDir: string, seconds: number): Promise<LoadResult> {
  const dir = path.join(workDir, 'rehearsal-load');
  const report = path.join(workDir, 'reference-0622.json');
  rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  const run = startRehearse([WINDOW_0622, '--serve', '--quiet', '--report', report, '--port', '0', '--base-port', '0', '--dir', dir]);
  const sampler = new RssSampler(run.child.pid!);
  try {
    const serving = await run.waitFor(/serving at (http:\/\/\S+)/, 15 * 60_000);
    if (!serving) throw new Error(`the served rehearsal did not come up:\n${run.output().slice(-2000)}`);
    const rehearsalSeconds = (performance.now() - started) / 1000;
    const url = serving[1]!;
    const key = (JSON.parse(readFileSync(path.join(dir, 'local.settings.json'), 'utf8')) as { Keys: { master: string } }).Keys.master;
    const headers = { 'x-functions-key': key };
    const before = rssMb(run.child.pid!);
    const common = { duration: seconds, timeout: 10, headers };
    const api = { ...common, url: `${url}/api/windows/${WINDOW_ID}` };
    const page = { ...common, url: `${url}/api/windows/${WINDOW_ID}/page` };
    // The window is over: every decision is refused (4xx); what counts is that none fails or hangs.
    const approve = {
      ...common,
      url: `${url}/api/windows/${WINDOW_ID}/approvals/pipeline-approval`,
      method: 'POST' as const,
      headers: { ...headers, 'content-type': 'application/json', 'x-mw-user': 'priya-raman' },
      body: JSON.stringify({ decision: 'approve', comment: 'bench' }),
    };
    const pid = run.child.pid!;
    const cpu0 = cpuSeconds(pid);
    const load0 = os.loadavg()[0]!;
    const closed = await Promise.all([autocannon({ ...api, connections: 150 }), autocannon({ ...page, connections: 50 }), autocannon({ ...approve, connections: 20 })]);
    const after = rssMb(run.child.pid!);
    const cpu1 = cpuSeconds(pid);
    const load1 = os.loadavg()[0]!;
    // 3, 2 and 1 connections a group: 22 requests at most arrive together, every 20 ms or so.
    const pacedRound = await Promise.all([paced(api, 150, 50), paced(page, 50, 25), paced(approve, 20, 20)]);
    const afterPaced = rssMb(run.child.pid!);
    const cpu2 = cpuSeconds(pid);
    const total = (rs: autocannon.Result[]) => rs.reduce((n, r) => n + r.requests.total, 0);
    sampler.sample();
    const names = ['status API `GET /api/windows/{id}`', 'status page `GET /api/windows/{id}/page`', 'approvers `POST .../approvals/{gate}`'];
    const counts = [150, 50, 20];
    return {
      seconds,
      parts: [...closed.map((r, i) => loadPart(names[i]!, 'closed', counts[i]!, r, seconds)), ...pacedRound.map((r, i) => loadPart(names[i]!, 'paced', counts[i]!, r, seconds))],
      hostRssBeforeMb: before,
      hostRssAfterMb: after,
      hostRssAfterPacedMb: afterPaced,
      loadAverages: { closed: load0, paced: load1, end: os.loadavg()[0]! },
      cpu: { closed: { seconds: cpu1 - cpu0, requests: total(closed) }, paced: { seconds: cpu2 - cpu1, requests: total(pacedRound) } },
      hostPeakMb: sampler.mainPeakMb,
      rehearsalSeconds,
      referenceReport: report,
    };
  } finally {
    sampler.stop();
    run.kill('SIGTERM');
    const stopped = await Promise.race([run.exit.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
    if (!stopped) run.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
