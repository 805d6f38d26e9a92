import { readdirSync, readFileSync } from 'fs';
import path from 'path';
import { probeAnswer, ProbesEstateSchema, type ProbeTargets } from '../../../sandbox/azure/probes';
import { CloudflareEstate } from '../../../sandbox/cloudflare/schema';
import { ConsulEstate } from '../../../sandbox/consul/schema';
import { DevOpsEstate } from '../../../sandbox/devops/schema';
import { defaultEstateFile, loadEstateFile, parseEstate, type EstateDocument } from '../../../sandbox/estate/load';
import { AzureEstateSchema } from '../../../sandbox/estate/schema';
import { MailgunEstate } from '../../../sandbox/mailgun/service';
import { PingdomEstate } from '../../../sandbox/pingdom/service';
import { SlackEstate } from '../../../sandbox/slack/schema';
import type { WindowDef } from '../../../shared/window/schema';
import { loadWindowFile } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { compileRunbook, revisionOf, type HttpCheck, type ResolvedPipeline, type ResolvedPool, type Runbook, type Server } from '../../../shared/window/runbook';

/**
 * Issue 5's acceptance runs every example window end to end against the default simulated estate.
 * This suite checks, from the estate file alone (no sandbox running), that everything each compiled
 * step will touch is there: VMs by resource id, pools and their members, pipelines with their stages,
 * tags and parameters, Slack channels, DNS records at their origin, Pingdom checks, Key Vault
 * secrets, the Mailgun domain and key, the Consul estate, and the web servers' probe answers.
 */

const WINDOWS_DIR = path.resolve(__dirname, '../../../windows');
const windowFiles = readdirSync(WINDOWS_DIR).filter((f) => f.endsWith('.yaml')).sort();

/** The automation's own credentials in the estate (what the local host is configured with). */
const AUTOMATION = 'mw-automation';

/** Every section of the estate, each validated by its own service's schema. */
interface Estate {
  azure: ReturnType<typeof AzureEstateSchema.parse>;
  cloudflare: CloudflareEstate;
  slack: ReturnType<typeof SlackEstate.parse>;
  devops: ReturnType<typeof DevOpsEstate.parse>;
  pingdom: ReturnType<typeof PingdomEstate.parse>;
  mailgun: ReturnType<typeof MailgunEstate.parse>;
  consul: ReturnType<typeof ConsulEstate.parse>;
  probes: ReturnType<typeof ProbesEstateSchema.parse>;
}

function sections(doc: EstateDocument): Estate {
  return {
    azure: AzureEstateSchema.parse(doc['azure']),
    cloudflare: CloudflareEstate.parse(doc['cloudflare']),
    slack: SlackEstate.parse(doc['slack']),
    devops: DevOpsEstate.parse(doc['devops']),
    pingdom: PingdomEstate.parse(doc['pingdom']),
    mailgun: MailgunEstate.parse(doc['mailgun']),
    consul: ConsulEstate.parse(doc['consul']),
    probes: ProbesEstateSchema.parse(doc['probes'] ?? {}),
  };
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const list = (xs: readonly string[]) => xs.join(', ');

/** Splits an ARM resource id into subscription, resource group, provider type and name. */
function parseResourceId(id: string): { subscription: string; resourceGroup: string; type: string; name: string } | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)$/i.exec(id);
  return m ? { subscription: m[1]!, resourceGroup: m[2]!, type: m[3]!, name: m[4]! } : undefined;
}

