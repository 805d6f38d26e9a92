/**
 * Benchmark (not a test): the planner against its lower bounds and two baselines, on the
 * example windows and a seeded set of 100 random windows whose patch steps share pools; and
 * the time to load and plan a window of 10,000 steps. Prints Markdown for docs/benchmarks.md.
 *
 *   npm run bench:planner
 *   node dist/bench/planner/run.js --evaluations 2000     # a longer search
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { formatMinutes } from '../../shared/window/duration';
import { loadWindowFile, loadWindowText } from '../../shared/window/load';
import { planWindow, type Plan } from '../../shared/window/plan';
import type { WindowDef } from '../../shared/window/schema';
import { fixedBatchBaseline, manualBaseline, type Baseline } from './baselines';
import { randomSharedPoolWindows } from './random-set';

// dist/bench/planner when built, bench/planner from source.
const ROOT = path.resolve(__dirname, __dirname.split(path.sep).includes('dist') ? '../../..' : '../..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Row {
  name: string;
  plan: Plan;
  ms: number;
  manual: Baseline;
  fixed: Baseline;
}

function measure(name: string, window: WindowDef, evaluations: number | undefined): Row {
  const started = process.hrtime.bigint();
  const plan = planWindow(window, { recommend: false, ...(evaluations ? { searchEvaluations: evaluations } : {}) });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { name, plan, ms, manual: manualBaseline(window), fixed: fixedBatchBaseline(window) };
}

const m = formatMinutes;
const pct = (a: number, b: number) => (b === 0 ? '100.0%' : `${((100 * a) / b).toFixed(1)}%`);

function table(rows: Row[]): string {
  const lines = [
    '| window | makespan | bound | bound/makespan | page up | page-up bound | manual makespan | manual page up | fixed-batch makespan | fixed-batch page up | evaluations | plan time (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const p = r.plan;
    lines.push(
      `| ${r.name} | ${m(p.makespanMinutes)} | ${m(p.lowerBound.minutes)} | ${pct(p.lowerBound.minutes, p.makespanMinutes)} | ${m(p.pageUp.minutes)} | ${m(p.pageUp.lowerBoundMinutes)} | ${m(r.manual.makespanMinutes)} | ${m(r.manual.pageUpMinutes)} | ${m(r.fixed.makespanMinutes)} | ${m(r.fixed.pageUpMinutes)} | ${p.search.evaluations} | ${r.ms.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

function summary(rows: Row[]): string {
  const ratios = rows.map((r) => r.plan.lowerBound.minutes / r.plan.makespanMinutes).sort((a, b) => a - b);
  const within2 = ratios.filter((x) => x >= 0.98 - 1e-9).length;
  const optimal = rows.filter((r) => r.plan.search.provenOptimal).length;
  const pageTight = rows.filter((r) => r.plan.pageUp.minutes <= r.plan.pageUp.lowerBoundMinutes + 1e-9).length;
  const sum = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);
  const times = rows.map((r) => r.ms).sort((a, b) => a - b);
  return [
    `| windows | within 2% of the bound | at the bound (proven optimal) | worst bound/makespan | median bound/makespan | page up at its bound | total makespan | manual | fixed batch | total page up | manual | fixed batch | plan time median / max (ms) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    `| ${rows.length} | ${within2} | ${optimal} | ${pct(ratios[0]!, 1)} | ${pct(ratios[Math.floor(ratios.length / 2)]!, 1)} | ${pageTight} | ${m(sum((r) => r.plan.makespanMinutes))} | ${m(sum((r) => r.manual.makespanMinutes))} | ${m(sum((r) => r.fixed.makespanMinutes))} | ${m(sum((r) => r.plan.pageUp.minutes))} | ${m(sum((r) => r.manual.pageUpMinutes))} | ${m(sum((r) => r.fixed.pageUpMinutes))} | ${times[Math.floor(times.length / 2)]!.toFixed(0)} / ${times[times.length - 1]!.toFixed(0)} |`,
  ].join('\n');
}

function longSequence(steps: number): string {
  const doc = parse(readFileSync(path.join(ROOT, 'test/fixtures/windows/base.yaml'), 'utf8')) as { phases: unknown[]; budget?: unknown };
  doc.phases.push({ id: 'long', steps: Array.from({ length: steps }, (_, i) => ({ id: `n${i}`, kind: 'notify', channels: ['#x'], message: 'm' })) });
  delete doc.budget;
  const text = stringify(doc);
  let started = process.hrtime.bigint();
  const loaded = loadWindowText(text, 'long.yaml');
  const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
  started = process.hrtime.bigint();
  const plan = planWindow(loaded.window!);
  const planMs = Number(process.hrtime.bigint() - started) / 1e6;
  return `| ${steps.toLocaleString('en-US')} | ${(text.length / 1024).toFixed(0)} KiB | ${(loadMs / 1000).toFixed(2)} | ${(planMs / 1000).toFixed(2)} | ${plan.recommendations.length} |`;
}

function main(): void {
  const evaluations = arg('--evaluations') ? Number(arg('--evaluations')) : undefined;
  const dir = path.join(ROOT, 'windows');
  const examples = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const loaded = loadWindowFile(path.join(dir, f));
      if (!loaded.window) throw new Error(`${f} does not validate`);
      return measure(f.replace(/\.yaml$/, ''), loaded.window, evaluations);
    });
  const random = randomSharedPoolWindows(100).map((doc) => {
    const loaded = loadWindowText(stringify(doc), `${doc.id}.yaml`);
    if (!loaded.window) throw new Error(`${doc.id as string}: ${loaded.problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`);
    return measure(doc.id as string, loaded.window, evaluations);
  });
  console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), search evaluations ${evaluations ?? 'default'}\n`);
  console.log('### Example windows\n');
  console.log(table(examples));
  console.log('\n### 100 random windows with shared pools (seed 20250622)\n');
  console.log(summary(random));
  console.log('\nWorst ten by bound/makespan:\n');
  console.log(table([...random].sort((a, b) => a.plan.lowerBound.minutes / a.plan.makespanMinutes - b.plan.lowerBound.minutes / b.plan.makespanMinutes).slice(0, 10)));
  console.log('\n### Long sequences\n');
  console.log('| steps | file | load and validate (s) | plan with recommendations (s) | recommendations |');
  console.log('|---|---|---|---|---|');
  for (const n of [1000, 10_000]) console.log(longSequence(n));
}

main();
