import { readdirSync } from 'fs';
import { join } from 'path';
import { DateTime } from 'luxon';
import { loadWindowFile } from '../../../shared/window/load';
import { budgetProblems, planWindow, type Plan } from '../../../shared/window/plan';
import { formatProblem } from '../../../shared/window/problems';
import { isBlock, type Block, type Item, type Step, type WindowDef } from '../../../shared/window/schema';
import { parseWallTime, resolveWallTime } from '../../../shared/window/walltime';

/**
 * The example windows in windows/ are the seed wiki pages as data. Every file must
 * load cleanly, and each one keeps the lines of its seed that a reader checks first.
 */

const WINDOWS_DIR = join(__dirname, '../../../windows');
const files = readdirSync(WINDOWS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const cache = new Map<string, WindowDef>();
const plans = new Map<string, Plan>();
function load(file: string): WindowDef {
  const cached = cache.get(file);
  if (cached) return cached;
  const result = loadWindowFile(join(WINDOWS_DIR, file));
  if (!result.window) throw new Error(`${file}: ${result.problems.map(formatProblem).join('\n')}`);
  cache.set(file, result.window);
  return result.window;
}

/** Every step and block of the window, depth first in file order. */
function items(window: WindowDef): Item[] {
  const out: Item[] = [];
  const walk = (list: Item[]): void => {
    for (const item of list) {
      out.push(item);
      if (isBlock(item)) walk(item.steps);
    }
  };
  for (const phase of window.phases) walk(phase.steps);
  return out;
}

function steps(window: WindowDef): Step[] {
  return items(window).filter((i): i is Step => !isBlock(i));
}

function step<K extends Step['kind']>(window: WindowDef, id: string, kind: K): Extract<Step, { kind: K }> {
  const found = steps(window).find((s) => s.id === id);
  if (!found) throw new Error(`no step "${id}"`);
  if (found.kind !== kind) throw new Error(`step "${id}" is a ${found.kind}, not a ${kind}`);
  return found as Extract<Step, { kind: K }>;
}

function block(window: WindowDef, id: string): Block {
  const found = items(window).find((i): i is Block => isBlock(i) && i.id === id);
  if (!found) throw new Error(`no block "${id}"`);
  return found;
}

/** Ids of a block's direct children, in order. */
function childIds(b: Block): (string | undefined)[] {
  return b.steps.map((s) => s.id);
}

/** A wall-clock text of the window, resolved and shown in `zone` as `yyyy-MM-dd HH:mm`. */
function wallTimeIn(window: WindowDef, text: string | undefined, zone: string): string {
  if (text === undefined) throw new Error('no wall-clock time');
  const parsed = parseWallTime(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  const resolved = resolveWallTime(parsed, window.date, window.timeZone);
  if (!resolved.ok) throw new Error(resolved.reason);
  return DateTime.fromMillis(resolved.epochMs, { zone }).toFormat('yyyy-MM-dd HH:mm');
}

function plan(file: string): Plan {
  const cached = plans.get(file);
  if (cached) return cached;
  const planned = planWindow(load(file), { recommend: false });
  plans.set(file, planned);
  return planned;
}

function plannedStep(file: string, id: string): Plan['steps'][number] {
  const found = plan(file).steps.find((s) => s.id === id);
  if (!found) throw new Error(`no planned step "${id}"`);
  return found;
}

const localTime = (epochMs: number, zone: string): string => DateTime.fromMillis(epochMs, { zone }).toFormat('yyyy-MM-dd HH:mm');

function webMembers(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `IC-Web${from + i}`);
}

/** One window per seed wiki page (seeds 000 to 004). */
const SEED_FILES = ['2025-02-23-monthly.yaml', '2025-04-13-monthly.yaml', '2025-06-22-monthly.yaml', '2025-09-08-canary.yaml', 'consul-takedown.yaml'];

describe('every example window', () => {
  it('has one file per seed document', () => {
    expect(files).toEqual(expect.arrayContaining(SEED_FILES));
  });

  it.each(files)('%s loads and validates without problems', (file) => {
    const result = loadWindowFile(join(WINDOWS_DIR, file));
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.window?.id).toBe(file.replace(/\.yaml$/, ''));
  });

  it.each(SEED_FILES)('%s cites only Jira tickets of the seed projects', (file) => {
    const window = load(file);
    const tickets = [...(window.tickets ?? []), ...steps(window).flatMap((s) => s.tickets ?? [])];
    for (const ticket of tickets) expect(ticket).toMatch(/^(PLAT|JEDI|INFRA|ARC)-\d+$/);
  });

  it.each(SEED_FILES)('%s plans within its budget', (file) => {
    expect(budgetProblems(load(file))).toEqual([]);
    expect(plan(file).budget?.fits).toBe(true);
  });

  it.each(SEED_FILES)('%s plans at its makespan bound and keeps the page up no longer than its bound', (file) => {
    const p = plan(file);
    expect(p.makespanMinutes).toBe(p.lowerBound.minutes);
    expect(p.search.provenOptimal).toBe(true);
    expect(p.pageUp.minutes).toBe(p.pageUp.lowerBoundMinutes);
  });

  it.each(SEED_FILES)('%s gives every role at least two people', (file) => {
    for (const role of Object.values(load(file).roles)) expect(role.members.length).toBeGreaterThanOrEqual(2);
  });
});

