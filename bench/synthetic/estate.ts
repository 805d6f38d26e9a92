/**
 * Synthetic estates for the engine benchmark (`npm run bench`): a seeded window file and
 * estate file for N servers in groups of about 25, with App Gateway and internal load-balancer
 * pools kept at a 75% floor, per-server patch times from the seeds' figures, and M changes
 * (pipeline runs) that depend on each other.
 *
 * Figures from the seeds (docs/seeds.md, seed 001 "2025-06-22 Monthly"): a web batch takes about
 * 4 hours ("Sunday morning 4:30 AM ... patching for IC-Web6 thru 10", smoke tests at 8 AM), Azure
 * Update Manager's maximum duration stays at the default 235 minutes, app and other servers take
 * about 1.5 to 2.5 hours. The estate's web servers install in 200-224 virtual minutes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { defaultEstateFile } from '../../sandbox/estate/load';
import { seededRandom } from '../../shared/random';

// The window and the estate are plain YAML documents; their schemas check them where they are loaded.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

export interface SyntheticOptions {
  servers: number;
  seed?: number;
  /** Servers per group (default 25). */
  groupSize?: number;
  /** Changes (pipeline runs) in the changes phase (default servers / 10, at least 3). */
  changes?: number;
  /** The share of a pool that must stay in it (default 0.75). */
  floor?: number;
}

export interface SyntheticEstate {
  windowId: string;
  /** The window document (write it as YAML). */
  window: Doc;
  /** The additions to the default estate's `azure` section: VMs, gateways, load balancers. */
  azure: { virtualMachines: Doc[]; applicationGateways: Doc[]; loadBalancers: Doc[] };
  /** Pool name → its members and floor, as the window says (for checks). */
  pools: Record<string, { members: string[]; minHealthy: number }>;
}

