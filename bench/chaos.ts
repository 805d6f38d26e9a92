/**
 * Chaos: one rehearsal of 2025-06-22 whose process (the host, the app and the estate) is
 * SIGKILLed at seeded random moments and resumed each time with `npm start -- --resume`; its
 * final estate is compared with an undisturbed run's.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../shared/random';
import { descendants, gone, seededPicks, sleep, startRehearse, stepsDone, waitUntil } from './proc';
import { WINDOW_0622 } from './load';

// The report's estate is the simulated services' snapshot (sandbox/*/state), read loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

export interface ChaosResult {
  kills: number;
  asked: number;
  seed: number;
  /** Each kill's moment: the number of steps done when it came (plus a seeded 0-1 s). */
  moments: number[];
  /** The last run's output (its end), for a failed run. */
  tail: string;
  finished: boolean;
  state: string;
  checks: { name: string; ok: boolean; detail: string }[];
  /** Side effects the killed run made more often than the undisturbed one. */
  duplicates: string[];
  /** Side effects it made less often. */
  missing: string[];
  seconds: number;
}

/** Counts of every side effect the estate records, by resource. */
export function sideEffects(report: Doc): Record<string, number> {
  const e = report.estate;
  const counts: Record<string, number> = {};
  const add = (key: string, n: number) => (counts[key] = (counts[key] ?? 0) + n);
  for (const [name, vm] of Object.entries<Doc>(e.arm.virtualMachines ?? {})) {
    add(`patch installs on ${name}`, (vm.patchHistory ?? []).length);
    // A Run Command script run again after a lost reply: the state-setting scripts (services,
    // start types, scheduled tasks) leave the same state, but an IIS recycle recycles again.
    add(`IIS recycles on ${name}`, (vm.commands ?? []).filter((c: Doc) => (c.effects ?? []).some((x: string) => x === 'iis reset' || /^app pool .* recycled$/.test(x))).length);
  }
  for (const c of e.slack.channels as Doc[]) add(`Slack messages in #${c.name}`, (c.messages ?? []).length);
  for (const run of e.devops.runs as Doc[]) add(`pipeline runs of ${run.pipelineName ?? run.pipelineId}`, 1);
  for (const [name, s] of Object.entries<Doc>(e.keyvault.secrets ?? {})) add(`Key Vault versions of ${name}`, (s.versions ?? []).length);
  add('Mailgun keys created', (e.mailgun.keys as Doc[]).length + (e.mailgun.deleted as Doc[]).length);
  add('Mailgun keys deleted', (e.mailgun.deleted as Doc[]).length);
  add('Cloudflare changes', (e.cloudflare.changes ?? []).length);
  add('Cloudflare purges', (e.cloudflare.purges ?? []).length);
  add('Pingdom maintenance windows', (e.pingdom.maintenance ?? []).length);
  add('Opsgenie maintenances', (e.opsgenie.maintenances ?? []).length);
  return counts;
}

function pools(report: Doc): unknown {
  const now = (section: Record<string, { pools: Record<string, string[]> }>) => Object.fromEntries(Object.entries(section).map(([name, x]) => [name, Object.fromEntries(Object.entries(x.pools).map(([p, m]) => [p, [...m].sort()]))]));
  return { gateways: now(report.estate.arm.applicationGateways), loadBalancers: now(report.estate.arm.loadBalancers) };
}

/** Every DNS record of every simulated zone: where the maintenance page's hostnames point. */
function dns(report: Doc): unknown {
  return Object.fromEntries((report.estate.cloudflare.zones as Doc[]).map((z) => [z.name, Object.fromEntries((z.records as Doc[]).map((r) => [`${r.type} ${r.name}`, r.content]).sort())]));
}

/**
 * The checks on the estate (pools whole, no alert suppressed, page down, one rotation
 * each, the finish message once), then two on the window's own records.
 */
export function finalChecks(report: Doc, reference: Doc): ChaosResult['checks'] {
  const title = '2025-06-22 Monthly succeeded';
  const rotations = (r: Doc) => Object.fromEntries(Object.entries<Doc>(r.estate.keyvault.secrets).map(([n, s]) => [n, (s.versions as Doc[]).filter((v) => v.tags?.mwRotation).length]));
  const finish = (r: Doc) => (r.estate.slack.channels as Doc[]).map((c) => [c.name, (c.messages as Doc[]).filter((m) => String(m.text).includes(title)).length]).filter(([, n]) => n > 0);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return [
    { name: 'succeeded', ok: report.status.state === 'succeeded', detail: report.status.state },
    { name: 'every pool as the undisturbed run left it', ok: same(pools(report), pools(reference)), detail: same(pools(report), pools(reference)) ? 'same' : JSON.stringify(pools(report)) },
    { name: 'no alert suppressed', ok: Object.keys(report.estate.arm.alertProcessingRules ?? {}).length === 0, detail: `${Object.keys(report.estate.arm.alertProcessingRules ?? {}).length} rules` },
    { name: 'maintenance page down: every DNS record as the undisturbed run left it', ok: same(dns(report), dns(reference)), detail: same(dns(report), dns(reference)) ? 'same' : JSON.stringify(dns(report)) },
    { name: 'one new Mailgun key (one deleted)', ok: report.estate.mailgun.deleted.length === 1, detail: `${report.estate.mailgun.deleted.length} deleted` },
    { name: 'one new Key Vault version per rotated secret', ok: same(rotations(report), rotations(reference)) && Object.values(rotations(report)).every((n) => n <= 1), detail: JSON.stringify(rotations(report)) },
    { name: 'finish message posted once per channel', ok: same(finish(report), finish(reference)) && finish(report).every(([, n]) => n === 1), detail: JSON.stringify(finish(report)) },
    // The window's own records, beyond the estate checks: what the status page and CLI show.
    { name: "the window's records: every page down", ok: same(report.status.maintenancePages, reference.status.maintenancePages) && Object.values(report.status.maintenancePages).every((s) => s === 'down'), detail: JSON.stringify(report.status.maintenancePages) },
    { name: "the window's records: nothing left changed", ok: (report.status.stillChanged ?? []).length === 0, detail: `${(report.status.stillChanged ?? []).length} entries` },
  ];
}