describe.each(['2025-02-23-monthly.yaml', '2025-04-13-monthly.yaml', '2025-06-22-monthly.yaml'])('the monthly %s', (file) => {
  const window = () => load(file);

  it('runs in Eastern time with India beside it', () => {
    expect(window().timeZone).toBe('America/New_York');
    expect(window().displayZones).toEqual(['Asia/Kolkata']);
    expect(DateTime.fromISO(window().date).weekday).toBe(7);
  });

  it('runs the Preparation Pipeline stages at Saturday 19:00 and Sunday 04:45', () => {
    const pre = step(window(), 'pre-maintenance-stage', 'pipeline');
    const starting = step(window(), 'starting-maintenance-stage', 'pipeline');
    expect(pre.pipeline).toMatchObject({ name: 'Preparation Pipeline', stages: ['Pre-Maintenance'] });
    expect(starting.pipeline).toMatchObject({ name: 'Preparation Pipeline', stages: ['Starting Maintenance'] });
    const day = DateTime.fromISO(window().date);
    expect(wallTimeIn(window(), pre.at, window().timeZone)).toBe(`${day.minus({ days: 1 }).toISODate()} 19:00`);
    expect(wallTimeIn(window(), starting.at, window().timeZone)).toBe(`${day.toISODate()} 04:45`);
  });

  it('patches IC-Web1-5 then IC-Web6-10 in batches of 5 that keep 5 of 10 in the App Gateway pool', () => {
    const w = window();
    expect(step(w, 'web-batch-1', 'patch').members).toEqual(webMembers(1, 5));
    expect(step(w, 'web-batch-2', 'patch').members).toEqual(webMembers(6, 10));
    const web = w.serverGroups.web!;
    expect(web.members.map((m) => (typeof m === 'string' ? m : m.name))).toEqual(webMembers(1, 10));
    expect(web.batchSize).toBe(5);
    expect(web.patch.maxDuration).toBe(235);
    const agw = w.pools['agw-web']!;
    expect(agw.kind === 'application-gateway' && agw.gateway).toMatch(/\/applicationGateways\/agw-pri-appgateway0-prd$/);
    expect(agw.minHealthy).toBe(5);
  });

  it('plans each web batch as one batch of 5 that never takes a pool below its floor', () => {
    for (const id of ['web-batch-1', 'web-batch-2']) {
      const batches = plannedStep(file, id).batches ?? [];
      expect(batches.map((b) => b.members.length)).toEqual([5]);
    }
    for (const pool of plan(file).pools) {
      expect(pool.size).toBe(10);
      expect(pool.min).toBeGreaterThanOrEqual(pool.floor);
    }
  });

  it('gates the pipelines on a Release Manager and a Platform Approver', () => {
    const gate = step(window(), 'pipeline-approval', 'approval');
    expect(gate.roles).toEqual({ 'release-manager': 1, 'platform-approver': 1 });
  });

  it('swaps www and my from pal.invoicecloud.com to icmaintenance.azurewebsites.net, and takes the page down with a purge', () => {
    const page = window().maintenancePages.public!.cloudflare!;
    expect(page.hostnames).toEqual(expect.arrayContaining(['www.invoicecloud.com', 'my.invoicecloud.com']));
    expect(page).toMatchObject({ origin: 'pal.invoicecloud.com', maintenance: 'icmaintenance.azurewebsites.net', purgeCache: true });
    expect(step(window(), 'page-up', 'maintenance-page').action).toBe('up');
    expect(step(window(), 'page-down', 'maintenance-page').action).toBe('down');
  });

  it('ends with smoke and regression tests, the jobs of both product groups and a finished notice', () => {
    const w = window();
    const smoke = steps(w).filter((s) => s.kind === 'test' && s.suite === 'smoke' && s.target === 'www.invoicecloud.com');
    expect(smoke.length).toBeGreaterThan(0);
    expect(step(w, 'regression-tests', 'test').suite).toBe('regression');
    expect(step(w, 'jobs-product-integrations', 'manual').assignee).toBe('product-integrations');
    expect(step(w, 'jobs-product-engineering', 'manual').assignee).toBe('product-engineering');
    const finished = step(w, 'notify-finished', 'notify');
    expect(finished.channels).toEqual(expect.arrayContaining(['#dailyopsissues', '#engineering-maintenance']));
    const last = w.phases[w.phases.length - 1]!;
    expect(last.steps[last.steps.length - 1]!.id).toBe('notify-finished');
  });
});