/** The compiled runbook of one window file, or its load problems. */
function compile(file: string): { window: WindowDef; runbook: Runbook } {
  const full = path.join(WINDOWS_DIR, file);
  const { window, problems } = loadWindowFile(full);
  if (!window) throw new Error(`${file} does not load: ${problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.reason}`).join('; ')}`);
  return { window, runbook: compileRunbook(window, planWindow(window, { recommend: false }), revisionOf(readFileSync(full, 'utf8'))) };
}

/**
 * Everything in `runbook` the estate lacks, one line each: `<window> › <step>: <what is missing>`.
 * Skipped steps are checked too: a skip is a decision for this run, not a hole in the estate.
 */
function estateGaps(window: WindowDef, runbook: Runbook, estate: Estate): string[] {
  const gaps: string[] = [];
  const { azure } = estate;
  let where = `${runbook.windowId} › (window)`;
  const gap = (what: string): undefined => {
    gaps.push(`${where}: ${what}`);
    return undefined;
  };

  // Azure: VMs and pools by resource id, as the ARM sandbox resolves them (groups case-insensitive).
  const vmById = (id: string, label: string) => {
    const ref = parseResourceId(id);
    if (!ref || !eq(ref.type, 'Microsoft.Compute/virtualMachines')) return gap(`${label}: '${id}' is not a VM resource id`);
    if (!eq(ref.subscription, azure.subscriptionId)) return gap(`${label}: subscription ${ref.subscription} is not the estate's (${azure.subscriptionId})`);
    const vm = azure.virtualMachines.find((v) => eq(v.name, ref.name));
    if (!vm) return gap(`${label}: no VM ${ref.name}`);
    if (!eq(vm.resourceGroup, ref.resourceGroup)) return gap(`${label}: VM ${vm.name} is in resource group ${vm.resourceGroup}, not ${ref.resourceGroup}`);
    return vm;
  };
  const server = (s: Server, why: string) => vmById(s.vmId, `${why} ${s.name}`);
  const estatePool = (pool: ResolvedPool) => {
    const ref = parseResourceId(pool.resourceId);
    const type = pool.kind === 'application-gateway' ? 'Microsoft.Network/applicationGateways' : 'Microsoft.Network/loadBalancers';
    if (!ref || !eq(ref.type, type)) return gap(`pool ${pool.id}: '${pool.resourceId}' is not a ${type} resource id`);
    if (!eq(ref.subscription, azure.subscriptionId)) return gap(`pool ${pool.id}: subscription ${ref.subscription} is not the estate's (${azure.subscriptionId})`);
    const holders = pool.kind === 'application-gateway' ? azure.applicationGateways : azure.loadBalancers;
    const holder = holders.find((h) => eq(h.name, ref.name) && eq(h.resourceGroup, ref.resourceGroup));
    if (!holder) return gap(`pool ${pool.id}: no ${pool.kind} ${ref.name} in resource group ${ref.resourceGroup}`);
    const backend = holder.backendPools.find((b) => b.name === pool.backendPool);
    if (!backend) return gap(`pool ${pool.id}: ${holder.name} has no backend pool ${pool.backendPool} (it has ${list(holder.backendPools.map((b) => b.name))})`);
    return backend;
  };
  const poolWithMembers = (pool: ResolvedPool) => {
    const backend = estatePool(pool);
    if (!backend) return;
    const missing = pool.members.filter((m) => !backend.members.some((b) => eq(b, m)));
    if (missing.length > 0) gap(`pool ${pool.id}: ${pool.backendPool} lacks ${list(missing)}`);
  };

  // Probes: answered from the estate as the probes listener would, healthy VMs as at start.
  const targets: ProbeTargets = {
    probes: estate.probes,
    vm: (name) => {
      const vm = azure.virtualMachines.find((v) => eq(v.name, name));
      return vm && { name: vm.name, appPools: vm.appPools, healthy: vm.probe.healthy, patchLevel: vm.patchLevel };
    },
  };
  const probe = (check: HttpCheck, url: string, label: string, statuses = check.expectStatus) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return gap(`${label} '${check.name}': '${url}' is not a URL`);
    }
    const answer = probeAnswer(targets, target.host, target.pathname);
    if (!answer) return gap(`${label} '${check.name}': no simulated server or site answers ${target.host}`);
    if (!statuses.includes(answer.status)) return gap(`${label} '${check.name}': ${url} answers ${answer.status}, expected ${statuses.join(' or ')}`);
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? '');
    if (check.expectBody !== undefined && !body.includes(check.expectBody)) gap(`${label} '${check.name}': ${url} answers without '${check.expectBody}'`);
  };
  const probeOn = (checks: HttpCheck[], s: Server, label: string) => {
    for (const check of checks) probe(check, check.url.replace(/\{host\}/g, s.host).replace(/\{name\}/g, s.name), `${label} on ${s.name}`);
  };

  const pingdomChecks = (refs: (string | number)[]) => {
    if (refs.length > 0 && !estate.pingdom.tokens.some((t) => t.name === AUTOMATION && !t.readOnly)) gap(`no writable ${AUTOMATION} Pingdom token`);
    for (const ref of refs) {
      const text = String(ref);
      const found = /^\d+$/.test(text) ? estate.pingdom.checks.find((c) => c.id === Number(text)) : estate.pingdom.checks.find((c) => eq(c.name, text) || eq(c.hostname, text));
      if (!found) gap(`no Pingdom check ${text}`);
    }
  };
  // Resource groups that hold something of the estate's (alert scopes name them).
  const resourceGroups = azure.virtualMachines.map((vm) => vm.resourceGroup);

  const channel = (name: string) => {
    const bare = name.replace(/^#/, '');
    const found = estate.slack.channels.find((c) => c.name === bare);
    if (!found) return gap(`no Slack channel #${bare}`);
    if (found.archived || !found.member) gap(`Slack channel #${bare} is archived or the bot is not in it`);
  };

  const pipeline = (p: ResolvedPipeline) => {
    const project = estate.devops.projects.find((x) => eq(x.name, p.project));
    if (!project) return gap(`no DevOps project ${p.project} (pipeline ${p.name})`);
    const found = project.pipelines.find((x) => (p.pipelineId !== undefined ? x.id === p.pipelineId : eq(x.name, p.name)));
    if (!found) return gap(`no pipeline ${p.name} in DevOps project ${p.project}`);
    const stages = found.stages.map((s) => s.name);
    const unknownStages = p.stages.filter((s) => !stages.some((x) => eq(x, s)));
    if (unknownStages.length > 0) gap(`pipeline ${p.name} has no stage ${list(unknownStages)} (it has ${list(stages)})`);
    if (p.refName?.startsWith('refs/tags/')) {
      const tag = p.refName.slice('refs/tags/'.length);
      if (!found.tags?.includes(tag)) gap(`pipeline ${p.name}'s repository ${found.repository} has no tag ${tag}`);
    }
    const unknownParams = found.parameters ? Object.keys(p.parameters).filter((k) => !found.parameters!.includes(k)) : [];
    if (unknownParams.length > 0) gap(`pipeline ${p.name} declares no parameter ${list(unknownParams)}`);
  };

  const cfToken = estate.cloudflare.tokens.find((t) => t.name === AUTOMATION);
  const dnsRecords = (zoneName: string, hostnames: string[], origin: string) => {
    const zone = estate.cloudflare.zones.find((z) => eq(z.name, zoneName));
    if (!zone) return gap(`no Cloudflare zone ${zoneName}`);
    if (!cfToken || cfToken.readOnly || (cfToken.zones && !cfToken.zones.some((z) => eq(z, zone.name)))) gap(`the ${AUTOMATION} Cloudflare token cannot edit ${zone.name}`);
    const fqdn = (n: string) => (n === '@' ? zone.name : n.toLowerCase().endsWith(`.${zone.name}`) ? n.toLowerCase() : `${n}.${zone.name}`.toLowerCase());
    for (const host of hostnames) {
      const records = zone.records.filter((r) => fqdn(r.name) === host.toLowerCase() && ['A', 'AAAA', 'CNAME'].includes(r.type));
      if (records.length !== 1) gap(`Cloudflare zone ${zone.name} has ${records.length} routable record(s) for ${host}, not one`);
      else if (records[0]!.content !== origin) gap(`Cloudflare record ${host} points at ${records[0]!.content}, not the page's origin ${origin}`);
    }
  };

  const consulToken = estate.consul.tokens.find((t) => t.name === AUTOMATION);

  for (const c of [...runbook.channels.milestones, ...runbook.channels.failures]) channel(c);

  for (const step of runbook.steps) {
    where = `${runbook.windowId} › ${step.id}`;
    const spec = step.spec;
    switch (spec.kind) {
      case 'patch': {
        for (const batch of spec.batches) for (const m of batch.members) server(m, 'server');
        for (const pool of spec.pools) poolWithMembers(pool);
        for (const batch of spec.batches) for (const m of batch.members) probeOn(spec.sanityChecks, m, 'sanity check');
        break;
      }
      case 'script':
        for (const t of spec.targets) server(t, 'script target');
        break;
      case 'pipeline':
        pipeline(spec.pipeline);
        break;
      case 'approval':
        spec.channels.forEach(channel);
        break;
      case 'notify':
        spec.channels.forEach(channel);
        break;
      case 'maintenance-page': {
        if (spec.cloudflare) dnsRecords(spec.cloudflare.zone, spec.cloudflare.hostnames, spec.cloudflare.origin);
        pingdomChecks(spec.pingdomChecks);
        if (spec.consul && !(consulToken?.key === 'write' && spec.consul.key.startsWith(consulToken.keyPrefix))) gap(`the ${AUTOMATION} Consul token cannot write ${spec.consul.key}`);
        spec.channels.forEach(channel);
        break;
      }
      case 'alerts':
        for (const scope of spec.scopes) {
          const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i.exec(scope);
          if (!m || !eq(m[1]!, azure.subscriptionId)) gap(`alert scope ${scope} is not in subscription ${azure.subscriptionId}`);
          else if (!resourceGroups.some((g) => eq(g, m[2]!))) gap(`alert scope ${scope}: no resource group ${m[2]!} in the estate`);
        }
        pingdomChecks(spec.pingdomChecks);
        spec.channels.forEach(channel);
        break;
      case 'rotate-secret': {
        const { secret } = spec;
        const stored = azure.keyVault.secrets.find((s) => eq(s.name, secret.name) && eq(s.vault ?? azure.keyVault.name, secret.vault));
        if (!stored) gap(`no Key Vault secret ${secret.name} in vault ${secret.vault}`);
        if (secret.type === 'mailgun') {
          if (!estate.mailgun.domains.some((d) => eq(d.name, secret.domain) && d.state === 'active')) gap(`no active Mailgun domain ${secret.domain}`);
          if (!estate.mailgun.keys.some((k) => k.role === 'admin')) gap('no Mailgun admin key to create and delete keys with');
          const keyId = stored?.tags['mailgunKeyId'];
          const key = estate.mailgun.keys.find((k) => k.id === keyId);
          if (stored && !key) gap(`${secret.name}'s current version names no existing Mailgun key (tag mailgunKeyId: ${keyId ?? 'absent'})`);
          else if (key && (key.domain_name !== secret.domain || key.secret !== stored?.value)) gap(`${secret.name} does not hold Mailgun key ${key.id} of ${secret.domain}`);
        }
        const servers = [spec.validateOn, ...spec.batches.flatMap((b) => b.members)];
        for (const s of servers) {
          const vm = server(s, 'rollout server');
          if (vm && spec.recycleIis && vm.appPools.length === 0) gap(`rollout server ${s.name} has no IIS app pool to recycle`);
        }
        for (const s of servers) probeOn(spec.validation, s, 'validation');
        break;
      }
      case 'test':
        for (const check of spec.checks) probe(check, check.url, 'check');
        if (spec.pipeline) pipeline(spec.pipeline);
        break;
      case 'canary': {
        server(spec.server, 'canary server');
        for (const pool of spec.pools) {
          poolWithMembers(pool);
          if (estatePool(pool)?.members.some((m) => eq(m, spec.server.name))) gap(`canary server ${spec.server.name} is already in ${pool.backendPool}`);
        }
        channel(spec.channel);
        break;
      }
      case 'takedown': {
        const e = spec.estate;
        const consul = estate.consul;
        const declared = window.consulEstates[e.id];
        if (declared?.datacenter && declared.datacenter !== consul.datacenter) gap(`Consul datacenter is ${consul.datacenter}, not ${declared.datacenter}`);
        if (e.maintenanceKey.key !== consul.maintenanceKey) gap(`HAProxy watches ${consul.maintenanceKey}, not ${e.maintenanceKey.key}`);
        if (!(consulToken?.key === 'write' && e.maintenanceKey.key.startsWith(consulToken.keyPrefix))) gap(`the ${AUTOMATION} Consul token cannot write ${e.maintenanceKey.key}`);
        if (consulToken?.node !== 'write') gap(`the ${AUTOMATION} Consul token cannot change nodes`);
        const node = (name: string, role: string) => {
          const found = consul.nodes.find((n) => n.name === name);
          if (!found) return gap(`no Consul node ${name}`);
          if (found.role !== role) gap(`Consul node ${name} is a ${found.role} box, not ${role}`);
          return found;
        };
        e.apiNodes.forEach((n) => node(n, 'api-ui'));
        // Worker services and jobs change through Run Command on the Azure VM of the box's name.
        const machine = (name: string) => azure.virtualMachines.find((v) => eq(v.name, name)) ?? gap(`no Azure VM ${name} (Run Command needs one)`);
        for (const w of e.workers) {
          node(w.node, 'worker');
          const vm = machine(w.node);
          const missing = vm ? w.services.filter((s) => !Object.keys(vm.services).some((x) => eq(x, s))) : [];
          if (missing.length > 0) gap(`worker ${w.node} has no service ${list(missing)}`);
        }
        if (e.scheduledTasks) {
          node(e.scheduledTasks.node, 'scheduled-tasks');
          const vm = machine(e.scheduledTasks.node);
          const taskName = (key: string) => key.split('\\').pop() ?? key;
          const missing = vm ? e.scheduledTasks.tasks.filter((t) => !Object.keys(vm.scheduledTasks).some((x) => eq(taskName(x), taskName(t)))) : [];
          if (missing.length > 0) gap(`scheduled-task box ${e.scheduledTasks.node} has no task ${list(missing)}`);
        }
        // While down, HAProxy answers these hosts (the message, the API's 503); the site behind it answers them after.
        const fronted = (url: string, label: string) => {
          const host = URL.canParse(url) ? new URL(url).hostname : url;
          if (!(estate.consul.haproxy?.fronts ?? []).some((f) => eq(f, host))) gap(`${label}: HAProxy in the estate does not front ${host} (consul.haproxy.fronts)`);
        };
        for (const url of e.verifyRedirect) {
          fronted(url, `redirect check ${url}`);
          probe({ name: `normal ${url}`, url, method: 'GET', expectStatus: [200], timeoutInMs: 10_000, attempts: 1 }, url, 'redirect check (the site when up)');
        }
        for (const check of e.verifyDown) {
          fronted(check.url, `down check '${check.name}'`);
          probe({ ...check, expectStatus: [200], expectBody: undefined }, check.url, 'down check (the site when up)');
        }
        // "Smoke test the services via the UI from one of the API/UI boxes": each box must pass.
        for (const n of e.apiNodes) probeOn(e.smokeTests, { name: n, host: n, vmId: '' }, 'smoke test');
        break;
      }
      case 'manual':
        break;
    }
  }
  return gaps;
}

