/**
 * Outages of the rehearsal's dependencies, not of the host: a 2025-06-22 rehearsal whose
 * simulated estate runs in a process of its own (`npm start -- --estate-process`) and is
 * SIGKILLed at seeded moments (the rehearsal starts it again on the same ports and state), and
 * one whose Azurite is SIGKILLed once (the host starts it again on the same ports and folder).
 * Each must end in the undisturbed run's final state with no duplicate side effects.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../shared/random';
import { type ChaosResult, finalChecks, sideEffects } from './chaos';
import { WINDOW_0622 } from './load';
import { descendants, seededPicks, sleep, startRehearse, stepsDone, waitUntil } from './proc';

// The report's estate is read loosely, as in bench/chaos.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

export interface OutageRun {
  name: string;
  kills: number;
  asked: number;
  /** Each kill's moment: steps done when it came. */
  moments: number[];
  finished: boolean;
  state: string;
  checks: ChaosResult['checks'];
  duplicates: string[];
  missing: string[];
  /** What the rehearsal said about the outage (restarts), and anything else worth reading. */
  notes: string[];
  tail: string;
  seconds: number;
}

export interface OutagesResult {
  seed: number;
  runs: OutageRun[];
}

/** `count` distinct step counts in 2..31, seeded, rising. */
const moments = (random: () => number, count: number): number[] => seededPicks(random, 2, 31, count);

