/**
 * Faults: the 2025-06-22 rehearsal with about 10% of the calls to every vendor listener answered
 * by a transient fault (429 with Retry-After, 500, 503: POST /_sandbox/faults, sandbox/core), its
 * outcome compared with an undisturbed run's: completion, extra calls, extra virtual minutes and
 * duplicate side effects.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { finalChecks, sideEffects } from './chaos';
import { WINDOW_0622 } from './load';
import { sleep, startRehearse } from './proc';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

/** The vendors' listeners (not the estate's control API, nor the sites the probes stand for). */
const VENDORS = ['arm', 'login', 'keyvault', 'cloudflare', 'slack', 'devops', 'pingdom', 'mailgun', 'consul', 'opsgenie'];

export interface FaultsResult {
  /** Chance per call, summed over the three faults (first match wins, so slightly less in effect). */
  rate: number;
  state: string;
  checks: { name: string; ok: boolean; detail: string }[];
  faultsFired: number;
  calls: number;
  referenceCalls: number;
  /** Virtual minutes the window ended later than the undisturbed run. */
  extraVirtualMinutes: number;
  duplicates: string[];
  missing: string[];
  seconds: number;
  tail: string;
}

export async function faultsRun(workDir: string, referenceReport: string, seed: number, limitMs: number): Promise<FaultsResult> {
  const dir = path.join(workDir, 'rehearsal-faults');
  const report = path.join(workDir, 'faults-0622.json');
  const scenario = path.join(workDir, 'faults-scenario.json');
  rmSync(dir, { recursive: true, force: true });
  rmSync(report, { force: true });
  const faults = [{ seed }, ...VENDORS.flatMap((listener) => [{ listener, probability: 0.04, status: 429, retryAfter: 2 }, { listener, probability: 0.03, status: 500 }, { listener, probability: 0.03, status: 503 }])];
  writeFileSync(scenario, JSON.stringify({ faults }));
  const started = performance.now();
  const run = startRehearse([WINDOW_0622, '--quiet', '--report', report, '--scenario', scenario, '--port', '0', '--base-port', '0', '--dir', dir]);
  const code = await Promise.race([run.exit, sleep(limitMs).then(() => 'limit' as const)]);
  if (code === 'limit') {
    run.kill();
    await run.exit;
  }
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const base = { rate: 0.1, faultsFired: 0, calls: 0, referenceCalls: 0, extraVirtualMinutes: 0, duplicates: [], missing: [], checks: [], seconds, tail: run.output().slice(-3000) };
  if (!existsSync(report)) return { ...base, state: code === 'limit' ? 'stopped at the limit' : `no report (exit ${String(code)})` };
  const final = JSON.parse(readFileSync(report, 'utf8')) as Doc;
  const reference = JSON.parse(readFileSync(referenceReport, 'utf8')) as Doc;
  const ours = sideEffects(final);
  const theirs = sideEffects(reference);
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
  const end = (r: Doc) => Date.parse(r.status.finishedAt ?? r.status.eta ?? '');
  return {
    ...base,
    state: final.status.state,
    checks: finalChecks(final, reference),
    faultsFired: ((final.estate.sandbox.faults ?? []) as { fired: number }[]).reduce((s, f) => s + f.fired, 0),
    calls: (final.calls as unknown[]).length,
    referenceCalls: (reference.calls as unknown[]).length,
    extraVirtualMinutes: Math.round((end(final) - end(reference)) / 60_000),
    duplicates: keys.filter((k) => (ours[k] ?? 0) > (theirs[k] ?? 0)).map((k) => `${k}: ${ours[k] ?? 0} (undisturbed ${theirs[k] ?? 0})`),
    missing: keys.filter((k) => (ours[k] ?? 0) < (theirs[k] ?? 0)).map((k) => `${k}: ${ours[k] ?? 0} (undisturbed ${theirs[k] ?? 0})`),
  };
}