describe('2025-02-23 monthly (seed 000)', () => {
  const w = () => load('2025-02-23-monthly.yaml');

  it('runs Hub_Infrastructure after Global_Infrastructure, at their tags', () => {
    const hub = step(w(), 'hub-infrastructure', 'pipeline');
    expect(hub.after).toEqual(['global-infrastructure']);
    expect(hub.tickets).toEqual(['PLAT-1594', 'PLAT-1723']);
    expect(hub.pipeline.tag).toBe('platform-0/2.106.0');
    expect(step(w(), 'global-infrastructure', 'pipeline').pipeline.tag).toBe('platform-0/1.26.0');
  });

  it('re-runs Kong_Infrastructure after the Kubernetes upgrade, and both BillerReporting APIs after Kong', () => {
    const kong = step(w(), 'kong-infrastructure', 'pipeline');
    expect(kong.after).toEqual(['kubernetes-version-upgrade']);
    expect(kong).toMatchObject({ title: expect.stringContaining('Pipeline to Re-Run'), pipeline: { tag: 'platform-0/2.42.0' } });
    expect(step(w(), 'biller-reporting-api', 'pipeline')).toMatchObject({ after: ['kong-infrastructure'], pipeline: { tag: '0.1.16' } });
    expect(step(w(), 'biller-reporting-chat-api', 'pipeline')).toMatchObject({ after: ['kong-infrastructure'], notes: ['PR Pending'], pipeline: { tag: '0.2.2' } });
    expect(step(w(), 'biller-infrastructure', 'pipeline')).toMatchObject({ tickets: ['INFRA-943'], pipeline: { tag: 'platform-0/0.5.1' } });
  });

  it('seeds the XAT Key Vault in order: sync pipeline, TLS certificates, Global_AAD service principal', () => {
    expect(childIds(block(w(), 'seed-xat-keyvault'))).toEqual(['keyvault-sync', 'xat-tls-certificates', 'global-aad-xat']);
    expect(step(w(), 'global-aad-xat', 'pipeline').pipeline).toMatchObject({ name: 'Global_AAD', stages: ['Service Principal Apply'] });
  });

  it('marks the Cloudflare maintenance page N/A and patches IC-Web1-5 at 8 PM Saturday, App Gateway only', () => {
    expect(step(w(), 'page-up', 'maintenance-page').skip).toMatch(/N\/A/);
    expect(step(w(), 'page-down', 'maintenance-page').skip).toMatch(/N\/A/);
    expect(wallTimeIn(w(), step(w(), 'web-batch-1', 'patch').at, 'America/New_York')).toBe('2025-02-22 20:00');
    expect(w().serverGroups.web!.pools).toEqual(['agw-web']);
    expect(w().pools['ilb-web']).toBeUndefined();
  });

  it('keeps the notes, including the overrun to 10-11 and the 4-hour web batches', () => {
    expect(w().notes!.join('\n')).toMatch(/10-11 est\? They take about 4 hours/);
    expect(w().notes).toHaveLength(6);
  });
});

