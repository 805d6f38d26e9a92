/**
 * Faults: the 2025-06-22 rehearsal under three fault configurations injected by the simulated
 * estate (POST /_sandbox/faults, sandbox/core/README.md), each compared with an undisturbed run:
 * completion, faults fired, extra calls, extra virtual minutes and duplicate side effects.
 * - transient: about 10% of the calls to every vendor listener answered by 429 with Retry-After,
 *   500 or 503, or dropped with a connection reset before the request is applied;
 * - lost replies: writes (PUT, POST, PATCH, DELETE) applied and then their reply lost (a
 *   connection reset after the write): the first write of each kind to each vendor, then 10%;
 * - busy gateway: one Application Gateway answering every second write with ARM's
 *   AnotherOperationInProgress.
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
const WRITES = ['PUT', 'POST', 'PATCH', 'DELETE'];

/** The gateway 2025-06-22 drains and restores (sandbox/estate/default.yaml). */
const BUSY_GATEWAY = 'agw-pri-appgateway0-prd';

/**
 * Microsoft.Network's refusal of a write while another operation on the resource (or one it
 * depends on) runs: HTTP 429 with Retry-After and code AnotherOperationInProgress. Shape and
 * message as reported in Azure/azure-cli#2120 and microsoft/AzureTRE#2222; the 429 status as the
 * Network RP team describes it in Azure/azure-libraries-for-net#1001 ("it will send 429 when ...
 * attempt to run an operation on a resource with references that are in an updating state").
 */
const ANOTHER_OPERATION = {
  status: 429,
  retryAfter: 10,
  body: {
    error: {
      code: 'AnotherOperationInProgress',
      message:
        'Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: https://management.azure.com/subscriptions/3f6b2c1e-8a4d-4e2f-9b7c-5d1a0e6f4c28/providers/Microsoft.Network/locations/eastus/operations/6f0c2b8e-4d1a-4c3e-9a57-2e8b1d4f7c90?api-version=2024-05-01.',
      details: [],
    },
  },
};

export interface FaultConfig {
  name: string;
  description: string;
  faults: Record<string, unknown>[];
}

export function faultConfigs(): FaultConfig[] {
  return [
    {
      name: 'transient',
      description: '429 with Retry-After 2 s (4%), 500 (2%), 503 (2%) and a connection reset before the request is applied (2%) on every call to each vendor listener',
      faults: VENDORS.flatMap((listener) => [
        { listener, probability: 0.04, status: 429, retryAfter: 2 },
        { listener, probability: 0.02, status: 500 },
        { listener, probability: 0.02, status: 503 },
        { listener, probability: 0.02, reset: 'before' },
      ]),
    },
    {
      name: 'lost replies',
      description: 'writes (PUT, POST, PATCH, DELETE) applied, then their reply lost to a connection reset: the first write of each method to each vendor listener, then 10% of the rest',
      faults: [
        ...VENDORS.flatMap((listener) => WRITES.map((method) => ({ listener, method, reset: 'after', count: 1 }))),
        ...VENDORS.flatMap((listener) => WRITES.map((method) => ({ listener, method, reset: 'after', probability: 0.1 }))),
      ],
    },
    {
      name: 'busy gateway',
      description: `Application Gateway ${BUSY_GATEWAY} answers every second write (PUT) with 429 AnotherOperationInProgress, Retry-After 10 s`,
      faults: [{ listener: 'arm', method: 'PUT', path: `*/providers/Microsoft.Network/applicationGateways/${BUSY_GATEWAY}`, every: 2, ...ANOTHER_OPERATION }],
    },
  ];
}

