import { createHash } from 'crypto';
import { z } from 'zod';
import type { ClockSource, ServiceContext } from '../core/types';
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
  vms = new Map<string, VmState>();
  operations = new Map<string, OperationState>();
  /** Operations that may still be in progress: advance() looks at these, not at every operation ever started. */
  private unfinished = new Set<OperationState>();
  gateways = new Map<string, GatewayState>();
  loadBalancers = new Map<string, LoadBalancerState>();
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
    for (const o of this.unfinished) if (o.status !== 'InProgress' || this.operations.get(o.id) !== o) this.unfinished.delete(o);
    const due = [...this.unfinished].filter((o) => o.endsAt <= now).sort(byTimeThenResource((o) => o.endsAt));
    for (const op of due) {
      const finish = this.finishers.get(op.kind);
      op.status = 'Succeeded';
      if (finish) finish(op);
      if (op.vm) {
        const vm = this.vm(op.vm);
        if (vm && vm.busyOperationId === op.id) delete vm.busyOperationId;
      }
    }
    for (const g of this.gateways.values()) {
      if (g.updatingUntil !== undefined && g.updatingUntil <= now) delete g.updatingUntil;
    }
    for (const vm of this.vms.values()) {
      if (vm.rebootingUntil !== undefined && vm.rebootingUntil <= now) delete vm.rebootingUntil;
    }
  }

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

  /** Full state for persistence. */
  save(): unknown {
    return this.saved(this.operationList());
  }

  /**
   * save() as JSON text, reusing the text of finished operations: they never change again, and
   * they are half the state of a large estate, which is saved before every write is answered.
   */
  saveJson(): string {
    const ops = this.operationList().map((o) => {
      if (o.status === 'InProgress') return JSON.stringify(o);
      let text = this.finishedText.get(o);
      if (text === undefined) this.finishedText.set(o, (text = JSON.stringify(o)));
      return text;
    });
    const parts = Object.entries(this.saved([]))
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${k === 'operations' ? `[${ops.join(',')}]` : JSON.stringify(v)}`);
    return `{${parts.join(',')}}`;
  }

  private readonly finishedText = new WeakMap<OperationState, string>();

  private saved(operations: OperationState[]): Record<string, unknown> {
    return {
      vms: [...this.vms.values()],
      operations,
      gateways: [...this.gateways.values()],
      loadBalancers: [...this.loadBalancers.values()],
      alertRules: [...this.alertRules.entries()],
      vmFaults: this.vmFaults,
      faultCounter: this.faultCounter,
    };
  }

  /** Restores what {@link save} wrote (same sandbox version; trusted local file). */
  load(saved: unknown): void {
    const s = saved as {
      vms: VmState[];
      operations: OperationState[];
      gateways: GatewayState[];
      loadBalancers: LoadBalancerState[];
      alertRules: [string, Record<string, unknown>][];
      vmFaults: VmFault[];
      faultCounter: number;
    };
    this.vms = new Map(s.vms.map((v) => [v.name.toLowerCase(), { ...v, startTypes: v.startTypes ?? {}, nicPools: v.nicPools ?? [] }]));
    this.operations = new Map(s.operations.map((o) => [o.id, o]));
    this.unfinished = new Set(s.operations.filter((o) => o.status === 'InProgress'));
    this.gateways = new Map(s.gateways.map((g) => [g.name.toLowerCase(), g]));
    this.loadBalancers = new Map(s.loadBalancers.map((l) => [l.name.toLowerCase(), l]));
    this.alertRules = new Map(s.alertRules);
    this.vmFaults = s.vmFaults;
    this.faultCounter = s.faultCounter;
  }
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