describe('2025-04-13 monthly (seed 001)', () => {
  const w = () => load('2025-04-13-monthly.yaml');

  it('runs each infrastructure script before its pipeline; Kong and Payer are re-runs', () => {
    for (const name of ['kong', 'biller', 'payer']) {
      expect(childIds(block(w(), `${name}-infrastructure`))).toEqual([`${name}-script`, `${name}-pipeline`]);
      expect(step(w(), `${name}-script`, 'pipeline').tickets).toEqual(['PLAT-1983']);
      expect(step(w(), `${name}-pipeline`, 'pipeline').tickets).toEqual(['PLAT-2168']);
    }
    // "Pipeline to Re-Run" is the seed's title: a pipeline step always starts a new run.
    expect(step(w(), 'kong-pipeline', 'pipeline').title).toMatch(/Pipeline to Re-Run/);
    expect(step(w(), 'payer-pipeline', 'pipeline').title).toMatch(/Pipeline to Re-Run/);
    expect(step(w(), 'biller-pipeline', 'pipeline').title).toMatch(/Pipeline to Run$/);
  });

  it('keeps the done Proxy LB upgrade and skips the deferred IC_SFTP LB upgrade', () => {
    const proxyLb = step(w(), 'proxy-lb-upgrade', 'manual');
    expect(proxyLb.skip).toBeUndefined();
    expect(proxyLb.notes![0]).toMatch(/^Done/);
    expect(step(w(), 'ic-sftp-lb-upgrade', 'manual')).toMatchObject({ tickets: ['JEDI-48'], skip: 'Deferring this upgrade to the next maintenance window.' });
  });

  it('pulls IC-Web1-5 at 6 PM Saturday with alerting off, tells platform-int, and smoke tests at 10 PM', () => {
    expect(wallTimeIn(w(), step(w(), 'web-batch-1', 'patch').at, 'America/New_York')).toBe('2025-04-12 18:00');
    expect(w().serverGroups.web!.suppressAlerts).toBe(true);
    expect(childIds(block(w(), 'web-batch-1-lines'))).toEqual(['web-batch-1', 'web-batch-1-back-in', 'web-batch-1-run-tests', 'smoke-saturday']);
    expect(step(w(), 'web-batch-1-back-in', 'notify').channels).toEqual(['#platform-int']);
    expect(wallTimeIn(w(), step(w(), 'smoke-saturday', 'test').at, 'America/New_York')).toBe('2025-04-12 22:00');
    expect(wallTimeIn(w(), step(w(), 'regression-tests', 'test').at, 'America/New_York')).toBe('2025-04-13 10:00');
  });

  it('puts Pingdom in maintenance with the www/my page', () => {
    const page = w().maintenancePages.public!;
    expect(page.pingdom?.checks).toEqual(['www.invoicecloud.com', 'my.invoicecloud.com']);
    expect(page.cloudflare?.hostnames).toEqual(['www.invoicecloud.com', 'my.invoicecloud.com']);
  });

  it('upgrades APM agents and removes Java and Acrobat only after those servers are patched', () => {
    expect(step(w(), 'apm-web', 'script')).toMatchObject({ tickets: ['PLAT-1877'], after: ['web-batch-2'], targets: ['group:web'] });
    expect(step(w(), 'apm-app', 'script')).toMatchObject({ tickets: ['PLAT-1878'], after: ['patch-app'] });
    expect(step(w(), 'apm-proxy', 'script')).toMatchObject({ tickets: ['PLAT-1879'], after: ['patch-proxy'] });
    expect(step(w(), 'remove-java-skybot', 'script')).toMatchObject({ tickets: ['PLAT-2190'], targets: ['group:skybot'] });
    expect(step(w(), 'remove-acrobat-pdfextract', 'script')).toMatchObject({ tickets: ['PLAT-2191'], targets: ['group:pdfextract'] });
  });
});

