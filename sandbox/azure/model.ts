import { createHash } from 'crypto';
import { z } from 'zod';
import { TrackedMap } from '../core/trackedMap';
import type { ClockSource, PartedState, ServiceContext } from '../core/types';
import { AzureEstateSchema, type AzureEstate } from '../estate/schema';
import { TokenIssuer } from './tokens';

/** A deterministic GUID derived from a string (operation ids, vmIds, etags). */
export function guidOf(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** One finished patch operation, as kept in the VM's history. */
export interface PatchRecord {
  operationId: string;
  kind: 'installPatches' | 'assessPatches';
  startedAt: string;
  endedAt: string;
  /** Result status (Succeeded, Failed, CompletedWithWarnings) or 'OperationFailed' when the LRO itself failed. */
  status: string;
  installed: string[];
  failed: string[];
  rebootStatus: string;
  levelBefore: string;
  levelAfter: string;
}

/** One runCommand, as kept on the VM. */
export interface CommandRecord {
  operationId: string;
  commandId: string;
  at: string;
  exitCode: number;
  effects: string[];
}

/** One managed run command (`virtualMachines/{vm}/runCommands/{name}`): the resource and the run it started. */
export interface ManagedRunCommandState {
  name: string;
  location: string;
  tags?: Record<string, string>;
  /** The validated `properties` of the last PUT. */
  properties: Record<string, unknown>;
  /** The operation running (or that ran) the script. */
  operationId: string;
}

/** Runtime state of one simulated VM. */
export interface VmState {
  name: string;
  resourceGroup: string;
  role: string;
  size: string;
  osType: 'Windows' | 'Linux';
  privateIp: string;
  zone?: string;
  tags: Record<string, string>;
  vmId: string;
  createdAt: string;
  powerState: 'running' | 'stopped' | 'deallocated';
  patchLevel: string;
  patch: AzureEstate['virtualMachines'][number]['patch'];
  history: PatchRecord[];
  services: Record<string, 'Running' | 'Stopped'>;
  /** Start type per service; absent means Automatic. */
  startTypes: Record<string, 'Automatic' | 'Manual' | 'Disabled'>;
  scheduledTasks: Record<string, boolean>;
  /** Load-balancer pool ids (lower-cased) the primary NIC's ipconfig1 names: NIC-based pool membership. */
  nicPools: string[];
  appPools: Record<string, { recycles: number; lastRecycledAt?: string }>;
  commands: CommandRecord[];
  /** Managed run commands by name (lower-cased, as ARM names are case-insensitive). */
  runCommands: Record<string, ManagedRunCommandState>;
  probe: { healthy: boolean; failAfterPatch: boolean };
  /** Operation currently holding the VM (install/assess/runCommand/restart). */
  busyOperationId?: string;
  /** Virtual epoch ms until which the VM is rebooting. */
  rebootingUntil?: number;
  rebootPending: boolean;
  lastAssessment?: { at: string; operationId: string; available: string[] };
}

/** A long-running operation: InProgress until `endsAt` on the (virtual) clock. */
export interface OperationState {
  id: string;
  kind: 'installPatches' | 'assessPatches' | 'runCommand' | 'managedRunCommand' | 'restart' | 'applicationGatewayUpdate';
  provider: 'Microsoft.Compute' | 'Microsoft.Network';
  resourceId: string;
  vm?: string;
  startedAt: number;
  endsAt: number;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** The request body (already validated), needed to compute the result at the end. */
  input?: unknown;
  /** Wire JSON of the result, set when finished. */
  result?: unknown;
  error?: { code: string; message: string };
}

/** Stored state of one Application Gateway: the `properties` as last PUT, plus server-side bookkeeping. */
export interface GatewayState {
  name: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  /** Wire `properties` without server-managed fields (provisioningState etc.). */
  properties: Record<string, unknown>;
  revision: number;
  updatingUntil?: number;
  operationId?: string;
  updateSeconds: number;
  conflictMode: '409' | '429';
  conflictRetryAfterSeconds: number;
  updates: number;
}

/** One address in a load-balancer pool, wire shape. */
export interface LbAddressWire {
  name: string;
  properties: { ipAddress?: string; virtualNetwork?: { id?: string }; subnet?: { id?: string } };
}

export interface LoadBalancerState {
  name: string;
  resourceGroup: string;
  location: string;
  sku: string;
  frontendIp: string;
  /** `nic`: membership lives on the member NICs' IP configurations (VmState.nicPools), not in `addresses`. */
  pools: Record<string, { name: string; revision: number; addresses: LbAddressWire[]; backend?: 'ip' | 'nic' }>;
}

/** Orders operations by a time, then resource and id: requests for different resources may arrive in any order. */
function byTimeThenResource(time: (o: OperationState) => number): (a: OperationState, b: OperationState) => number {
  return (a, b) => time(a) - time(b) || a.resourceId.localeCompare(b.resourceId) || a.id.localeCompare(b.id);
}

/** A VM-specific fault (POST /_sandbox/faults with kind 'vm'). */
export const VmFaultSpec = z
  .object({
    kind: z.literal('vm'),
    vm: z.string().min(1),
    /** 'patchFailure': every installPatches on the VM fails; 'probeFailureAfterPatch': the VM fails its health probe once patched; 'unhealthy': fails it now. */
    fault: z.enum(['patchFailure', 'probeFailureAfterPatch', 'unhealthy']),
    /** For patchFailure: fail the long-running operation itself ('operation') or report status Failed in its result ('result'). */
    mode: z.enum(['operation', 'result']).default('operation'),
  })
  .strict();
export type VmFaultSpec = z.infer<typeof VmFaultSpec>;
export type VmFault = VmFaultSpec & { id: string };

const ISO = (ms: number): string => new Date(ms).toISOString();

/**
 * The simulated Azure estate shared by the ARM, login, Key Vault and probes services: VMs,
 * long-running operations, gateways, load balancers, alert rules and the token issuer.
 * Time-driven transitions happen lazily in {@link AzureModel.advance}, called before every
 * read or write, so state follows whatever clock the sandbox runs on.
 */
export class AzureModel {
  readonly estate: AzureEstate | undefined;
  tokens: TokenIssuer;
  // Tracked: the estate's journal saves only the entities a request reached (sandbox/core/trackedMap.ts).
  vms = new TrackedMap<VmState>();
  operations = new TrackedMap<OperationState>();
  /** Operations that may still be in progress: advance() looks at these, not at every operation ever started. */
  private unfinished = new Set<OperationState>();
  gateways = new TrackedMap<GatewayState>();
  loadBalancers = new TrackedMap<LoadBalancerState>();
  /** Alert processing rules by lower-cased resource id: the wire JSON. */
  alertRules = new Map<string, Record<string, unknown>>();
  vmFaults: VmFault[] = [];
  private faultCounter = 0;

  constructor(
    estateDoc: Readonly<Record<string, unknown>>,
    readonly clock: ClockSource,
    readonly newId: (prefix: string) => string,
    readonly baseUrl: (service: string) => string,
  ) {
    this.estate = estateDoc.azure === undefined ? undefined : AzureEstateSchema.parse(estateDoc.azure);
    // Derived from the estate so tokens cached by clients survive /_sandbox/reset and restarts.
    this.tokens = new TokenIssuer(createHash('sha256').update(`mw-sandbox-tokens:${this.tenantId}:${this.subscriptionId}:${(this.estate?.clients ?? []).map((c) => c.clientId + c.clientSecret).join(',')}`).digest('base64'));
    this.seed(this.estate);
  }

  get subscriptionId(): string {
    return this.estate?.subscriptionId ?? '00000000-0000-0000-0000-000000000000';
  }

  get tenantId(): string {
    return this.estate?.tenantId ?? '00000000-0000-0000-0000-000000000000';
  }

  get location(): string {
    return this.estate?.location ?? 'eastus';
  }

  now(): number {
    return this.clock.now();
  }

  private seed(estate: AzureEstate | undefined): void {
    if (!estate) return;
    const created = ISO(Date.UTC(2024, 0, 15));
    for (const vm of estate.virtualMachines) {
      this.vms.set(vm.name.toLowerCase(), {
        name: vm.name,
        resourceGroup: vm.resourceGroup,
        role: vm.role,
        size: vm.size,
        osType: vm.osType,
        privateIp: vm.privateIp,
        ...(vm.zone ? { zone: vm.zone } : {}),
        tags: vm.tags,
        vmId: guidOf(`vm:${estate.subscriptionId}:${vm.name}`),
        createdAt: created,
        powerState: 'running',
        patchLevel: vm.patchLevel,
        patch: vm.patch,
        history: [],
        services: Object.fromEntries(Object.entries(vm.services).map(([name, v]) => [name, typeof v === 'string' ? v : v.status])),
        startTypes: Object.fromEntries(Object.entries(vm.services).flatMap(([name, v]) => (typeof v === 'string' ? [] : [[name, v.startType]]))),
        scheduledTasks: { ...vm.scheduledTasks },
        appPools: Object.fromEntries(vm.appPools.map((p) => [p, { recycles: 0 }])),
        commands: [],
        runCommands: {},
        nicPools: [],
        probe: { ...vm.probe },
        rebootPending: false,
      });
    }
    for (const g of estate.applicationGateways) {
      this.gateways.set(g.name.toLowerCase(), {
        name: g.name,
        resourceGroup: g.resourceGroup,
        location: estate.location,
        tags: {},
        properties: this.initialGatewayProperties(g.name, g.resourceGroup, g.sku, g.backendPools),
        revision: 1,
        updateSeconds: g.updateSeconds,
        conflictMode: g.conflictMode,
        conflictRetryAfterSeconds: g.conflictRetryAfterSeconds,
        updates: 0,
      });
    }
    for (const lb of estate.loadBalancers) {
      const vnetId = this.vnetId();
      this.loadBalancers.set(lb.name.toLowerCase(), {
        name: lb.name,
        resourceGroup: lb.resourceGroup,
        location: estate.location,
        sku: lb.sku,
        frontendIp: lb.frontendIp,
        pools: Object.fromEntries(
          lb.backendPools.map((p) => [
            p.name.toLowerCase(),
            {
              name: p.name,
              revision: 1,
              backend: p.backend,
              addresses:
                p.backend === 'nic'
                  ? []
                  : p.members.map((m) => {
                      const vm = this.vm(m);
                      return { name: `${vm?.name ?? m}-ip`, properties: { ipAddress: vm?.privateIp ?? '', virtualNetwork: { id: vnetId } } };
                    }),
            },
          ]),
        ),
      });
      for (const p of lb.backendPools) {
        if (p.backend !== 'nic') continue;
        for (const m of p.members) this.vm(m)?.nicPools.push(this.lbPoolKey(lb.resourceGroup, lb.name, p.name));
      }
    }
  }

  /** ARM id of a load balancer's backend pool, lower-cased (how NICs refer to it). */
  lbPoolKey(rg: string, lb: string, pool: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/loadBalancers/${lb}/backendAddressPools/${pool}`.toLowerCase();
  }

  /** ARM id of the estate's virtual network. */
  vnetId(): string {
    const vnet = this.estate?.virtualNetwork;
    return vnet ? `/subscriptions/${this.subscriptionId}/resourceGroups/${vnet.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${vnet.name}` : '';
  }

  gatewayId(rg: string, name: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}`;
  }

  private initialGatewayProperties(name: string, rg: string, sku: string, pools: { name: string; members: string[]; fqdns?: string[] }[]): Record<string, unknown> {
    const id = this.gatewayId(rg, name);
    const vnet = this.estate?.virtualNetwork;
    const subnetId = vnet ? `${this.vnetId()}/subnets/${vnet.subnet}` : '';
    const firstPool = pools[0]?.name ?? 'pool';
    return {
      sku: { name: sku, tier: sku, capacity: 2 },
      gatewayIPConfigurations: [{ name: 'appGatewayIpConfig', id: `${id}/gatewayIPConfigurations/appGatewayIpConfig`, properties: { subnet: { id: subnetId } } }],
      frontendIPConfigurations: [{ name: 'appGwPublicFrontendIp', id: `${id}/frontendIPConfigurations/appGwPublicFrontendIp`, properties: { privateIPAllocationMethod: 'Dynamic' } }],
      frontendPorts: [{ name: 'port_443', id: `${id}/frontendPorts/port_443`, properties: { port: 443 } }],
      backendAddressPools: pools.map((p) => ({
        name: p.name,
        id: `${id}/backendAddressPools/${p.name}`,
        properties: { backendAddresses: [...p.members.map((m) => ({ ipAddress: this.vm(m)?.privateIp ?? m })), ...(p.fqdns ?? []).map((fqdn) => ({ fqdn }))] },
      })),
      backendHttpSettingsCollection: [
        { name: 'https-settings', id: `${id}/backendHttpSettingsCollection/https-settings`, properties: { port: 443, protocol: 'Https', cookieBasedAffinity: 'Disabled', requestTimeout: 30, probe: { id: `${id}/probes/health` } } },
      ],
      httpListeners: [
        { name: 'https-listener', id: `${id}/httpListeners/https-listener`, properties: { frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/appGwPublicFrontendIp` }, frontendPort: { id: `${id}/frontendPorts/port_443` }, protocol: 'Https' } },
      ],
      requestRoutingRules: [
        {
          name: 'web-rule',
          id: `${id}/requestRoutingRules/web-rule`,
          properties: {
            ruleType: 'Basic',
            priority: 100,
            httpListener: { id: `${id}/httpListeners/https-listener` },
            backendAddressPool: { id: `${id}/backendAddressPools/${firstPool}` },
            backendHttpSettings: { id: `${id}/backendHttpSettingsCollection/https-settings` },
          },
        },
      ],
      probes: [{ name: 'health', id: `${id}/probes/health`, properties: { protocol: 'Https', path: '/health', interval: 30, timeout: 30, unhealthyThreshold: 3, pickHostNameFromBackendHttpSettings: true } }],
    };
  }

  vm(name: string): VmState | undefined {
    return this.vms.get(name.toLowerCase());
  }

  /** The VM whose private IP is `ip`, for naming pool members. */
  vmByIp(ip: string): VmState | undefined {
    for (const vm of this.vms.values()) if (vm.privateIp === ip) return vm;
    return undefined;
  }

  /** Whether the VM answers its health probe right now. */
  isHealthy(vm: VmState): boolean {
    this.advance();
    if (vm.powerState !== 'running' || !vm.probe.healthy) return false;
    if (vm.rebootingUntil !== undefined && vm.rebootingUntil > this.now()) return false;
    const busy = vm.busyOperationId ? this.operations.get(vm.busyOperationId) : undefined;
    return !(busy && busy.status === 'InProgress' && (busy.kind === 'installPatches' || busy.kind === 'restart'));
  }

  /** Operations in a fixed order: by start, then resource and id (never by when requests arrived). */
  operationList(): OperationState[] {
    return [...this.operations.values()].sort(byTimeThenResource((o) => o.startedAt));
  }

  /** Starts a long-running operation ending `durationMs` from now. */
  startOperation(op: Omit<OperationState, 'id' | 'startedAt' | 'endsAt' | 'status'>, durationMs: number): OperationState {
    const now = this.now();
    // Counted per resource, so an id depends on what was done to that resource, not on the order
    // requests for different resources arrived in (the host may run those together).
    const id = guidOf(`op:${this.newId(`operation:${op.resourceId.toLowerCase()}`)}:${this.subscriptionId}`);
    const state: OperationState = { ...op, id, startedAt: now, endsAt: now + Math.max(0, Math.round(durationMs)), status: 'InProgress' };
    this.operations.set(id, state);
    this.unfinished.add(state);
    if (op.vm) {
      const vm = this.vm(op.vm);
      if (vm) vm.busyOperationId = id;
    }
    return state;
  }

  /** Finishers per operation kind, installed by the services that own them. */
  readonly finishers = new Map<OperationState['kind'], (op: OperationState) => void>();

  /** Applies every transition due at the current (virtual) time, in time order. */
  advance(): void {
    const now = this.now();
    for (const o of this.unfinished) if (o.status !== 'InProgress' || this.operations.peek(o.id) !== o) this.unfinished.delete(o);
    const due = [...this.unfinished].filter((o) => o.endsAt <= now).sort(byTimeThenResource((o) => o.endsAt));
    for (const op of due) {
      const finish = this.finishers.get(op.kind);
      op.status = 'Succeeded';
      this.operations.touch(op.id);
      if (finish) finish(op);
      if (op.vm) {
        const vm = this.vm(op.vm);
        if (vm && vm.busyOperationId === op.id) delete vm.busyOperationId;
      }
    }
    expire(this.updating, this.gateways, now, (g) => g.updatingUntil, (g) => delete g.updatingUntil);
    expire(this.rebooting, this.vms, now, (vm) => vm.rebootingUntil, (vm) => delete vm.rebootingUntil);
  }

  /** Marks a VM rebooting until `until`; advance() clears it then (without a walk over every VM). */
  rebootUntil(vm: VmState, until: number): void {
    vm.rebootingUntil = until;
    this.rebooting.add(vm.name.toLowerCase());
  }

  /** Marks a gateway updating until `until`; advance() clears it then. */
  updateUntil(g: GatewayState, until: number): void {
    g.updatingUntil = until;
    this.updating.add(g.name.toLowerCase());
  }

  /** Keys of VMs rebooting and gateways updating: all advance() has to look at besides operations. */
  private readonly rebooting = new Set<string>();
  private readonly updating = new Set<string>();

  /** Applies a VM fault; throws ZodError on bad input (the control API turns it into a 400). */
  addVmFault(raw: unknown): VmFault {
    const spec = VmFaultSpec.parse(raw);
    const vm = this.vm(spec.vm);
    if (!vm) {
      throw new z.ZodError([{ code: 'custom', path: ['vm'], message: `unknown VM '${spec.vm}'`, input: spec.vm }]);
    }
    const fault = { ...spec, vm: vm.name, id: `vmfault-${++this.faultCounter}` };
    if (spec.fault === 'unhealthy') vm.probe.healthy = false;
    if (spec.fault === 'probeFailureAfterPatch') vm.probe.failAfterPatch = true;
    this.vmFaults.push(fault);
    return fault;
  }

  removeVmFault(id: string): boolean {
    const fault = this.vmFaults.find((f) => f.id === id);
    if (!fault) return false;
    this.vmFaults = this.vmFaults.filter((f) => f.id !== id);
    const vm = this.vm(fault.vm);
    if (vm && fault.fault === 'unhealthy') vm.probe.healthy = true;
    if (vm && fault.fault === 'probeFailureAfterPatch') vm.probe.failAfterPatch = false;
    return true;
  }

  clearVmFaults(): void {
    for (const f of [...this.vmFaults]) this.removeVmFault(f.id);
  }

  patchFailureFor(vmName: string): VmFault | undefined {
    return this.vmFaults.find((f) => f.fault === 'patchFailure' && f.vm.toLowerCase() === vmName.toLowerCase());
  }

  /**
   * The state in parts for the estate's journal: one per VM, operation, gateway and load balancer,
   * and one for the rest. A finished operation never changes again, so its text is kept.
   */
  readonly parts: PartedState = {
    all: () => {
      const out = new Map<string, string>();
      for (const [key, vm] of this.vms) out.set(`vm/${key}`, JSON.stringify(vm));
      for (const [id, op] of this.operations) out.set(`op/${id}`, this.operationText(op));
      for (const [key, g] of this.gateways) out.set(`gw/${key}`, JSON.stringify(g));
      for (const [key, lb] of this.loadBalancers) out.set(`lb/${key}`, JSON.stringify(lb));
      out.set('rest', this.restText());
      return out;
    },
    changed: () => {
      const out = new Map<string, string | null>();
      const from = <V>(prefix: string, map: TrackedMap<V>, text: (v: V) => string): void => {
        for (const key of map.drain()) {
          const v = map.peek(key);
          out.set(`${prefix}/${key}`, v === undefined ? null : text(v));
        }
      };
      from('vm', this.vms, (v) => JSON.stringify(v));
      from('op', this.operations, (o) => this.operationText(o));
      from('gw', this.gateways, (g) => JSON.stringify(g));
      from('lb', this.loadBalancers, (l) => JSON.stringify(l));
      out.set('rest', this.restText());
      return out;
    },
    load: (parts) => {
      this.vms.clear();
      this.operations.clear();
      this.gateways.clear();
      this.loadBalancers.clear();
      this.unfinished.clear();
      this.rebooting.clear();
      this.updating.clear();
      for (const [key, value] of parts) this.parts.loadPart(key, value);
    },
    loadPart: (key, value) => {
      const slash = key.indexOf('/');
      const kind = slash < 0 ? key : key.slice(0, slash);
      const id = key.slice(slash + 1);
      if (kind === 'rest') {
        const rest = value as { alertRules: [string, Record<string, unknown>][]; vmFaults: VmFault[]; faultCounter: number };
        this.alertRules = new Map(rest.alertRules);
        this.vmFaults = rest.vmFaults;
        this.faultCounter = rest.faultCounter;
        return;
      }
      const map = { vm: this.vms, op: this.operations, gw: this.gateways, lb: this.loadBalancers }[kind] as TrackedMap<unknown> | undefined;
      if (!map) throw new RangeError(`unknown part '${key}'`);
      if (value === null) map.delete(id);
      else map.set(id, value);
      if (kind === 'vm' && (value as VmState | null)?.rebootingUntil !== undefined) this.rebooting.add(id);
      if (kind === 'gw' && (value as GatewayState | null)?.updatingUntil !== undefined) this.updating.add(id);
      if (kind === 'op') {
        const op = value as OperationState | null;
        for (const o of this.unfinished) if (o.id === id) this.unfinished.delete(o);
        if (op && op.status === 'InProgress') this.unfinished.add(op);
      }
    },
  };

  private readonly finishedText = new WeakMap<OperationState, string>();

  private operationText(o: OperationState): string {
    if (o.status === 'InProgress') return JSON.stringify(o);
    let text = this.finishedText.get(o);
    if (text === undefined) this.finishedText.set(o, (text = JSON.stringify(o)));
    return text;
  }

  private restText(): string {
    return JSON.stringify({ alertRules: [...this.alertRules.entries()], vmFaults: this.vmFaults, faultCounter: this.faultCounter });
  }
}

/** Clears, and reports as changed, each entity in `keys` whose time (`until`) has come; keeps the rest in `keys`. */
function expire<V>(keys: Set<string>, map: TrackedMap<V>, now: number, until: (v: V) => number | undefined, clear: (v: V) => void): void {
  for (const key of keys) {
    const v = map.peek(key);
    if (v && (until(v) ?? now) > now) continue;
    if (v) clear(v);
    map.touch(key);
    keys.delete(key);
  }
}

/** The parts of a whole ARM state as state.json held it before parts (a folder saved by an older version). */
export function partsOfWholeState(saved: unknown): Map<string, unknown> {
  const s = saved as { vms: VmState[]; operations: OperationState[]; gateways: GatewayState[]; loadBalancers: LoadBalancerState[]; alertRules: [string, Record<string, unknown>][]; vmFaults: VmFault[]; faultCounter: number };
  return new Map<string, unknown>([
    ...s.vms.map((v): [string, unknown] => [`vm/${v.name.toLowerCase()}`, { ...v, startTypes: v.startTypes ?? {}, nicPools: v.nicPools ?? [] }]),
    ...s.operations.map((o): [string, unknown] => [`op/${o.id}`, o]),
    ...s.gateways.map((g): [string, unknown] => [`gw/${g.name.toLowerCase()}`, g]),
    ...s.loadBalancers.map((l): [string, unknown] => [`lb/${l.name.toLowerCase()}`, l]),
    ['rest', { alertRules: s.alertRules, vmFaults: s.vmFaults, faultCounter: s.faultCounter }],
  ]);
}

const models = new WeakMap<ServiceContext, AzureModel>();

/** The one AzureModel per sandbox build: every Azure service built from `ctx` shares it. */
export function azureModelFor(ctx: ServiceContext): AzureModel {
  let model = models.get(ctx);
  if (!model) {
    model = new AzureModel(ctx.estate, ctx.clock, ctx.newId, ctx.baseUrl);
    models.set(ctx, model);
  }
  return model;
}

export { ISO as isoOf };
