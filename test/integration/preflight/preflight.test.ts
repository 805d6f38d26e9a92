import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { rehearsalSettings } from '../../../devhost/rehearse';
import { createPorts } from '../../../shared/composition';
import { loadConfig } from '../../../shared/config';
import { preflightWindow, type PreflightReport } from '../../../shared/preflight';
import { stepsWithPaths } from '../../../shared/preflight/targets';
import { loadWindowFile } from '../../../shared/window/load';
import type { WindowDef } from '../../../shared/window/schema';
import type { CallRecord } from '../../../sandbox/core';
import { httpsJson, startControlledSandbox, type ControlledSandbox } from '../sandbox/common';

/**
 * `mw preflight` against the simulated estate started in-process: the example monthly window is
 * clean on the default estate; with a revoked credential, a pool member gone, the bot out of a
 * channel and a pipeline tag deleted, each is reported against the window field it comes from, and
 * the estate's call log shows that nothing was written.
 */

const CLEAN_FILE = join(__dirname, '../../../windows/2025-06-22-monthly.yaml');
/** Its pipelines run at tags (the June window's run at branches). */
const TAGGED_FILE = join(__dirname, '../../../windows/2025-02-23-monthly.yaml');

/** Calls that are reads although not GETs: the vendor defines them so (Slack's read methods, a DevOps preview, getting a token). */
const READ_POSTS: { listener: string; path: RegExp }[] = [
  { listener: 'login', path: /\/oauth2\/v2\.0\/token$/ },
  { listener: 'slack', path: /^\/api\/(auth\.test|conversations\.list)$/ },
  { listener: 'devops', path: /\/_apis\/pipelines\/\d+\/preview$/ },
];

let env: ControlledSandbox;

/** Calls that change something: PUT, POST, PATCH and DELETE, but for the POSTs that are reads. */
const writesOf = (calls: CallRecord[]) =>
  calls.filter((c) => ['PUT', 'POST', 'PATCH', 'DELETE'].includes(c.method.toUpperCase()) && !READ_POSTS.some((r) => r.listener === c.listener && r.path.test(c.path))).map((c) => `${c.listener} ${c.method} ${c.path}`);

function windowOf(file: string): WindowDef {
  const loaded = loadWindowFile(file);
  if (!loaded.window) throw new Error(loaded.problems.map((p) => p.reason).join('; '));
  return loaded.window;
}

beforeAll(async () => {
  env = await startControlledSandbox({ tmpPrefix: 'mw-preflight-' });
});

afterAll(async () => {
  await env?.stop();
});

async function preflight(window: WindowDef): Promise<PreflightReport> {
  const settings = rehearsalSettings(env.sandbox, env.estate as Record<string, unknown>, 'http://127.0.0.1:9', '/nonexistent', window.timeZone, 'preflight');
  const config = loadConfig(settings);
  return preflightWindow(window, { ports: createPorts(config), nowMs: env.clock.now(), ...(config.azure.alertRulesScope ? { alertRulesScope: config.azure.alertRulesScope } : {}) });
}

