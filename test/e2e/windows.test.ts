import { readFileSync } from 'fs';
import { join } from 'path';
import { validatorInstalled } from '../../sandbox/core/contracts';
import { loadWindowText } from '../../shared/window/load';
import { planWindow } from '../../shared/window/plan';
import { hasIsoInstant } from '../../shared/api/times';
import { layoutSteps } from '../../shared/window/layout';
import { compileRunbook, type Runbook } from '../../shared/window/runbook';
import { unrecordedAzureCalls } from '../support/azureCalls';
import { gatewayPoolSizes, poolsAtEndAndStart, lbPoolSizes, leakedSecrets, rehearse, slackTexts, type Report } from './harness';

/**
 * Every example window runs end to end through the local host, the simulated estate and
 * Azurite, with approvals given over HTTP by rehearsal approvers; the final estate is
 * checked from the estate's own state and call log.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);


function runbookOf(file: string): Runbook {
  const text = readFileSync(join(__dirname, '../..', file), 'utf8');
  const { window } = loadWindowText(text, file);
  return compileRunbook(window!, planWindow(window!, { recommend: false }), 'test');
}

const vmName = (id: string) => id.split('/').at(-1)!;

/** Rehearses `file` once for the enclosing describe, with the checks every window shares; returns the report. */
function rehearsedWindow(file: string, options: CommonOptions = {}): () => Report {
  let report: Report;
  beforeAll(async () => {
    report = await rehearse(file);
  });
  commonChecks(file, () => report, options);
  return () => report;
}

interface CommonOptions {
  /** Servers a decision keeps in their pool on purpose (a canary on go): left out of the pool comparison. */
  keptInPools?: string[];
}