describe('2025-06-22 monthly (seed 002)', () => {
  it('holds the maintenance page until 05:20: up 3h 40m (the SFTP chain under it), not 4h 03m, for the same end', () => {
    const p = plan('2025-06-22-monthly.yaml');
    expect(p.pageUp).toMatchObject({ minutes: 220, lowerBoundMinutes: 220 });
    expect(p.pageUp.intervals[0]!.lowerBoundPath).toEqual(['patch-sftp']);
    expect(localTime(plannedStep('2025-06-22-monthly.yaml', 'page-up').holdUntil!.epochMs, 'America/New_York')).toBe('2025-06-22 05:20');
    expect(p.makespanMinutes).toBe(16 * 60 + 59);
  });

  const w = () => load('2025-06-22-monthly.yaml');

  it('puts the maintenance page up for www, my and sso', () => {
    expect(w().maintenancePages.public!.cloudflare!.hostnames).toEqual(['www.invoicecloud.com', 'my.invoicecloud.com', 'sso.invoicecloud.com']);
  });

  it('starts IC-Web1-5 at midnight Eastern (09:30 IST), IC-Web6-10 at 04:30 (14:00 IST) and Starting Maintenance at 14:15 IST', () => {
    expect(wallTimeIn(w(), step(w(), 'web-batch-1', 'patch').at, 'Asia/Kolkata')).toBe('2025-06-22 09:30');
    expect(wallTimeIn(w(), step(w(), 'web-batch-2', 'patch').at, 'Asia/Kolkata')).toBe('2025-06-22 14:00');
    expect(wallTimeIn(w(), step(w(), 'starting-maintenance-stage', 'pipeline').at, 'Asia/Kolkata')).toBe('2025-06-22 14:15');
    expect(localTime(plannedStep('2025-06-22-monthly.yaml', 'web-batch-1').start.epochMs, 'Asia/Kolkata')).toBe('2025-06-22 09:30');
  });

  it('pulls the webs from both the App Gateway and the internal load balancer', () => {
    expect(w().serverGroups.web!.pools).toEqual(['agw-web', 'ilb-web']);
    const ilb = w().pools['ilb-web']!;
    expect(ilb.kind === 'load-balancer' && ilb.loadBalancer).toMatch(/\/loadBalancers\/IC-LB-WebSVR-4AppSVR$/);
    expect(ilb.minHealthy).toBe(5);
    expect(w().serverGroups.web!.sanityChecks.length).toBeGreaterThan(0);
  });

  it('posts the Sunday notice to the four channels before the page goes up', () => {
    const starting = block(w(), 'starting-maintenance-lines');
    expect(childIds(starting)).toEqual(['starting-maintenance-stage', 'maintenance-notice', 'page-up']);
    const notice = step(w(), 'maintenance-notice', 'notify');
    expect(notice.channels).toEqual(['#platform-support', '#engineering-maintenance', '#eng-monthlymaintenance', '#dailyopsissues']);
    expect(notice.message).toBe('Today we will be Releasing Changes for 2025-06-22 per our Weekly Change Window Guidelines.');
  });

  it('runs numbered changes in sequence and bulleted changes in parallel from 05:00', () => {
    const changes = w().phases.find((p) => p.id === 'changes')!;
    expect(changes.start).toBe('Sunday 05:00');
    expect(changes.mode).toBe('parallel');
    const sequential = block(w(), 'sequential-changes');
    expect(sequential.kind).toBe('sequence');
    expect(childIds(sequential)).toEqual(['internalnetwork', 'public-dns']);
    expect(block(w(), 'parallel-changes').kind).toBe('parallel');
    expect(step(w(), 'public-dns-migration', 'manual').tickets).toEqual(['PLAT-1125']);
  });

  it('patches SFTP1 then SFTP2 and does not patch the Terminal Services Licensing servers', () => {
    expect(w().serverGroups.sftp!.oneAfterAnother).toEqual([['IC-SFTP1', 'IC-SFTP2']]);
    expect(step(w(), 'patch-terminal-services', 'patch').skip).toMatch(/No Jira ticket/);
  });

  it('rolls the machineKey to web1-5, validated on web3, then to web6-10 after their patching', () => {
    const rotation = step(w(), 'machinekey-rotation', 'rotate-secret');
    expect(rotation.tickets).toEqual(['PLAT-2374']);
    expect(rotation.secret.type).toBe('machine-key');
    expect(rotation.rollout.validateOn).toBe('IC-Web3');
    const [first, second] = rotation.rollout.batches;
    // In the seed's order: web1-5 together, then validated on web3 (one of them), then web6-10.
    expect(first!.members).toEqual(webMembers(1, 5));
    expect(first!.members).toContain(rotation.rollout.validateOn);
    expect(second).toEqual({ members: webMembers(6, 10), after: ['web-batch-2'] });
    expect(rotation.rollout.recycleIis).toBe(true);
  });

  it('rotates the Mailgun key with an IIS recycle and fixes the Kubernetes cronjob secret afterwards', () => {
    const mailgun = step(w(), 'mailgun-rotation', 'rotate-secret');
    expect(mailgun.secret.type).toBe('mailgun');
    expect(mailgun.rollout.recycleIis).toBe(true);
    expect(childIds(block(w(), 'mailgun-key-rotations'))).toEqual(['mailgun-rotation', 'mailgun-k8s-cronjob-secret']);
    // The old key outlives the cronjob's secret fix, and every production server with IIS is recycled.
    expect(mailgun.rollout.deleteOldKeyAfter).toEqual(['mailgun-k8s-cronjob-secret']);
    expect(mailgun.rollout.batches.flatMap((b) => b.members)).toEqual(expect.arrayContaining(['group:app', 'group:gateway', ...webMembers(6, 10)]));
    expect(step(w(), 'mailgun-k8s-cronjob-secret', 'manual').instructions).toMatch(/biller-mailgun-message-status-job/);
  });

  it('removes the page before the 8 AM smoke tests, then runs the regression tests', () => {
    const testing = w().phases.find((p) => p.id === 'testing')!;
    expect(testing.steps.map((s) => s.id)).toEqual(['page-down', 'smoke-tests', 'regression-tests', 'mail-routing-test']);
    expect(wallTimeIn(w(), step(w(), 'smoke-tests', 'test').at, 'America/New_York')).toBe('2025-06-22 08:00');
  });

  it('keeps the AUM 235-minute note', () => {
    expect(w().notes!.join('\n')).toMatch(/default value of 235 minutes/);
  });
});