/** The subscription and resource groups of the default estate (sandbox/estate/default.yaml). */
const SUBSCRIPTION = '3f6b2c1e-8a4d-4e2f-9b7c-5d1a0e6f4c28';
const VM_GROUP = 'RG-SYN-PRD';
const NET_GROUP = 'RG-NETWORK-PRD';
/** AUM's maximum duration, left at the default (seed 001). */
const AUM_CAP_MINUTES = 235;
/** The web servers' install times in the default estate (IC-Web1..10: 200-224 minutes). */
const WEB_MINUTES = [200, 206, 212, 218, 224];
/** Other groups: app servers 90 minutes, the rest estimated at 2h to 2h30m (seed 001). */
const OTHER_MINUTES = [90, 105, 120, 135, 150];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The same options and seed always give the same documents. */
export function syntheticEstate(options: SyntheticOptions): SyntheticEstate {
  const { servers } = options;
  if (!Number.isInteger(servers) || servers < 2) throw new RangeError(`servers must be an integer of at least 2, got ${servers}`);
  const random = seededRandom(options.seed ?? 20250622);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const groupSize = options.groupSize ?? 25;
  const floor = options.floor ?? 0.75;
  const changes = options.changes ?? Math.max(3, Math.round(servers / 10));
  const groupCount = Math.ceil(servers / groupSize);
  const windowId = `synthetic-${servers}`;
  const vmId = (name: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${VM_GROUP}/providers/Microsoft.Compute/virtualMachines/${name}`;
  const netId = (kind: string, name: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${NET_GROUP}/providers/Microsoft.Network/${kind}/${name}`;

  // Groups: every fifth is app-like (no pool, shorter patches); the others are web-like and
  // share pools two by two, so the planner and the engine must share capacity between lines.
  const groups = Array.from({ length: groupCount }, (_, g) => {
    const size = Math.min(groupSize, servers - g * groupSize);
    const web = g % 5 !== 4;
    const id = `g${pad(g + 1, 3)}`;
    const members = Array.from({ length: size }, (_, m) => ({ name: `SYN-${pad(g + 1, 3)}-${pad(m + 1, 3)}`, minutes: Math.min(AUM_CAP_MINUTES, pick(web ? WEB_MINUTES : OTHER_MINUTES)) }));
    return { id, g, web, members };
  });
  const webGroups = groups.filter((x) => x.web);
  const poolOf = new Map<string, number>();
  webGroups.forEach((grp, i) => poolOf.set(grp.id, Math.floor(i / 2)));
  const poolCount = Math.ceil(webGroups.length / 2);

  const virtualMachines = groups.flatMap((grp) =>
    grp.members.map((m, i) => ({
      name: m.name,
      resourceGroup: VM_GROUP,
      role: grp.web ? 'web' : 'app',
      privateIp: `10.${100 + Math.floor(grp.g / 200)}.${grp.g % 200}.${i + 10}`,
      patchLevel: '2025-05',
      patch: {
        durationMinutes: m.minutes,
        outcome: 'Succeeded',
        levelAfter: '2025-06',
        pending: [{ kbId: '5060526', name: '2025-06 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5060526)', classifications: ['Security'], rebootRequired: true }],
      },
      services: { W3SVC: 'Running' },
    })),
  );

  const pools: SyntheticEstate['pools'] = {};
  const windowPools: Doc = {};
  const applicationGateways: Doc[] = [];
  const loadBalancers: Doc[] = [];
  for (let p = 0; p < poolCount; p++) {
    const members = webGroups.filter((grp) => poolOf.get(grp.id) === p).flatMap((grp) => grp.members.map((m) => m.name));
    const minHealthy = Math.ceil(members.length * floor);
    const agw = `agw-syn-${pad(p + 1, 3)}`;
    const lb = `lb-syn-${pad(p + 1, 3)}`;
    applicationGateways.push({ name: agw, resourceGroup: NET_GROUP, sku: 'WAF_v2', updateSeconds: 30, conflictMode: '409', backendPools: [{ name: 'bp-web', members }] });
    loadBalancers.push({ name: lb, resourceGroup: NET_GROUP, frontendIp: `10.99.${Math.floor(p / 200)}.${(p % 200) + 10}`, backendPools: [{ name: 'be-web', members }] });
    windowPools[agw] = { kind: 'application-gateway', gateway: netId('applicationGateways', agw), backendPool: 'bp-web', minHealthy };
    windowPools[lb] = { kind: 'load-balancer', loadBalancer: netId('loadBalancers', lb), backendPool: 'be-web', minHealthy };
    pools[agw] = { members, minHealthy };
    pools[lb] = { members, minHealthy };
  }

  const serverGroups: Doc = {};
  for (const grp of groups) {
    const p = poolOf.get(grp.id);
    // Two groups share a pool: each takes at most its share of what the floor leaves out.
    const batchSize = Math.max(1, Math.floor(grp.members.length * (1 - floor)));
    serverGroups[grp.id] = {
      title: `Synthetic ${grp.web ? 'web' : 'app'} group ${grp.g + 1}`,
      members: grp.members.map((m) => ({ name: m.name, vm: vmId(m.name), patchEstimate: `${m.minutes + 10}m` })),
      ...(p === undefined ? {} : { pools: [`agw-syn-${pad(p + 1, 3)}`, `lb-syn-${pad(p + 1, 3)}`], batchSize }),
      patch: { maxDuration: `${AUM_CAP_MINUTES}m` },
    };
  }

  // Changes: each may wait for up to two earlier ones (a dependency graph, not a chain).
  const changeSteps = Array.from({ length: changes }, (_, c) => {
    const after = new Set<string>();
    for (let k = 0; k < 2 && c > 0; k++) if (random() < 0.5) after.add(`change-${pad(1 + Math.floor(random() * c), 4)}`);
    return {
      id: `change-${pad(c + 1, 4)}`,
      kind: 'pipeline',
      title: `Change ${c + 1}`,
      ...(after.size > 0 ? { after: [...after].sort() } : {}),
      pipeline: { name: 'Infrastructure_OneTime_Scripts', branch: 'main', parameters: { script: `SYN-${pad(c + 1, 4)}/Apply.ps1` } },
    };
  });

  const window: Doc = {
    apiVersion: 'mw/v1',
    id: windowId,
    title: `Synthetic window, ${servers} servers`,
    description: `Seeded synthetic estate (bench/synthetic): ${servers} servers in ${groupCount} groups, ${poolCount * 2} pools at a ${Math.round(floor * 100)}% floor, ${changes} changes.`,
    timeZone: 'America/New_York',
    displayZones: ['Asia/Kolkata'],
    date: '2025-06-22',
    devops: { organization: 'invoicecloud', project: 'Platform' },
    notifications: { channels: ['#eng-monthlymaintenance'] },
    pools: windowPools,
    serverGroups,
    phases: [
      { id: 'patching', title: 'Patching', start: 'Sunday 00:00', mode: 'parallel', steps: groups.map((grp) => ({ id: `patch-${grp.id}`, kind: 'patch', title: `Patch group ${grp.g + 1}`, group: grp.id })) },
      { id: 'changes', title: 'Changes', mode: 'parallel', steps: changeSteps },
    ],
  };
  return { windowId, window, azure: { virtualMachines, applicationGateways, loadBalancers }, pools };
}

/** Writes `<dir>/<window-id>.yaml` and `<dir>/estate-<servers>.yaml` (the default estate plus the synthetic servers). */
export function writeSyntheticFiles(dir: string, options: SyntheticOptions): { windowFile: string; estateFile: string; synthetic: SyntheticEstate } {
  const synthetic = syntheticEstate(options);
  const estate = parseYaml(readFileSync(defaultEstateFile(), 'utf8')) as Doc;
  estate.azure.virtualMachines.push(...synthetic.azure.virtualMachines);
  estate.azure.applicationGateways.push(...synthetic.azure.applicationGateways);
  estate.azure.loadBalancers.push(...synthetic.azure.loadBalancers);
  mkdirSync(dir, { recursive: true });
  const windowFile = path.join(dir, `${synthetic.windowId}.yaml`);
  const estateFile = path.join(dir, `estate-${options.servers}.yaml`);
  writeFileSync(windowFile, stringifyYaml(synthetic.window, { aliasDuplicateObjects: false }));
  writeFileSync(estateFile, stringifyYaml(estate, { aliasDuplicateObjects: false }));
  return { windowFile, estateFile, synthetic };
}