/** `mw preflight` as a person runs it (the compiled CLI), with the app's settings for this estate in its environment. */
function mw(args: string[], window: WindowDef): Promise<{ code: number | null; out: string; err: string }> {
  const cli = join(__dirname, '../../../dist/cli/mw.js');
  if (!existsSync(cli)) throw new Error('dist/cli/mw.js is missing: run `npm run build` first (npm test does)');
  const settings = rehearsalSettings(env.sandbox, env.estate as Record<string, unknown>, 'http://127.0.0.1:9', '/nonexistent', window.timeZone, 'preflight');
  return new Promise((resolve) => {
    // Asynchronous: the estate answering it runs in this process.
    const child = spawn(process.execPath, [cli, 'preflight', ...args], { env: { PATH: process.env.PATH ?? '', ...settings }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function control(path: string, body?: unknown): Promise<void> {
  const res = await httpsJson(env.sandbox.caPem, 'POST', `${env.sandbox.urls.control}${path}`, body ?? {});
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
}

const fieldsOf = (report: PreflightReport, severity: 'error' | 'warn') => report.findings.filter((f) => f.severity === severity).map((f) => `${f.field}: ${f.message}`);

describe('mw preflight against the simulated estate', () => {
  it('finds nothing wrong with the 2025-06-22 monthly window on the default estate, and writes nothing', async () => {
    const before = env.sandbox.calls().at(-1)?.seq ?? 0;
    const report = await preflight(windowOf(CLEAN_FILE));
    expect(fieldsOf(report, 'error')).toEqual([]);
    // The secrets it rotates and the maintenance origin were read too.
    expect(report.checked.secrets).toBe(2);
    // Every kind of check looked at something.
    for (const [check, n] of Object.entries(report.checked)) expect([check, n > 0]).toEqual([check, true]);
    expect(writesOf(env.sandbox.calls({ since: before }))).toEqual([]);
    expect(env.newContractViolations()).toEqual([]);
  });

  it('exits 0 from the command line for the clean window, printing times in its zones', async () => {
    const run = await mw([CLEAN_FILE], windowOf(CLEAN_FILE));
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Pre-flight of 2025-06-22 Monthly \(2025-06-22-monthly\), \w{3} \d\d:\d\d E[SD]T \| \w{3} \d\d:\d\d IST\n {2}checked: credentials \d+, resources \d+, /);
    expect(run.out.trim().split('\n').at(-1)).toBe('clean: no errors, no warnings');
  });

  it('reports a revoked credential, a missing pool member, the bot out of a channel and a deleted tag, each at its field, and writes nothing', async () => {
    const window = windowOf(TAGGED_FILE);
    const baseline = new Set(fieldsOf(await preflight(window), 'error'));
    await control('/_sandbox/cloudflare/tokens/mw-automation/revoke');
    await control('/_sandbox/arm/pools/remove-member', { gateway: 'agw-pri-appgateway0-prd', backendPool: 'bp-ic-web-prd', member: 'IC-Web4' });
    await control('/_sandbox/slack/channels/engineering-maintenance/remove-bot');
    await control('/_sandbox/devops/tags/delete', { project: 'Platform', pipeline: 'Hub_Infrastructure', tag: 'platform-0/2.106.0' });
    const before = env.sandbox.calls().at(-1)?.seq ?? 0;

    const report = await preflight(window);

    const hubInfra = stepsWithPaths(window).find(({ step }) => step.id === 'hub-infrastructure')!.path;
    const channelField = `notifications.channels[${window.notifications!.channels.indexOf('#engineering-maintenance')}]`;
    const web4 = `serverGroups.web.members[${window.serverGroups['web']!.members.findIndex((m) => typeof m !== 'string' && m.name === 'IC-Web4')}]`;
    const errors = report.findings.filter((f) => f.severity === 'error' && !baseline.has(`${f.field}: ${f.message}`));
    expect(errors.map((f) => [f.check, f.field])).toEqual(
      expect.arrayContaining([
        ['credentials', 'maintenancePages.public.cloudflare'],
        ['pools', web4],
        ['chat', channelField],
        ['pipelines', `${hubInfra}.pipeline.tag`],
      ]),
    );
    expect(errors).toHaveLength(4);
    expect(errors.find((f) => f.check === 'credentials')!.message).toMatch(/Cloudflare API token is refused/);
    expect(errors.find((f) => f.check === 'pools')!.message).toMatch(/^IC-Web4 \(10\.[\d.]+\) is not in pool agw-web/);
    expect(errors.find((f) => f.check === 'chat')!.message).toMatch(/bot is not a member of #engineering-maintenance/);
    expect(errors.find((f) => f.check === 'pipelines')!.message).toMatch(/Hub_Infrastructure" at refs\/tags\/platform-0\/2\.106\.0 would not start: .*Unable to resolve the reference/);

    const calls = env.sandbox.calls({ since: before });
    expect(writesOf(calls)).toEqual([]);
    // The reads did reach every vendor the window uses.
    expect([...new Set(calls.map((c) => c.listener))].sort()).toEqual(expect.arrayContaining(['arm', 'cloudflare', 'devops', 'slack']));
    expect(env.newContractViolations()).toEqual([]);

    // The command line says the same, exits 1, and --json carries the fields.
    const run = await mw([TAGGED_FILE, '--json'], window);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.out) as PreflightReport;
    expect(json.findings.map((f) => f.field)).toEqual(expect.arrayContaining(['maintenancePages.public.cloudflare', web4, channelField, `${hubInfra}.pipeline.tag`]));
  });
});