/** Checks every example window shares: success, patched servers back in, nothing left behind, nothing leaked. */
function commonChecks(file: string, get: () => Report, options: CommonOptions = {}): void {
  const runbook = runbookOf(file);

  it('makes only Azure calls whose actions the deployed roles were checked to grant', () => {
    expect(unrecordedAzureCalls(get().calls)).toEqual([]);
  });

  it('succeeds with every step done or not doing', () => {
    const r = get();
    expect(r.exitCode).toBe(0);
    expect(r.status.state).toBe('succeeded');
    const bad = r.status.steps.filter((s) => !['done', 'not-doing'].includes(s.state)).map((s) => `${s.id}=${s.state}`);
    expect(bad).toEqual([]);
    const skipped = runbook.steps.filter((s) => s.skip !== undefined).map((s) => s.id);
    expect(r.status.steps.filter((s) => s.state === 'not-doing').map((s) => s.id).sort()).toEqual(skipped.sort());
  });

  it('patches every server of every patch step that runs, once, successfully', () => {
    const r = get();
    const vms = r.estate.arm.virtualMachines as Record<string, { patchHistory: { status: string }[]; patchLevel: string }>;
    for (const step of runbook.steps.filter((s) => s.spec.kind === 'patch' && s.skip === undefined)) {
      if (step.spec.kind !== 'patch') continue;
      for (const server of step.spec.batches.flatMap((b) => b.members)) {
        const vm = vms[vmName(server.vmId)];
        expect({ server: server.name, history: vm?.patchHistory.map((h) => h.status) }).toEqual({ server: server.name, history: ['Succeeded'] });
      }
    }
  });

  it('leaves every pool whole and no alert suppressed', () => {
    const r = get();
    // Every pool ends with exactly the members the estate started with (VM names, FQDN origins kept as such).
    const pools = poolsAtEndAndStart(r);
    const kept = new Set(options.keptInPools ?? []);
    const withoutKept = (v: unknown): unknown => (Array.isArray(v) ? v.filter((m) => !kept.has(m as string)) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutKept(x)])) : v);
    expect(withoutKept(pools.end)).toEqual(pools.start);
    expect(r.estate.arm.alertProcessingRules).toEqual({});
    // Pingdom maintenance ended at the window's time (a rehearsal's virtual weekend), not the machine's.
    expect((r.estate.pingdom.maintenance as { id: number; active: boolean }[]).filter((m) => m.active)).toEqual([]);
    // Nothing left open or failed; only what a decision kept (a canary on go) may stay changed.
    expect(r.status.stillChanged.filter((c) => c.state !== 'kept')).toEqual([]);
    expect(Object.values(r.status.maintenancePages).filter((p) => p !== 'down')).toEqual([]);
    expect(Object.values(r.status.alertSets).filter((a) => a !== 'resumed')).toEqual([]);
  });

  it('never takes a pool below its floor (every gateway and load-balancer write in the call log)', () => {
    const r = get();
    for (const step of runbook.steps) {
      if (step.spec.kind !== 'patch') continue;
      for (const pool of step.spec.pools) {
        const name = vmName(pool.resourceId);
        const sizes = pool.kind === 'application-gateway' ? gatewayPoolSizes(r.calls, name, pool.backendPool) : lbPoolSizes(r.calls, name, pool.backendPool);
        for (const size of sizes) expect(size).toBeGreaterThanOrEqual(pool.floor);
      }
    }
  });

  it('restores every maintenance page it put up and purges the cache after the restore', () => {
    const r = get();
    const zones = r.estate.cloudflare.zones as { name: string; records: { name: string; content: string }[] }[];
    const changes = r.estate.cloudflare.changes as { seq: number; name: string; content: string }[];
    const purges = r.estate.cloudflare.purges as { seq: number }[];
    for (const step of runbook.steps.filter((s) => s.spec.kind === 'maintenance-page' && s.spec.action === 'up' && s.skip === undefined)) {
      if (step.spec.kind !== 'maintenance-page' || !step.spec.cloudflare) continue;
      const cf = step.spec.cloudflare;
      const zone = zones.find((z) => z.name === cf.zone)!;
      for (const host of cf.hostnames) {
        expect(zone.records.find((x) => x.name === host)?.content).toBe(cf.origin);
        expect(changes.some((c) => c.name === host && c.content === cf.maintenance)).toBe(true);
      }
      const lastRestore = Math.max(...changes.filter((c) => cf.hostnames.includes(c.name) && c.content === cf.origin).map((c) => c.seq));
      expect(purges.some((p) => p.seq > lastRestore)).toBe(true);
    }
  });

  it('posts every notice to the channels the window names', () => {
    const r = get();
    for (const step of runbook.steps.filter((s) => s.spec.kind === 'notify' && s.skip === undefined)) {
      if (step.spec.kind !== 'notify') continue;
      for (const channel of step.spec.channels) expect(slackTexts(r, channel)).toContain(step.spec.message);
    }
    for (const channel of runbook.channels.milestones) {
      const texts = slackTexts(r, channel);
      expect(texts.some((t) => t.includes('has started'))).toBe(true);
      for (const phase of runbook.phases) {
        if (runbook.steps.some((st) => st.phaseId === phase.id && st.skip === undefined)) {
          expect(texts.filter((t) => t.startsWith(`:arrow_forward: ${runbook.title}: phase "${phase.title}" has begun at `))).toHaveLength(1);
        }
      }
      expect(texts.some((t) => t.includes(`${runbook.title} succeeded`))).toBe(true);
    }
  });

  it('announces each phase when its first step begins work, not when its steps are scheduled', () => {
    const r = get();
    const channel = (r.estate.slack.channels as { name: string; messages: { text: string; ts: string }[] }[]).find((c) => c.name === runbook.channels.milestones[0]!.replace(/^#/, ''))!;
    for (const phase of runbook.phases) {
      const notice = channel.messages.find((m) => m.text.startsWith(`:arrow_forward: ${runbook.title}: phase "${phase.title}" has begun at `));
      const gates = runbook.steps.filter((st) => st.phaseId === phase.id && st.skip === undefined).map((st) => (st.notBefore ? Date.parse(st.notBefore) : 0));
      if (!notice || gates.length === 0) continue;
      // Not before the earliest time any of its steps may begin (a phase's start or a step's `at`).
      expect(Number(notice.ts) * 1000).toBeGreaterThanOrEqual(Math.min(...gates) - 1000);
      // Times for people: the window's zone and its display zones, never UTC.
      expect(notice.text).toMatch(/ has begun at \w{3} \d\d:\d\d [A-Z]{3,4}( \| (\w{3} )?\d\d:\d\d [A-Z]{3,4})* \([\w.-]+ first\)\.$/);
    }
  });

  it('posts only failures to the failure channels (and the notices the window itself sends there)', () => {
    const r = get();
    const own = runbook.steps.flatMap((s) => (s.spec.kind === 'notify' ? [s.spec.message] : []));
    for (const channel of runbook.channels.failures.filter((c) => !runbook.channels.milestones.includes(c))) {
      expect(slackTexts(r, channel).filter((t) => !own.includes(t))).toEqual([]);
    }
  });

  it('runs pipelines at the refs the window names, after what they must wait for', () => {
    const r = get();
    const runs = r.estate.devops.runs as {
      pipelineName: string;
      refName: string;
      createdMs: number;
      finishedDate?: string;
      seq: number;
      stages: { name: string; skipped: boolean }[];
      templateParameters: Record<string, string>;
    }[];
    // A pipeline may run twice in a window with different stages (the Preparation Pipeline does).
    // ... and the one-time scripts pipeline runs three times with different parameters.
    const runOf = (p: { name: string; refName?: string; stages: string[]; parameters: Record<string, string> }) =>
      runs.find(
        (x) =>
          x.pipelineName === p.name &&
          (!p.refName || x.refName === p.refName) &&
          (p.stages.length === 0 || JSON.stringify(x.stages.filter((st) => !st.skipped).map((st) => st.name)) === JSON.stringify(p.stages)) &&
          Object.entries(p.parameters).every(([k, v]) => String(x.templateParameters?.[k]) === v),
      );
    for (const step of runbook.steps.filter((s) => s.spec.kind === 'pipeline' && s.skip === undefined)) {
      if (step.spec.kind !== 'pipeline') continue;
      const pipeline = step.spec.pipeline;
      const run = runOf(pipeline);
      expect({ step: step.id, ran: Boolean(run) }).toEqual({ step: step.id, ran: true });
      for (const dep of step.deps) {
        const depStep = runbook.steps.find((s) => s.id === dep);
        if (depStep?.spec.kind !== 'pipeline' || depStep.skip !== undefined) continue;
        const depPipeline = depStep.spec.pipeline;
        const depRun = runOf(depPipeline)!;
        expect(Date.parse(depRun.finishedDate!)).toBeLessThanOrEqual(run!.createdMs);
      }
    }
  });

  it("keeps every call to the vendors' published specs (sandbox/specs)", () => {
    const calls = get().calls.filter((c) => c.listener !== 'probes' && c.status !== 0);
    const broken = calls.flatMap((c) => (c.violations ?? []).map((v) => `${c.listener} ${c.method} ${c.path} (${c.status}): ${v.where} ${v.operation} ${v.field}: ${v.rule}`));
    expect(broken).toEqual([]);
    // Checked at all: the estate ran with the validator (every vendor call names its spec operation).
    if (validatorInstalled()) expect(calls.filter((c) => c.operation === undefined).map((c) => `${c.listener} ${c.method} ${c.path}`)).toEqual([]);
  });

  it('puts no secret the estate issued into histories, custom status, logs, Slack or the status view', () => {
    const r = get();
    expect(r.issuedSecrets.length).toBeGreaterThan(0);
    expect(leakedSecrets(r)).toEqual([]);
    expect(leakedSecrets({ ...r, hostLog: `${r.windowReport.md ?? ''}${r.windowReport.html ?? ''}` })).toEqual([]);
  });

  it('writes the window report: the runbook\'s steps in the page\'s order, every approval, both zones, no raw UTC; the finish notice links it', () => {
    const r = get();
    const md = r.windowReport.md ?? '';
    expect(r.windowReport.html).toMatch(/^<!doctype html>/);
    const listed = [...md.matchAll(/^\s*(?:\d+\.|-) \S+ \*\*[^*]+\*\*: `([^`]+)`/gm)].map((m) => m[1]);
    expect(listed).toEqual(layoutSteps(runbook.layout!));
    expect([...listed].sort()).toEqual(runbook.steps.map((s) => s.id).sort());
    for (const gate of r.status.details?.approvals ?? []) {
      expect(md).toContain(`| ${gate.gate.replace(/([_*])/g, '\\$1')} |`);
      for (const d of gate.decisions) expect(md).toMatch(new RegExp(`\\| ${d.by} (approved|rejected)`));
    }
    expect(hasIsoInstant(md)).toBe(false);
    if (runbook.displayZones.includes('Asia/Kolkata')) expect(md).toContain(' IST');
    for (const channel of runbook.channels.milestones) {
      expect(slackTexts(r, channel).some((t) => t.includes(`/api/windows/${runbook.windowId}/runs/${r.status.details?.runId}/report.html|`))).toBe(true);
    }
    // Slack says times as people do, in the window's zones, never as raw UTC.
    const channels = r.estate.slack.channels as { name: string; messages: { text: string; blocks?: { type: string }[] }[] }[];
    // The results are Block Kit sections, not one long line.
    const finish = channels.flatMap((c) => c.messages).find((m) => m.text.includes('/report.html|'));
    expect(finish?.blocks?.filter((b) => b.type === 'section').length).toBeGreaterThanOrEqual(3);
    expect(channels.flatMap((c) => c.messages.map((m) => m.text)).filter(hasIsoInstant)).toEqual([]);
  });
}

describe('2025-06-22 monthly (web batches, maintenance page for www/my/sso, Mailgun and machineKey rotations)', () => {
  const report = rehearsedWindow('windows/2025-06-22-monthly.yaml');

  it('writes each pool once to drain and once to restore per web batch, five out at a time', () => {
    expect(gatewayPoolSizes(report().calls, 'agw-pri-appgateway0-prd', 'bp-ic-web-prd')).toEqual([5, 10, 5, 10]);
    expect(lbPoolSizes(report().calls, 'IC-LB-WebSVR-4AppSVR', 'IC-WebSVR-BackendPool')).toEqual([5, 10, 5, 10]);
  });

  it('puts the maintenance page up and back to the saved origin, purging the cache after the restore', () => {
    const zone = (report().estate.cloudflare.zones as { name: string; records: { name: string; content: string }[] }[]).find((z) => z.name === 'invoicecloud.com')!;
    for (const host of ['www.invoicecloud.com', 'my.invoicecloud.com', 'sso.invoicecloud.com']) {
      expect(zone.records.find((x) => x.name === host)?.content).toBe('pal.invoicecloud.com');
    }
    const changes = report().estate.cloudflare.changes as { seq: number; name: string; content: string }[];
    expect(changes.filter((c) => c.content === 'icmaintenance.azurewebsites.net').map((c) => c.name).sort()).toEqual(['my.invoicecloud.com', 'sso.invoicecloud.com', 'www.invoicecloud.com']);
    const lastRestore = Math.max(...changes.filter((c) => c.content === 'pal.invoicecloud.com').map((c) => c.seq));
    const purges = report().estate.cloudflare.purges as { seq: number }[];
    expect(purges.some((p) => p.seq > lastRestore)).toBe(true);
  });

  it('rotates the Mailgun key (new Key Vault version, old key deleted) and the machineKey', () => {
    const secrets = report().estate.keyvault.secrets as Record<string, { versions: { enabled: boolean; tags: Record<string, string> }[] }>;
    const mailgun = secrets['Mailgun-ApiKey']!.versions;
    const rotated = mailgun.find((v) => v.tags.mwRotation);
    expect(rotated?.enabled).toBe(true);
    expect(rotated?.tags.previousKeyId).toBe('5c2e88d0-19ab4f31');
    expect((report().estate.mailgun.deleted as { id: string }[]).map((d) => d.id)).toContain('5c2e88d0-19ab4f31');
    expect((report().estate.mailgun.keys as { id: string }[]).map((k) => k.id)).toContain(rotated!.tags.mailgunKeyId);
    expect(secrets['MyIIS-MachineKey']!.versions.some((v) => v.tags.mwRotation && v.enabled)).toBe(true);
  });

  it('deletes the old Mailgun key only after the cronjob secret fix is done', () => {
    const deletion = report().status.events.find((e) => e.type === 'old-key')!;
    expect(deletion.data).toMatchObject({ deleted: true, keyId: '5c2e88d0-19ab4f31' });
    const fix = report().status.steps.find((s) => s.id === 'mailgun-k8s-cronjob-secret')!;
    expect(fix.state).toBe('done');
    expect(Date.parse(deletion.at)).toBeGreaterThanOrEqual(Date.parse(fix.at!));
  });

  it('records who approved each gate, and the starter is not among them', () => {
    const approvals = report().status.events.filter((e) => e.type === 'approval').map((e) => e.data as { by: string; decision: string; counted: boolean });
    expect(approvals.length).toBeGreaterThanOrEqual(2);
    expect(approvals.every((a) => a.decision === 'approve' && a.counted && a.by !== 'rehearsal-runner')).toBe(true);
  });
});

describe('2025-02-23 monthly', () => {
  rehearsedWindow('windows/2025-02-23-monthly.yaml');
});

describe('2025-04-13 monthly', () => {
  const report = rehearsedWindow('windows/2025-04-13-monthly.yaml');

  it('pauses the other alerts with one rule while the page is up, and lifts it after the page is down', () => {
    const rule = report().calls.filter((c) => c.listener === 'arm' && /actionRules\/mw-[^/]*alerts-other-alerts$/i.test(c.path) && c.status < 300);
    const puts = rule.filter((c) => c.method === 'PUT');
    const deletes = rule.filter((c) => c.method === 'DELETE');
    expect(puts).toHaveLength(1);
    expect(deletes.length).toBeGreaterThanOrEqual(1);
    // Ordered against the page: the maintenance target written before the rule goes, the origin restored before it is lifted.
    const dns = report().calls.filter((c) => c.listener === 'cloudflare' && ['PATCH', 'PUT'].includes(c.method) && /dns_records/.test(c.path) && c.status < 300);
    expect(dns.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...deletes.map((c) => c.seq))).toBeGreaterThan(Math.max(...dns.map((c) => c.seq)));
    expect(puts[0]!.seq).toBeLessThan(Math.max(...dns.map((c) => c.seq)));
    const notices = slackTexts(report(), 'engineering-maintenance').filter((t) => /Alerts (paused|back on): other-alerts/.test(t));
    expect(notices.map((t) => t.split(':')[1])).toEqual(['no_bell', 'bell']);
  });
});

describe('2025-09-08 canary', () => {
  // On go, the new server stays in its pool (checked below); every other member is as it began.
  const report = rehearsedWindow('windows/2025-09-08-canary.yaml', { keptInPools: ['IC-W25-Web01'] });

  it('adds the new server, hears every team at every checkpoint and keeps it on go', () => {
    expect(report().status.stillChanged.map((c) => [c.state, c.key.replace(/^\d{14}:/, '<run>:'), c.note])).toEqual([['kept', '<run>:new-server-canary:pool:agw-web', 'go decision: IC-W25-Web01 stays in agw-web']]);
    const pools = report().estate.arm.applicationGateways['agw-pri-appgateway0-prd'].pools as Record<string, string[]>;
    expect(Object.values(pools).some((m) => m.includes('IC-W25-Web01'))).toBe(true);
    const decision = report().status.events.find((e) => e.type === 'canary-decision')?.data as { decision: string };
    expect(decision.decision).toBe('go');
    const answers = report().status.events.filter((e) => e.type === 'canary-answer');
    const checkpoints = new Set(answers.map((e) => (e.data as { checkpoint: number }).checkpoint));
    expect(checkpoints.size).toBeGreaterThanOrEqual(5);
  });
});

describe('Consul/HAProxy take-down and restore', () => {
  const report = rehearsedWindow('windows/consul-takedown.yaml');

  it('takes the estate down and restores it in exact reverse order, clearing the key last', () => {
    const events = report().estate.consul.events as { action: string; node?: string; target: string; at: string }[];
    const actions = events.map((e) => `${e.action} ${e.node ?? ''}`.trim());
    expect(actions.slice(0, 3)).toEqual(['kv-put', 'maintenance-enable bp-apiui-01', 'maintenance-enable bp-apiui-02']);
    expect(actions.slice(-3)).toEqual(['maintenance-disable bp-apiui-02', 'maintenance-disable bp-apiui-01', 'kv-delete']);
    // Consul maintenance went to each node's own agent.
    const maint = report().calls.filter((c) => c.listener === 'consul' && c.path === '/v1/agent/maintenance');
    expect(maint.map((c) => c.host)).toEqual(['bp-apiui-01:8501', 'bp-apiui-02:8501', 'bp-apiui-02:8501', 'bp-apiui-01:8501']);
    expect((report().estate.consul.kv as { key: string }[]).map((k) => k.key)).not.toContain('haproxy/billpay/maintenance');
    // The estate's datacenter goes with every call for the key (Consul's ?dc=).
    const kv = report().calls.filter((c) => c.listener === 'consul' && c.path.startsWith('/v1/kv/'));
    expect(kv.length).toBeGreaterThan(0);
    expect(kv.every((c) => (c.query as Record<string, string>)['dc'] === 'prd-dc1')).toBe(true);
  });

  it('tells the window\'s channel to tell the partners, on the way down and back', () => {
    const texts = (report().estate.slack.channels as { name: string; messages: { text: string }[] }[]).find((c) => c.name === 'billpay-maintenance')!.messages.map((m) => m.text);
    expect(texts.filter((t) => t.includes('Tell Malauzai'))).toEqual([expect.stringMatching(/is down for maintenance.*Tell Malauzai: the API answers 503 until the restore\.$/), expect.stringMatching(/restored.*Tell Malauzai: the API is back\.$/)]);
  });

  it('switches worker services and jobs off through Run Command and puts back exactly what was on', () => {
    const vms = report().estate.arm.virtualMachines as Record<string, { services: Record<string, string>; startTypes: Record<string, string>; scheduledTasks: Record<string, boolean>; commands: { at: string; effects: string[] }[] }>;
    // The standby FileImportWorker on bp-worker-02 and the disabled ReportExport job were off before and stay off.
    expect(vms['bp-worker-01']?.services).toEqual({ 'BillPay.PaymentProcessor': 'Running', 'BillPay.NotificationWorker': 'Running', 'BillPay.FileImportWorker': 'Running' });
    expect(vms['bp-worker-02']?.services).toEqual({ 'BillPay.PaymentProcessor': 'Running', 'BillPay.NotificationWorker': 'Running', 'BillPay.FileImportWorker': 'Stopped' });
    expect(vms['bp-worker-02']?.startTypes).toEqual({ 'BillPay.PaymentProcessor': 'Automatic', 'BillPay.NotificationWorker': 'Automatic', 'BillPay.FileImportWorker': 'Manual' });
    expect(vms['bp-sched-01']?.scheduledTasks).toEqual({ 'BillPay\\BillPay-NightlySettlement': true, 'BillPay\\BillPay-PaymentReminders': true, 'BillPay\\BillPay-ReportExport': false });
    const effects = (vm: string) => (vms[vm]?.commands ?? []).flatMap((c) => c.effects.map((e) => ({ at: c.at, e })));
    expect(effects('bp-worker-01').filter((x) => /start type Disabled/.test(x.e))).toHaveLength(3);
    expect(effects('bp-sched-01').map((x) => x.e)).toEqual([
      'scheduled task BillPay\\BillPay-NightlySettlement disabled',
      'scheduled task BillPay\\BillPay-PaymentReminders disabled',
      'scheduled task BillPay\\BillPay-ReportExport disabled',
      'scheduled task BillPay\\BillPay-PaymentReminders enabled',
      'scheduled task BillPay\\BillPay-NightlySettlement enabled',
    ]);
    // Restore order: jobs, then workers, then the API/UI boxes out of maintenance.
    const consulEvents = report().estate.consul.events as { action: string; at: string }[];
    const lastTaskOn = effects('bp-sched-01').at(-1)!.at;
    const firstServiceBack = effects('bp-worker-02').find((x) => /start type Automatic/.test(x.e))!.at;
    const firstMaintOff = consulEvents.find((e) => e.action === 'maintenance-disable')!.at;
    expect(lastTaskOn <= firstServiceBack && firstServiceBack <= firstMaintOff).toBe(true);
  });
});
