import autocannon from 'autocannon';
import { loadPart } from '../../../bench/load';
import { cpuSeconds } from '../../../bench/proc';

/**
 * The figures the load part and the engine part report. A paced round is several autocannon
 * instances merged by autocannon's own aggregateResult, which merges latencies but not the
 * per-second request counts: its rate must come from its total, not from a merged average of 0.
 */

type Result = autocannon.Result;
type Histogram = { recordValue(v: number): void };
// autocannon's own histogram helpers (what an instance encodes its result with); untyped.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const histUtil = require('autocannon/lib/histUtil') as { getHistograms(): Record<'latencies' | 'requests' | 'throughput', Histogram>; encodeHist(h: Histogram): string };
const aggregate = (autocannon as unknown as { aggregateResult(results: Result[], opts: autocannon.Options): Result }).aggregateResult;

/** An autocannon result as an instance run with `skipAggregateResult` returns it (histograms encoded). */
function instanceResult(requests: number, seconds: number): Result {
  const h = histUtil.getHistograms();
  for (let i = 0; i < requests; i++) h.latencies.recordValue(5);
  for (let s = 0; s < seconds; s++) h.requests.recordValue(requests / seconds);
  h.throughput.recordValue(1000);
  const now = Date.now();
  return {
    latencies: histUtil.encodeHist(h.latencies),
    requests: histUtil.encodeHist(h.requests),
    throughput: histUtil.encodeHist(h.throughput),
    totalCompletedRequests: requests,
    totalRequests: requests,
    totalBytes: requests * 100,
    samples: seconds,
    errors: 0,
    timeouts: 0,
    mismatches: 0,
    non2xx: 0,
    resets: 0,
    '1xx': 0,
    '2xx': requests,
    '3xx': 0,
    '4xx': 0,
    '5xx': 0,
    statusCodeStats: { 200: { count: requests } },
    duration: seconds,
    start: new Date(now - seconds * 1000),
    finish: new Date(now),
  } as unknown as Result;
}

it('reports a paced round of merged instances at its total over the round', () => {
  const merged = aggregate([instanceResult(180, 60), instanceResult(120, 60)], { url: 'http://127.0.0.1:1', connections: 5, duration: 60 });
  const paced = loadPart('status API', 'paced', 5, merged, 60);
  expect(paced.requests).toBe(300);
  expect(paced.perSecond).toBe(5);
});

it("reports a closed-loop round (one instance, not merged) at autocannon's own average", () => {
  const one = { ...instanceResult(6000, 60), requests: { average: 100, total: 6000 }, latency: { p50: 4, p99: 9 } } as unknown as Result;
  expect(loadPart('status API', 'closed', 50, one, 60).perSecond).toBe(100);
  // The merge the paced rounds go through has no average, which is why they are not read from it.
  expect(aggregate([instanceResult(6000, 60)], { url: 'http://127.0.0.1:1', connections: 50, duration: 60 }).requests.average).toBe(0);
});

it('reads a live process CPU time, and 0 for a process that is gone', () => {
  const start = cpuSeconds(process.pid);
  // Spin until the kernel has counted a tick more (10 ms), however slow the machine: a hang guard, not a timing check.
  const guard = performance.now() + 30_000;
  while (cpuSeconds(process.pid) <= start && performance.now() < guard) for (let i = 0; i < 1e6; i++) Math.sqrt(i);
  expect(cpuSeconds(process.pid)).toBeGreaterThan(start);
  expect(cpuSeconds(2 ** 22 + 1)).toBe(0);
});
