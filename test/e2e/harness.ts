import { spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse as parseYaml } from 'yaml';
import type { WindowStatusView } from '../../shared/api/windows';
import type { Scenario } from '../../devhost/rehearse';
import { REHEARSAL_NODE_FLAGS } from '../../devhost/heap';

/**
 * Rehearses a window as `npm start` does (a child process: the local host needs a real
 * Node module loader) and returns its report: final status, estate, call log, every
 * orchestration's history, the host log and the secrets the estate issued.
 */
export interface CallRecord {
  seq: number;
  listener: string;
  method: string;
  path: string;
  query?: Record<string, string>;
  /** Route pattern of the simulated service that served it (absent: no such route). */
  route?: string;
  status: number;
  time: string;
  body?: unknown;
  /** The Host header (Consul agents are told apart by it). */
  host?: string;
  /** The vendor spec operation (sandbox/specs) and any way the call broke it. */
  operation?: string;
  violations?: { where: 'request' | 'response'; operation: string; field: string; rule: string }[];
}

export interface Report {
  windowId: string;
  status: WindowStatusView;
  /** The final status of every run the scenario made (one unless it lists `runs`), the last being `status`. */
  runs: WindowStatusView[];
  /** The window report the app stored when the window ended. */
  windowReport: { md?: string; html?: string };
  duplicateStart?: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  estate: any;
  calls: CallRecord[];
  instances: { instanceId: string; runtimeStatus: string; customStatus?: unknown; historyEvents?: unknown[]; input?: unknown; output?: unknown }[];
  hostLog: string;
  issuedSecrets: string[];
  stdout: string;
  exitCode: number | null;
}

const root = join(__dirname, '../..');

/** How to run one rehearsal beside the defaults. */
export interface RehearseOptions {
  /** Extra `npm start` flags (e.g. `--activity-jitter-ms 500`). */
  args?: string[];
  /** Real ms before a hung rehearsal is killed (default 400 s: a loaded 2-core machine is slow). */
  limitMs?: number;
  /** An Azurite of its own (as `npm start` has), not the suite's: a heavy rehearsal then never starves the other tests' hosts of storage. */
  ownStorage?: boolean;
}

export async function rehearse(windowFile: string, scenario?: Scenario, options: RehearseOptions = {}): Promise<Report> {
  const script = join(root, 'dist/devhost/rehearse.js');
  if (!existsSync(script)) throw new Error('dist/devhost/rehearse.js is missing: run `npm run build` first (npm test does)');
  const dir = mkdtempSync(join(tmpdir(), 'mw-e2e-'));
  const report = join(dir, 'report.json');
  // Ports the system picks: rehearsals of other test workers, or other checkouts, never collide.
  // Each rehearsal in its own folder: two workers may rehearse the same window at once.
  const args = [...REHEARSAL_NODE_FLAGS, script, join(root, windowFile), '--quiet', '--report', report, '--port', '0', '--base-port', '0', '--dir', join(dir, 'rehearsal'), ...(options.args ?? [])];
  if (process.env.DEVHOST_TEST_STORAGE && !options.ownStorage) args.push('--storage', process.env.DEVHOST_TEST_STORAGE);
  if (scenario) {
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
    args.push('--scenario', join(dir, 'scenario.json'));
  }
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  // A rehearsal that hangs must not outlive the test and hold its ports for the next one.
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 15 * 60_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(limit);
  if (!existsSync(report)) throw new Error(`the rehearsal wrote no report (exit ${exitCode}):\n${stdout}`);
  return { ...(JSON.parse(readFileSync(report, 'utf8')) as Omit<Report, 'stdout' | 'exitCode'>), stdout, exitCode };
}

/** Members of a backend pool after each PUT the app sent, from the call log. */
export function gatewayPoolSizes(calls: CallRecord[], gateway: string, pool: string): number[] {
  return calls
    .filter((c) => c.listener === 'arm' && c.method === 'PUT' && c.status < 300 && c.path.toLowerCase().endsWith(`/applicationgateways/${gateway.toLowerCase()}`))
    .map((c) => {
      const body = c.body as { properties?: { backendAddressPools?: { name: string; properties?: { backendAddresses?: unknown[] } }[] } };
      return body.properties?.backendAddressPools?.find((p) => p.name === pool)?.properties?.backendAddresses?.length ?? -1;
    });
}

export function lbPoolSizes(calls: CallRecord[], lb: string, pool: string): number[] {
  return calls
    .filter((c) => c.listener === 'arm' && c.method === 'PUT' && c.status < 300 && c.path.toLowerCase().endsWith(`/loadbalancers/${lb.toLowerCase()}/backendaddresspools/${pool.toLowerCase()}`))
    .map((c) => ((c.body as { properties?: { loadBalancerBackendAddresses?: unknown[] } }).properties?.loadBalancerBackendAddresses ?? []).length);
}

/** The texts posted to a Slack channel (with or without '#'), oldest first. */
export function slackTexts(report: Report, channel: string): string[] {
  const channels = report.estate.slack.channels as { name: string; messages: { text: string }[] }[];
  return (channels.find((c) => c.name === channel.replace(/^#/, ''))?.messages ?? []).map((m) => m.text);
}

/** Every place a secret must never appear: histories, custom status, logs, Slack, the status view. */
export function leakedSecrets(report: Report): string[] {
  const slack = JSON.stringify(report.estate.slack?.channels ?? []);
  const haystacks = [JSON.stringify(report.instances), report.hostLog, slack, JSON.stringify(report.status), report.stdout];
  return report.issuedSecrets.filter((secret) => secret.length >= 8 && haystacks.some((h) => h.includes(secret)));
}

interface EstatePools {
  azure: { applicationGateways: { name: string; backendPools: { name: string; members: string[]; fqdns?: string[] }[] }[]; loadBalancers: { name: string; backendPools: { name: string; members: string[]; fqdns?: string[] }[] }[] };
}

/**
 * Every gateway and load-balancer pool as a rehearsal left it, and as the estate file began it
 * (members sorted; FQDN origins kept as such): equal when every server went back.
 */
export function poolsAtEndAndStart(r: Report): { end: unknown; start: unknown } {
  const estate = parseYaml(readFileSync(join(root, 'sandbox/estate/default.yaml'), 'utf8')) as EstatePools;
  const now = (section: unknown) =>
    Object.fromEntries(Object.entries(section as Record<string, { pools: Record<string, string[]> }>).map(([name, x]) => [name, Object.fromEntries(Object.entries(x.pools).map(([p, m]) => [p, [...m].sort()]))]));
  const initial = (list: EstatePools['azure']['applicationGateways']) => Object.fromEntries(list.map((x) => [x.name, Object.fromEntries(x.backendPools.map((p) => [p.name, [...p.members, ...(p.fqdns ?? [])].sort()]))]));
  return {
    end: { gateways: now(r.estate.arm.applicationGateways), loadBalancers: now(r.estate.arm.loadBalancers) },
    start: { gateways: initial(estate.azure.applicationGateways), loadBalancers: initial(estate.azure.loadBalancers) },
  };
}
