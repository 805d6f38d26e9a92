/**
 * Load: a served rehearsal of 2025-06-22 (`npm start -- --serve`) under 200 status pollers
 * (the API and the page) and 20 approvers, with autocannon on loopback for a bounded time.
 * The rehearsal's report is kept: it is the undisturbed run the chaos part compares with.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { ROOT, RssSampler, startRehearse } from './proc';

export const WINDOW_0622 = path.join(ROOT, 'windows', '2025-06-22-monthly.yaml');
const WINDOW_ID = '2025-06-22-monthly';

export interface LoadPart {
  name: string;
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

export interface LoadResult {
  seconds: number;
  parts: LoadPart[];
  hostRssBeforeMb: number;
  hostRssAfterMb: number;
  hostPeakMb: number;
  /** Real seconds of the undisturbed rehearsal before serving. */
  rehearsalSeconds: number;
  referenceReport: string;
}

function part(name: string, connections: number, r: autocannon.Result): LoadPart {
  const statuses: Record<string, number> = { '2xx': r['2xx'], '4xx': r['4xx'], '5xx': r['5xx'] };
  return { name, connections, requests: r.requests.total, perSecond: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r['5xx'], statuses };
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
    const [api, page, approvers] = await Promise.all([
      autocannon({ ...common, url: `${url}/api/windows/${WINDOW_ID}`, connections: 150 }),
      autocannon({ ...common, url: `${url}/api/windows/${WINDOW_ID}/page`, connections: 50 }),
      // The window is over: every decision is refused (4xx); what counts is that none fails or hangs.
      autocannon({
        ...common,
        url: `${url}/api/windows/${WINDOW_ID}/approvals/pipeline-approval`,
        connections: 20,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'x-mw-user': 'priya-raman' },
        body: JSON.stringify({ decision: 'approve', comment: 'bench' }),
      }),
    ]);
    const after = rssMb(run.child.pid!);
    sampler.sample();
    return {
      seconds,
      parts: [part('status API `GET /api/windows/{id}`', 150, api), part('status page `GET /api/windows/{id}/page`', 50, page), part('approvers `POST .../approvals/{gate}`', 20, approvers)],
      hostRssBeforeMb: before,
      hostRssAfterMb: after,
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