describe('2025-09-08 canary (seed 003)', () => {
  const w = () => load('2025-09-08-canary.yaml');
  const canary = () => step(w(), 'new-server-canary', 'canary');

  it('reads the page date 08-09-2025 as 8 September, in India time with Eastern beside it', () => {
    expect(w().date).toBe('2025-09-08');
    expect(w().timeZone).toBe('Asia/Kolkata');
    expect(w().displayZones).toEqual(['America/New_York']);
  });

  it('adds the new server to the App Gateway pool at 10:00 IST and decides go/no-go at 15:30 IST', () => {
    expect(wallTimeIn(w(), canary().at, 'Asia/Kolkata')).toBe('2025-09-08 10:00');
    expect(wallTimeIn(w(), canary().decisionAt, 'Asia/Kolkata')).toBe('2025-09-08 15:30');
    expect(wallTimeIn(w(), canary().decisionAt, 'America/New_York')).toBe('2025-09-08 06:00');
    expect(canary().pools).toEqual(['agw-web']);
    expect(canary().defaultOutcome).toBe('no-go');
  });

  it('plans the canary to last until the decision', () => {
    expect(localTime(plannedStep('2025-09-08-canary.yaml', 'new-server-canary').end.epochMs, 'Asia/Kolkata')).toBe('2025-09-08 15:30');
  });

  it('holds hourly checkpoints answered by the six product teams of the page', () => {
    expect(canary().checkpoints.every).toBe(60);
    const teams = canary().checkpoints.teams.map((id) => w().teams[id]!.title);
    expect(teams).toEqual(['Shared Services', 'PRISM/PULSE', 'SPARK\\NEXUS', 'PACE', 'CCON', 'TBD']);
    expect(w().teams['spark-nexus']!.apps).toContain('AGENTCONNECTAPI');
    expect(w().teams.ccon!.members).toEqual(['deepthi', 'surya']);
    expect(Object.values(w().teams).flatMap((t) => t.apps)).toHaveLength(27);
  });

  it('keeps the failed release action items as notes', () => {
    const notes = w().notes!.join('\n');
    expect(notes).toMatch(/StratusDump/);
    expect(notes).toMatch(/Apple pay certs/);
    expect(notes).toMatch(/BITS service to Manual/);
  });
});

