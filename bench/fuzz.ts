/**
 * HTTP abuse: every probe of test/support/httpAbuse.ts (the e2e test's own cases) against a
 * live served rehearsal whose window waits at its approval gate, so a refused request could
 * still change something: the run, its events, every orchestration and the estate are read
 * before and after, and must be the same.
 */
import { startLiveWindow } from '../test/e2e/liveWindow';
import { abuseProbes, runAbuse } from '../test/support/httpAbuse';

export interface FuzzResult {
  /** The window the probes aimed at, waiting at its gate. */
  window: string;
  requests: number;
  /** Answers by status code ("0": none). */
  statuses: Record<string, number>;
  serverErrors: number;
  hangs: number;
  /** Answers that were not a clear 4xx (first few). */
  problems: string[];
  problemCount: number;
  /** What differed between the readings before and after (must be none). */
  stateChanges: string[];
  /** Real seconds: bringing the window up, then the probes. */
  setupSeconds: number;
  seconds: number;
}

const TARGET = { file: 'test/fixtures/windows/e2e-mini.yaml', gate: 'go-ahead', step: 'page-up' };

export async function fuzzRun(): Promise<FuzzResult> {
  const started = performance.now();
  const live = await startLiveWindow(TARGET.file, TARGET.gate);
  try {
    const setupSeconds = (performance.now() - started) / 1000;
    const before = (await live.glance()) as Record<string, unknown>;
    const probing = performance.now();
    const target = { windowId: live.windowId, gate: TARGET.gate, step: TARGET.step };
    // A hang is an answer slower than 30 s: far beyond any refusal, short enough to finish.
    const outcome = await runAbuse(live.hostUrl, live.masterKey, target, 30_000);
    const after = (await live.glance()) as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const stateChanges = keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).map((k) => `${k}: ${JSON.stringify(before[k]).slice(0, 100)} → ${JSON.stringify(after[k]).slice(0, 100)}`);
    if (outcome.requests !== abuseProbes(target).length) throw new Error('not every probe was sent');
    return {
      window: `${live.windowId} (${TARGET.file}) at its gate ${TARGET.gate}`,
      requests: outcome.requests,
      statuses: outcome.statuses,
      serverErrors: outcome.serverErrors,
      hangs: outcome.hangs,
      problems: outcome.problems.slice(0, 10),
      problemCount: outcome.problems.length,
      stateChanges,
      setupSeconds,
      seconds: (performance.now() - probing) / 1000,
    };
  } finally {
    await live.stop();
  }
}

/** The part's section of docs/benchmarks.md. */
export function fuzzSection(f: FuzzResult, out: string[]): void {
  out.push('', '### HTTP abuse (every route)', '');
  out.push(`${f.requests} requests, one after the other, from test/support/httpAbuse.ts (the cases of test/e2e/http-abuse.test.ts): on each POST route, malformed JSON, a wrong type, an extra field, a 1.5 MB field, 3 MB and 21 MB bodies, control characters, text/plain and no content type, no or a wrong function key, nobody named, PUT and DELETE; path traversal, NUL, CR-LF, right-to-left and 5,000-character ids on the window and gate routes; the Slack endpoint unsigned, as JSON and at 3 MB. Aimed at ${f.window}, a live \`npm start -- --serve\` rehearsal (${Math.round(f.setupSeconds)} s to come up; the probes took ${Math.round(f.seconds)} s).`);
  const codes = Object.entries(f.statuses).sort(([a], [b]) => Number(a) - Number(b));
  out.push('', `| ${codes.map(([c]) => (c === '0' ? 'no answer' : c)).join(' | ')} | 5xx | hangs (no answer in 30 s) | unclear answers | state changes |`, `|${'---|'.repeat(codes.length + 4)}`);
  out.push(`| ${codes.map(([, n]) => String(n)).join(' | ')} | ${f.serverErrors} | ${f.hangs} | ${f.problemCount} | ${f.stateChanges.length} |`);
  if (f.problems.length > 0) out.push('', `Unclear answers (first ${f.problems.length}): ${f.problems.map((p) => p.replace(/\|/g, '\\|')).join('; ')}.`);
  if (f.stateChanges.length > 0) out.push('', `State changed: ${f.stateChanges.join('; ')}.`);
  out.push('', 'A clear answer is a 4xx whose JSON body carries `error.message` (naming the field for a wrong type), or the host\'s bodiless 401/404 as Azure Functions answers them. The state read before and after: the run\'s state, revision, pages, event count and steps, every orchestration instance id, and the estate\'s DNS calls.');
}