export interface FaultConfigResult {
  name: string;
  description: string;
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

export interface FaultsResult {
  configs: FaultConfigResult[];
  seconds: number;
}

async function runOne(workDir: string, referenceReport: string, seed: number, limitMs: number, config: FaultConfig, index: number): Promise<FaultConfigResult> {
  const dir = path.join(workDir, `rehearsal-faults-${index}`);
  const report = path.join(workDir, `faults-0622-${index}.json`);
  const scenario = path.join(workDir, `faults-scenario-${index}.json`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(report, { force: true });
  writeFileSync(scenario, JSON.stringify({ faults: [{ seed }, ...config.faults] }));
  const started = performance.now();
  const run = startRehearse([WINDOW_0622, '--quiet', '--report', report, '--scenario', scenario, '--port', '0', '--base-port', '0', '--dir', dir]);
  const code = await Promise.race([run.exit, sleep(limitMs).then(() => 'limit' as const)]);
  if (code === 'limit') {
    run.kill();
    await run.exit;
  }
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const base = { name: config.name, description: config.description, faultsFired: 0, calls: 0, referenceCalls: 0, extraVirtualMinutes: 0, duplicates: [], missing: [], checks: [], seconds, tail: run.output().slice(-3000) };
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

/** Runs every configuration in turn (one rehearsal each), `limitMs` each. */
export async function faultsRun(workDir: string, referenceReport: string, seed: number, limitMs: number, log: (line: string) => void = () => undefined): Promise<FaultsResult> {
  const started = performance.now();
  const configs: FaultConfigResult[] = [];
  for (const [i, config] of faultConfigs().entries()) {
    log(`faults: ${config.name}: ${config.description}`);
    const r = await runOne(workDir, referenceReport, seed, limitMs, config, i);
    log(`  ${r.state}, ${r.faultsFired} faults, ${r.calls} calls (undisturbed ${r.referenceCalls}), ${r.extraVirtualMinutes >= 0 ? '+' : ''}${r.extraVirtualMinutes} virtual min, duplicates ${r.duplicates.length}`);
    if (r.state !== 'succeeded') log(`  the run ended with:\n${r.tail}`);
    configs.push(r);
  }
  return { configs, seconds: (performance.now() - started) / 1000 };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const configMet = (c: FaultConfigResult) => c.state === 'succeeded' && c.checks.every((x) => x.ok) && c.duplicates.length === 0;

/** The goal's line: met only when every configuration completed with 0 duplicates and every check holding. */
export function faultsGoal(f: FaultsResult | undefined): { met: boolean; text: string } {
  // A results.json from before the three configurations has no `configs`.
  if (!f || !Array.isArray(f.configs) || f.configs.length === 0) return { met: false, text: 'not measured' };
  const met = f.configs.every(configMet);
  return { met, text: f.configs.map((c) => `${c.name}: ${c.state}, ${c.faultsFired} faults, ${c.duplicates.length} duplicates`).join('; ') };
}

/** The faults section of docs/benchmarks.md. */
export function faultsDocs(f: FaultsResult): string[] {
  const out: string[] = [];
  out.push('', '### Faults (transient errors, connection resets, lost replies, a busy gateway)', '');
  out.push(`The same window under three fault configurations from the estate's seeded fault table (\`POST /_sandbox/faults\`, sandbox/core/README.md), one rehearsal each, ${fmt(f.seconds)} s real in all; each compared with an undisturbed rehearsal of the same window (in a whole run, the load part's). The first matching fault wins, and the estate's control API is spared.`);
  out.push('', '| configuration | outcome | faults fired | calls (undisturbed) | extra calls | extra virtual minutes | duplicate side effects | checks |', '|---|---|---|---|---|---|---|---|');
  for (const c of f.configs) {
    out.push(`| ${c.name}: ${c.description} | ${c.state} | ${fmt(c.faultsFired)} | ${fmt(c.calls)} (${fmt(c.referenceCalls)}) | ${fmt(c.calls - c.referenceCalls)} | ${c.extraVirtualMinutes >= 0 ? '+' : ''}${c.extraVirtualMinutes} | ${c.duplicates.length === 0 ? '0' : c.duplicates.join('; ')} | ${c.checks.filter((x) => x.ok).length}/${c.checks.length} |`);
  }
  for (const c of f.configs) {
    const failed = c.checks.filter((x) => !x.ok);
    if (failed.length > 0) out.push('', `${c.name}: checks that do not hold: ${failed.map((x) => `${x.name} (${x.detail.slice(0, 160)})`).join('; ')}.`);
    if (c.missing.length > 0) out.push('', `${c.name}: side effects made less often than undisturbed: ${c.missing.slice(0, 8).join('; ')}.`);
  }
  out.push('', 'Duplicate side effects count patch installs and IIS recycles (Run Command) per VM, Slack messages per channel, pipeline runs, Key Vault versions, Mailgun keys created and deleted, Cloudflare changes and purges, Pingdom and Opsgenie maintenance (bench/chaos.ts). What each activity does about a lost reply: docs/idempotency.md.');
  return out;
}