describe('Consul take-down (seed 004)', () => {
  const w = () => load('consul-takedown.yaml');

  /** What a take-down or restore sub-step acts on, from the step's numbered notes. */
  const target = (note: string): string => {
    if (/Consul maintenance key/.test(note)) return 'key';
    if (/Verify that traffic/.test(note)) return 'verify-redirect';
    if (/API\/UI boxes (into|out of) Consul maint/.test(note)) return 'api-nodes';
    if (/worker services/.test(note)) return 'workers';
    if (/Scheduled Task box/.test(note)) return 'scheduled-tasks';
    if (/Smoke test/.test(note)) return 'smoke-test';
    throw new Error(`unrecognised sub-step: ${note}`);
  };

  it('restores in exactly the reverse order of the take-down, with the smoke test before the key is cleared', () => {
    const down = step(w(), 'take-down', 'takedown').notes!.map(target);
    const restore = step(w(), 'restore', 'takedown').notes!.map(target);
    expect(down).toEqual(['key', 'verify-redirect', 'api-nodes', 'workers', 'scheduled-tasks']);
    const undo = (list: string[]) => list.filter((t) => t !== 'verify-redirect' && t !== 'smoke-test');
    expect(undo(restore)).toEqual([...undo(down)].reverse());
    expect(restore.slice(-2)).toEqual(['smoke-test', 'key']);
  });

  it('performs the maintenance on Final, then Mock, before production', () => {
    const [rehearse, production] = w().phases;
    expect(rehearse!.mode).toBe('sequence');
    expect(rehearse!.steps.map((s) => s.id)).toEqual(['final-maintenance', 'mock-maintenance']);
    expect(production!.after).toEqual(['final-then-mock']);
  });

  it('coordinates with partners, takes down, maintains and restores, in order, within the hour on a Wednesday', () => {
    const phase = w().phases[1]!;
    expect(phase.mode).toBe('sequence');
    expect(phase.steps.map((s) => s.id)).toEqual(['coordinate-partners', 'take-down', 'perform-maintenance', 'restore']);
    // The hour of maintenance after the take-down (21:15-22:15), then the restore.
    expect(w().budget).toEqual({ endsBy: 'Wednesday 22:25', approvers: 'operator' });
    expect(DateTime.fromISO(w().date).weekday).toBe(3);
  });

  it('estimates production at twice Mock (SQL-A and SQL-B) and lets the maintenance be deferred', () => {
    const maintenance = step(w(), 'perform-maintenance', 'manual');
    expect(maintenance.estimateFrom).toEqual({ step: 'mock-maintenance', factor: 2 });
    expect(maintenance.deferrable).toBe(true);
  });

  it('declares the estate: the key, two API/UI boxes, two worker boxes, the scheduled task box and the partners', () => {
    const estate = w().consulEstates.billpay!;
    expect(estate.maintenanceKey.restoreValue).toBeUndefined();
    expect(estate.apiNodes).toHaveLength(2);
    expect(estate.workers).toHaveLength(2);
    expect(estate.scheduledTasks?.tasks.length).toBeGreaterThan(0);
    expect(estate.verifyRedirect.length).toBeGreaterThan(0);
    expect(estate.smokeTests.length).toBeGreaterThan(0);
    expect(estate.partners).toEqual(['Malauzai']);
  });
});