export async function chaosRun(workDir: string, referenceReport: string, kills: number, seed: number, limitMs: number): Promise<ChaosResult> {
  const dir = path.join(workDir, 'rehearsal-chaos');
  const report = path.join(workDir, 'chaos-0622.json');
  rmSync(dir, { recursive: true, force: true });
  rmSync(report, { force: true });
  const random = seededRandom(seed);
  const started = performance.now();
  const moments: number[] = [];
  let done = 0;
  let finished = false;
  let last = '';
  // Seeded moments spread over the whole window: kill k comes once the progress line says at
  // least thresholds[k] steps are done (distinct, rising), plus a seeded 0-1 s. A moment in
  // real time alone would bunch up where the rehearsal is slow or never reach its end.
  const STEPS = 35;
  // Up to seven steps before the end: the last ones finish within a second or two of each other
  // (the window's end comes soon after), too close for a kill to land before the process exits.
  const thresholds = seededPicks(random, 1, STEPS - 7, kills);
  while (thresholds.length < kills) thresholds.push(thresholds.at(-1) ?? 1);
  for (let i = 0; i <= kills && performance.now() - started < limitMs; i++) {
    // A fresh rehearsal runs its own Azurite on free ports, kept in its folder for --resume.
    const args = i === 0 ? [WINDOW_0622, '--port', '0', '--base-port', '0'] : [WINDOW_0622, '--resume'];
    const run = startRehearse([...args, '--dir', dir, '--report', report]);
    // The most steps any progress line of this run shows (a resumed run starts where its hub is).
    const reached = i < kills ? await waitUntil(() => stepsDone(run.output()) >= thresholds[i]! || run.child.exitCode !== null, limitMs) : undefined;
    if (i === kills || !reached || run.child.exitCode !== null) {
      const code = await Promise.race([run.exit, sleep(limitMs).then(() => 'limit' as const)]);
      if (code === 'limit') run.kill();
      last = run.output();
      finished = existsSync(report);
      break;
    }
    const delay = Math.round(random() * 1000);
    const ended = await Promise.race([run.exit.then(() => true), sleep(delay).then(() => false)]);
    if (ended) {
      last = run.output();
      finished = existsSync(report);
      break;
    }
    // The rehearsal process alone (host, app, estate): its Azurite sees its parent go, closes and
    // saves, as Azure Storage keeps what it acknowledged. A kill of the whole group (Azurite too)
    // loses up to Azurite's 5 s of unsaved writes: see docs/benchmarks.md.
    const azurite = descendants(run.child.pid!);
    process.kill(run.child.pid!, 'SIGKILL');
    await run.exit;
    await gone(azurite, 30_000);
    moments.push(thresholds[i]!);
    done++;
    last = run.output();
  }
  const seconds = (performance.now() - started) / 1000;
  const reference = JSON.parse(readFileSync(referenceReport, 'utf8')) as Doc;
  if (!finished) return { kills: done, asked: kills, seed, moments, tail: last.slice(-3000), finished, state: 'no report', checks: [], duplicates: [], missing: [], seconds };
  const final = JSON.parse(readFileSync(report, 'utf8')) as Doc;
  const ours = sideEffects(final);
  const theirs = sideEffects(reference);
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
  rmSync(dir, { recursive: true, force: true });
  return {
    kills: done,
    asked: kills,
    seed,
    moments,
    tail: last.slice(-3000),
    finished,
    state: final.status.state,
    checks: finalChecks(final, reference),
    duplicates: keys.filter((k) => (ours[k] ?? 0) > (theirs[k] ?? 0)).map((k) => `${k}: ${ours[k] ?? 0} (undisturbed ${theirs[k] ?? 0})`),
    missing: keys.filter((k) => (ours[k] ?? 0) < (theirs[k] ?? 0)).map((k) => `${k}: ${ours[k] ?? 0} (undisturbed ${theirs[k] ?? 0})`),
    seconds,
  };
}