async function outageRun(name: string, workDir: string, reference: Doc, args: string[], kills: number[], kill: (pid: number, dir: string) => number | undefined, back: (out: string, dir: string, n: number) => boolean, limitMs: number): Promise<OutageRun> {
  const dir = path.join(workDir, `rehearsal-${name.replace(/\W+/g, '-')}`);
  const report = path.join(workDir, `${name.replace(/\W+/g, '-')}.json`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(report, { force: true });
  const started = performance.now();
  const run = startRehearse([WINDOW_0622, '--port', '0', '--base-port', '0', ...args, '--dir', dir, '--report', report]);
  const done: number[] = [];
  const notes: string[] = [];
  try {
    for (const at of kills) {
      const reached = await waitUntil(() => stepsDone(run.output()) >= at || run.child.exitCode !== null, limitMs);
      if (!reached || run.child.exitCode !== null) break;
      // A moment just after the step count is reached: mid-flight work (the next steps have started).
      await sleep(300);
      const pid = kill(run.child.pid!, dir);
      if (pid === undefined) {
        notes.push(`no process to kill at ${at} steps`);
        continue;
      }
      process.kill(pid, 'SIGKILL');
      done.push(at);
      // The next kill only once it is back: two kills in one outage would count as one.
      if (!(await waitUntil(() => back(run.output(), dir, done.length) || run.child.exitCode !== null, 120_000))) notes.push(`not back within 120 s after kill ${done.length}`);
    }
    const code = await Promise.race([run.exit, sleep(limitMs).then(() => 'limit' as const)]);
    if (code === 'limit') notes.push('the rehearsal did not end within its limit');
  } finally {
    run.kill();
  }
  const out = run.output();
  notes.push(...out.split('\n').filter((l) => /the estate .*(ended|is back|did not start)|^FAILED |^NOT CONFIRMED: /.test(l)).slice(0, 12));
  const seconds = (performance.now() - started) / 1000;
  const finished = existsSync(report);
  const base = { name, kills: done.length, asked: kills.length, moments: done, finished, notes, tail: out.slice(-3000), seconds };
  if (!finished) return { ...base, state: 'no report', checks: [], duplicates: [], missing: [] };
  const final = JSON.parse(readFileSync(report, 'utf8')) as Doc;
  const ours = sideEffects(final);
  const theirs = sideEffects(reference);
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
  rmSync(dir, { recursive: true, force: true });
  return {
    ...base,
    state: final.status.state,
    checks: finalChecks(final, reference),
    duplicates: keys.filter((k) => (ours[k] ?? 0) > (theirs[k] ?? 0)).map((k) => `${k}: ${ours[k] ?? 0} (undisturbed ${theirs[k] ?? 0})`),
    missing: keys.filter((k) => (ours[k] ?? 0) < (theirs[k] ?? 0)).map((k) => `${k}: ${ours[k] ?? 0} (undisturbed ${theirs[k] ?? 0})`),
  };
}

/** The estate SIGKILLed `estateKills` times, then Azurite once in each of `azuriteRuns` other rehearsals. */
export async function outagesRun(workDir: string, referenceReport: string, seed: number, limitMs: number, estateKills = 5, azuriteRuns = 3): Promise<OutagesResult> {
  const reference = JSON.parse(readFileSync(referenceReport, 'utf8')) as Doc;
  const random = seededRandom(seed + 1);
  const runs: OutageRun[] = [];
  const estatePid = (_: number, dir: string) => {
    try {
      return Number(readFileSync(path.join(dir, 'sandbox', 'estate.pid'), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const estateBack = (out: string, _dir: string, n: number) => (out.match(/the estate is back/g) ?? []).length >= n;
  // Each rehearsal runs an Azurite of its own on free ports (the host starts it: the rehearsal
  // process's only child), so a kill never hits another run's.
  if (estateKills > 0) runs.push(await outageRun('estate SIGKILL', workDir, reference, ['--estate-process'], moments(random, estateKills), estatePid, estateBack, limitMs));
  const azuritePid = (pid: number) => descendants(pid)[0];
  const azuriteBack = (_out: string, dir: string) => {
    try {
      return readFileSync(path.join(dir, 'host.log'), 'utf8').includes('Azurite is back');
    } catch {
      return false;
    }
  };
  // Once per rehearsal, in a few rehearsals: what a kill loses depends on when Azurite last saved.
  for (let i = 1; i <= azuriteRuns; i++) runs.push(await outageRun(`Azurite SIGKILL ${i}`, workDir, reference, [], moments(random, 1), azuritePid, azuriteBack, limitMs));
  return { seed, runs };
}

/** The part's section of docs/benchmarks.md. */
export function outagesSection(o: OutagesResult, out: string[]): void {
  out.push('', '### Outages (the estate, then Azurite, SIGKILLed alone)', '');
  out.push(`Rehearsals of windows/2025-06-22-monthly.yaml (seed ${o.seed}). In the first the simulated estate runs in a process of its own (\`npm start -- --estate-process\`) and is SIGKILLed once the progress line shows t steps done; the rehearsal starts it again on the same ports and state folder, holding the virtual clock until it listens. In the others the host's own Azurite is SIGKILLed once each, at a seeded moment; the host starts it again on the same ports and folder, holding the clock likewise. Each rehearsal has an Azurite of its own on free ports. Compared with an undisturbed run (the load part's, or the one given with --reference):`);
  out.push('', '| outage | kills (at steps done) | outcome | checks | duplicate side effects | missing side effects | real s |', '|---|---|---|---|---|---|---|');
  for (const r of o.runs) {
    out.push(`| ${r.name} | ${r.kills}/${r.asked} (${r.moments.join(', ') || '-'}) | ${r.state} | ${r.checks.filter((c) => c.ok).length}/${r.checks.length} | ${r.duplicates.length === 0 ? '0' : r.duplicates.join('; ').replace(/\|/g, '\\|')} | ${r.missing.length === 0 ? '0' : r.missing.slice(0, 6).join('; ').replace(/\|/g, '\\|')} | ${Math.round(r.seconds)} |`);
  }
  for (const r of o.runs) {
    const failed = r.checks.filter((c) => !c.ok);
    if (failed.length > 0) out.push('', `${r.name}, checks that do not hold: ${failed.map((c) => `${c.name} (${c.detail.replace(/\|/g, '\\|').slice(0, 200)})`).join('; ')}.`);
    const steps = r.notes.filter((n) => n.startsWith('FAILED '));
    if (steps.length > 0) out.push('', `${r.name}, the failed step${steps.length > 1 ? 's' : ''}: ${steps.map((n) => n.slice('FAILED '.length)).join('; ')}.`);
    const unconfirmed = r.notes.find((n) => n.startsWith('NOT CONFIRMED: '));
    if (unconfirmed) out.push('', `${r.name}, the rehearsal's end: ${unconfirmed.slice('NOT CONFIRMED: '.length)} (devhost/rehearse.ts ends loudly instead of waiting for a record that can no longer change).`);
  }
}