let estate: Estate;
beforeAll(async () => {
  estate = sections(await loadEstateFile(defaultEstateFile()));
});

describe('the default simulated estate covers every example window', () => {
  it('finds the five example windows', () => {
    expect(windowFiles).toEqual(['2025-02-23-monthly.yaml', '2025-04-13-monthly.yaml', '2025-06-22-monthly.yaml', '2025-09-08-canary.yaml', 'consul-takedown.yaml']);
  });

  it.each(windowFiles)('%s: everything its steps touch exists in the estate', (file) => {
    const { window, runbook } = compile(file);
    expect(runbook.steps.length).toBeGreaterThan(0);
    expect(estateGaps(window, runbook, estate)).toEqual([]);
  });
});

describe('the coverage check itself', () => {
  it('names the window, the step and the missing thing when the estate lacks it', () => {
    const doc = JSON.parse(JSON.stringify(estate)) as Estate;
    doc.slack.channels = doc.slack.channels.filter((c) => c.name !== 'eng-monthlymaintenance');
    const gw = doc.azure.applicationGateways[0]!;
    gw.backendPools[0]!.members = gw.backendPools[0]!.members.filter((m) => m !== 'IC-Web7');
    doc.azure.virtualMachines = doc.azure.virtualMachines.filter((v) => v.name !== 'IC-SFTP2');
    doc.devops.projects[0]!.pipelines = doc.devops.projects[0]!.pipelines.filter((p) => p.name !== 'IC-Full-Regression');
    doc.probes.iis = { ...doc.probes.iis, '/healthcheck.aspx': { status: 200, body: 'Degraded', contentType: 'text/plain' } };
    doc.azure.keyVault.secrets = doc.azure.keyVault.secrets.map((s) => (s.name === 'Mailgun-ApiKey' ? { ...s, tags: {} } : s));
    const broken = sections(parseEstate(doc));

    const { window, runbook } = compile('2025-06-22-monthly.yaml');
    const gaps = estateGaps(window, runbook, broken);
    expect(gaps).toEqual(
      expect.arrayContaining([
        '2025-06-22-monthly › (window): no Slack channel #eng-monthlymaintenance',
        '2025-06-22-monthly › web-batch-2: pool agw-web: bp-ic-web-prd lacks IC-Web7',
        '2025-06-22-monthly › patch-sftp: server IC-SFTP2: no VM IC-SFTP2',
        '2025-06-22-monthly › regression-tests: no pipeline IC-Full-Regression in DevOps project Platform',
        "2025-06-22-monthly › web-batch-1: sanity check on IC-Web3 'IIS health page': https://ic-web3.icprod.local/healthcheck.aspx answers without 'OK'",
        "2025-06-22-monthly › mailgun-rotation: Mailgun-ApiKey's current version names no existing Mailgun key (tag mailgunKeyId: absent)",
      ]),
    );
  });

  it('checks a web server as the probes listener answers it: unhealthy servers fail their sanity checks', () => {
    const doc = JSON.parse(JSON.stringify(estate)) as Estate;
    doc.azure.virtualMachines = doc.azure.virtualMachines.map((v) => (v.name === 'IC-Web2' ? { ...v, probe: { healthy: false, failAfterPatch: false } } : v));
    const { window, runbook } = compile('2025-02-23-monthly.yaml');
    expect(estateGaps(window, runbook, sections(parseEstate(doc)))).toEqual([
      "2025-02-23-monthly › web-batch-1: sanity check on IC-Web2 'IIS health page': https://ic-web2.icprod.local/healthcheck.aspx answers 503, expected 200",
    ]);
  });
});
