import type {
  ApplicationGatewayBackendAddress,
  ApplicationGatewayBackendAddressPool,
  ApplicationGatewayBackendHealth,
  ApplicationGatewayBackendHealthServer,
  BackendAddressPool,
  LoadBalancer,
  LoadBalancerBackendAddress,
  NetworkInterface,
  NetworkInterfaceIPConfiguration,
} from '@azure/arm-network';
import { z } from 'zod';
import type { Router, SandboxResponse } from '../core/types';
import { armRoute, armUrl, type ArmRequest } from './armhttp';
import { ArmErrors, armError } from './errors';
import { guidOf, type AzureModel, type GatewayState, type LoadBalancerState, type VmState } from './model';
import type { ArmList, ArmWire, Jsonify } from './wire';

/** A gateway backend pool on the wire, checked against @azure/arm-network's model. */
type AgwPoolWire = ArmWire<ApplicationGatewayBackendAddressPool, 'id' | 'name' | 'etag' | 'type'>;
/** A gateway on the wire: the pools are typed; the rest of `properties` is stored as last PUT. */
export interface ApplicationGatewayWire {
  id: string;
  name: string;
  type: string;
  location: string;
  etag: string;
  tags: Record<string, string>;
  properties: Record<string, unknown> & { provisioningState: string; operationalState: string; resourceGuid: string; backendAddressPools: AgwPoolWire[] };
}
type LbAddressWire = ArmWire<LoadBalancerBackendAddress, 'name'>;
type LbPoolWire = Omit<ArmWire<BackendAddressPool, 'id' | 'name' | 'etag' | 'type'>, 'properties'> & {
  properties: Omit<NonNullable<ArmWire<BackendAddressPool, 'id' | 'name' | 'etag' | 'type'>['properties']>, 'loadBalancerBackendAddresses'> & { loadBalancerBackendAddresses: LbAddressWire[] };
};
type LoadBalancerWire = Omit<ArmWire<LoadBalancer, 'id' | 'name' | 'etag' | 'type' | 'location' | 'tags'>, 'properties'> & {
  properties: { provisioningState: string; resourceGuid: string; frontendIPConfigurations: unknown[]; backendAddressPools: LbPoolWire[] };
  sku: Jsonify<NonNullable<LoadBalancer['sku']>>;
};
type NicIpConfigWire = ArmWire<NetworkInterfaceIPConfiguration, 'id' | 'name' | 'etag' | 'type'>;
/** A VM's NIC on the wire: the app reads the primary IP configuration's private address. */
type NetworkInterfaceWire = Omit<ArmWire<NetworkInterface, 'id' | 'name' | 'etag' | 'type' | 'location' | 'tags'>, 'properties'> & {
  properties: Omit<NonNullable<ArmWire<NetworkInterface, 'id' | 'name' | 'etag' | 'type' | 'location' | 'tags'>['properties']>, 'ipConfigurations'> & { ipConfigurations: NicIpConfigWire[] };
};
type BackendHealthWire = Jsonify<Omit<ApplicationGatewayBackendHealth, 'backendAddressPools'>> & {
  backendAddressPools: { backendAddressPool: { id: string }; backendHttpSettingsCollection: { backendHttpSettings: { id: string }; servers: Jsonify<Pick<ApplicationGatewayBackendHealthServer, 'address' | 'health' | 'healthProbeLog'>>[] }[] }[];
};

const AGW = '/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.Network/applicationGateways/:name';
const LB = '/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.Network/loadBalancers/:lb';
const NIC = '/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.Network/networkInterfaces/:nic';
/** Each VM has one NIC, `<vm>-nic` in the VM's resource group (the id compute's networkProfile names). */
const NIC_SUFFIX = '-nic';

const BackendAddress = z.object({ ipAddress: z.string().optional(), fqdn: z.string().optional() }).refine((a) => a.ipAddress !== undefined || a.fqdn !== undefined, 'needs ipAddress or fqdn');
const GatewayPutBody = z.object({
  location: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z
    .object({
      backendAddressPools: z.array(
        z.object({ name: z.string().min(1), id: z.string().optional(), properties: z.object({ backendAddresses: z.array(BackendAddress).optional() }).passthrough().optional() }).passthrough(),
      ),
    })
    .passthrough(),
});

const LbPoolPutBody = z.object({
  properties: z
    .object({
      loadBalancerBackendAddresses: z
        .array(
          z.object({
            name: z.string().min(1),
            properties: z.object({ ipAddress: z.string().optional(), virtualNetwork: z.object({ id: z.string().optional() }).optional(), subnet: z.object({ id: z.string().optional() }).optional() }).passthrough().optional(),
          }),
        )
        .default([]),
    })
    .passthrough()
    .default({ loadBalancerBackendAddresses: [] }),
});

/** Server-managed fields a PUT may echo back but never sets. */
const SERVER_FIELDS = ['provisioningState', 'resourceGuid', 'operationalState'];

function badBody(error: z.ZodError): SandboxResponse {
  const issue = error.issues[0];
  const field = issue ? issue.path.join('.') : '';
  return ArmErrors.invalidRequestFormat(`Cannot parse the request: '${field}' ${issue?.message ?? 'is invalid'}.`);
}

function etagOf(seed: string): string {
  return `W/"${guidOf(seed)}"`;
}

/** Gateway resource as GET/PUT return it. */
export function gatewayWire(model: AzureModel, g: GatewayState): ApplicationGatewayWire {
  const id = model.gatewayId(g.resourceGroup, g.name);
  const updating = g.updatingUntil !== undefined && g.updatingUntil > model.now();
  const etag = etagOf(`${id}:${g.revision}`);
  const rawPools = (g.properties.backendAddressPools as { name: string; properties?: { backendAddresses?: Jsonify<ApplicationGatewayBackendAddress>[] } }[] | undefined) ?? [];
  const pools: AgwPoolWire[] = rawPools.map((p) => ({
    id: `${id}/backendAddressPools/${p.name}`,
    name: p.name,
    etag,
    type: 'Microsoft.Network/applicationGateways/backendAddressPools',
    properties: { provisioningState: updating ? 'Updating' : 'Succeeded', backendAddresses: p.properties?.backendAddresses ?? [] },
  }));
  return {
    id,
    name: g.name,
    type: 'Microsoft.Network/applicationGateways',
    location: g.location,
    etag,
    tags: g.tags,
    properties: {
      ...g.properties,
      provisioningState: updating ? 'Updating' : 'Succeeded',
      operationalState: 'Running',
      resourceGuid: guidOf(`agw:${id}`),
      backendAddressPools: pools,
    },
  };
}

function lbId(model: AzureModel, lb: LoadBalancerState): string {
  return `/subscriptions/${model.subscriptionId}/resourceGroups/${lb.resourceGroup}/providers/Microsoft.Network/loadBalancers/${lb.name}`;
}

function nicId(model: AzureModel, vm: VmState): string {
  return `/subscriptions/${model.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${vm.name}${NIC_SUFFIX}`;
}

/** VMs whose NIC names the pool: a NIC-based pool's members. */
function nicMembers(model: AzureModel, lb: LoadBalancerState, pool: LoadBalancerState['pools'][string]): VmState[] {
  const key = model.lbPoolKey(lb.resourceGroup, lb.name, pool.name);
  return [...model.vms.values()].filter((vm) => vm.nicPools.includes(key));
}

function lbPoolWire(model: AzureModel, lb: LoadBalancerState, pool: LoadBalancerState['pools'][string]): LbPoolWire {
  const id = `${lbId(model, lb)}/backendAddressPools/${pool.name}`;
  if (pool.backend === 'nic') {
    // NIC-based: the pool lists the NICs' IP configurations; changes go through the NICs.
    const configs = nicMembers(model, lb, pool).map((vm) => `${nicId(model, vm)}/ipConfigurations/ipconfig1`);
    return {
      id,
      name: pool.name,
      etag: etagOf(`${id}:${pool.revision}:${configs.join(',')}`),
      type: 'Microsoft.Network/loadBalancers/backendAddressPools',
      properties: {
        provisioningState: 'Succeeded',
        backendIPConfigurations: configs.map((c) => ({ id: c })),
        loadBalancerBackendAddresses: configs.map((c) => ({ name: c.split('/').slice(-3).join('_'), properties: { networkInterfaceIPConfiguration: { id: c } } })),
      },
    };
  }
  return {
    id,
    name: pool.name,
    etag: etagOf(`${id}:${pool.revision}`),
    type: 'Microsoft.Network/loadBalancers/backendAddressPools',
    properties: { provisioningState: 'Succeeded', loadBalancerBackendAddresses: pool.addresses.map((a) => ({ name: a.name, properties: { ...a.properties } })) },
  };
}

function lbWire(model: AzureModel, lb: LoadBalancerState): LoadBalancerWire {
  const id = lbId(model, lb);
  const vnet = model.estate?.virtualNetwork;
  return {
    id,
    name: lb.name,
    type: 'Microsoft.Network/loadBalancers',
    location: lb.location,
    etag: etagOf(`${id}:${Object.values(lb.pools).reduce((n, p) => n + p.revision, 0)}`),
    tags: {},
    sku: { name: lb.sku === 'Basic' ? 'Basic' : 'Standard', tier: 'Regional' },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guidOf(`lb:${id}`),
      frontendIPConfigurations: [
        {
          id: `${id}/frontendIPConfigurations/LoadBalancerFrontEnd`,
          name: 'LoadBalancerFrontEnd',
          properties: { privateIPAddress: lb.frontendIp, privateIPAllocationMethod: 'Static', subnet: { id: vnet ? `${model.vnetId()}/subnets/${vnet.subnet}` : '' } },
        },
      ],
      backendAddressPools: Object.values(lb.pools).map((p) => lbPoolWire(model, lb, p)),
    },
  };
}

/** The NIC of `vm` as GET returns it: one primary, static IP configuration in the estate's subnet. */
function nicWire(model: AzureModel, vm: VmState): NetworkInterfaceWire {
  const id = nicId(model, vm);
  const vnet = model.estate?.virtualNetwork;
  const etag = etagOf(`${id}:${vm.nicPools.join(',')}`);
  const pools = vm.nicPools.map((key) => lbPoolIdOf(model, key));
  return {
    id,
    name: `${vm.name}${NIC_SUFFIX}`,
    type: 'Microsoft.Network/networkInterfaces',
    location: model.location,
    etag,
    tags: {},
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guidOf(`nic:${id}`),
      primary: true,
      virtualMachine: { id: `/subscriptions/${model.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}` },
      ipConfigurations: [
        {
          id: `${id}/ipConfigurations/ipconfig1`,
          name: 'ipconfig1',
          etag,
          type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
          properties: {
            provisioningState: 'Succeeded',
            privateIPAddress: vm.privateIp,
            privateIPAllocationMethod: 'Static',
            privateIPAddressVersion: 'IPv4',
            primary: true,
            ...(vnet ? { subnet: { id: `${model.vnetId()}/subnets/${vnet.subnet}` } } : {}),
            ...(pools.length > 0 ? { loadBalancerBackendAddressPools: pools.map((p) => ({ id: p })) } : {}),
          },
        },
      ],
    },
  };
}

/** A pool key (lower-cased id) in the load balancer's own spelling, as ARM echoes references. */
function lbPoolIdOf(model: AzureModel, key: string): string {
  for (const lb of model.loadBalancers.values()) {
    for (const pool of Object.values(lb.pools)) if (model.lbPoolKey(lb.resourceGroup, lb.name, pool.name) === key) return `${lbId(model, lb)}/backendAddressPools/${pool.name}`;
  }
  return key;
}

const NicPutBody = z.object({
  location: z.string().optional(),
  properties: z
    .object({
      ipConfigurations: z
        .array(
          z.object({
            name: z.string().min(1),
            properties: z.object({ loadBalancerBackendAddressPools: z.array(z.object({ id: z.string().min(1) })).optional() }).passthrough().optional(),
          }).passthrough(),
        )
        .min(1),
    })
    .passthrough(),
});

/** Registers the Microsoft.Network routes the app uses: NICs, gateways, backend health, load balancers. */
export function registerNetwork(router: Router, model: AzureModel): void {
  const findNicVm = (req: ArmRequest): VmState | SandboxResponse => {
    const name = req.params.nic ?? '';
    const rg = req.params.rg ?? '';
    const vm = name.toLowerCase().endsWith(NIC_SUFFIX) ? model.vm(name.slice(0, -NIC_SUFFIX.length)) : undefined;
    if (!vm || vm.resourceGroup.toLowerCase() !== rg.toLowerCase()) return ArmErrors.resourceNotFound('Microsoft.Network/networkInterfaces', name, rg);
    return vm;
  };
  const isVm = (x: VmState | SandboxResponse): x is VmState => 'nicPools' in x;

  armRoute(router, model, 'GET', NIC, (req) => {
    const vm = findNicVm(req);
    return isVm(vm) ? { status: 200, body: nicWire(model, vm) } : vm;
  });
  armRoute(router, model, 'GET', '/subscriptions/:sub/providers/Microsoft.Network/networkInterfaces', () => {
    const body: ArmList<NetworkInterfaceWire> = { value: [...model.vms.values()].map((vm) => nicWire(model, vm)) };
    return { status: 200, body };
  });
  // A whole-NIC PUT: the sandbox applies what it models, each IP configuration's backend pools.
  armRoute(router, model, 'PUT', NIC, (req) => {
    const vm = findNicVm(req);
    if (!isVm(vm)) return vm;
    const body = NicPutBody.safeParse(req.body);
    if (!body.success) return badBody(body.error);
    const config = body.data.properties.ipConfigurations.find((c) => c.name.toLowerCase() === 'ipconfig1');
    if (!config) return ArmErrors.invalidRequestFormat(`Cannot parse the request: the IP configuration ipconfig1 of ${vm.name}${NIC_SUFFIX} is missing.`);
    const keys: string[] = [];
    for (const ref of config.properties?.loadBalancerBackendAddressPools ?? []) {
      const key = ref.id.toLowerCase();
      const known = [...model.loadBalancers.values()].some((lb) => Object.values(lb.pools).some((p) => p.backend === 'nic' && model.lbPoolKey(lb.resourceGroup, lb.name, p.name) === key));
      if (!known) return armError(400, 'InvalidResourceReference', `Resource ${ref.id} referenced by resource ${nicId(model, vm)} was not found.`);
      if (!keys.includes(key)) keys.push(key);
    }
    vm.nicPools = keys;
    return { status: 200, body: nicWire(model, vm) };
  });

  const findGateway = (req: ArmRequest): GatewayState | SandboxResponse => {
    const g = model.gateways.get((req.params.name ?? '').toLowerCase());
    if (!g || g.resourceGroup.toLowerCase() !== (req.params.rg ?? '').toLowerCase()) return ArmErrors.resourceNotFound('Microsoft.Network/applicationGateways', req.params.name ?? '', req.params.rg ?? '');
    return g;
  };
  const isGateway = (x: GatewayState | SandboxResponse): x is GatewayState => 'conflictMode' in x;

  armRoute(router, model, 'GET', AGW, (req) => {
    const g = findGateway(req);
    return isGateway(g) ? { status: 200, body: gatewayWire(model, g) } : g;
  });

  armRoute(router, model, 'PUT', AGW, (req) => {
    const g = findGateway(req);
    if (!isGateway(g)) return g;
    const body = GatewayPutBody.safeParse(req.body);
    if (!body.success) return badBody(body.error);
    const id = model.gatewayId(g.resourceGroup, g.name);
    if (g.updatingUntil !== undefined && g.updatingUntil > model.now()) {
      const inFlight = armUrl(model, `/subscriptions/${model.subscriptionId}/providers/Microsoft.Network/locations/${model.location}/operations/${g.operationId ?? ''}`, { 'api-version': req.apiVersion });
      return g.conflictMode === '429' ? ArmErrors.retryableAnotherOperation(id, g.conflictRetryAfterSeconds) : ArmErrors.anotherOperationInProgress(id, inFlight);
    }
    const props: Record<string, unknown> = { ...body.data.properties };
    for (const f of SERVER_FIELDS) delete props[f];
    props.backendAddressPools = body.data.properties.backendAddressPools.map((p) => ({ name: p.name, properties: { backendAddresses: p.properties?.backendAddresses ?? [] } }));
    g.properties = props;
    if (body.data.tags) g.tags = body.data.tags;
    g.revision++;
    g.updates++;
    const op = model.startOperation({ kind: 'applicationGatewayUpdate', provider: 'Microsoft.Network', resourceId: id }, g.updateSeconds * 1000);
    model.updateUntil(g, op.endsAt);
    g.operationId = op.id;
    const asyncUrl = armUrl(model, `/subscriptions/${model.subscriptionId}/providers/Microsoft.Network/locations/${model.location}/operations/${op.id}`, { 'api-version': req.apiVersion });
    // Network answers a PUT with the resource (Updating) and an Azure-AsyncOperation to poll.
    return { status: 200, headers: { 'Azure-AsyncOperation': asyncUrl }, body: gatewayWire(model, g) };
  });

  armRoute(router, model, 'POST', `${AGW}/backendhealth`, (req) => {
    const g = findGateway(req);
    if (!isGateway(g)) return g;
    const wire = gatewayWire(model, g);
    const settingsId = `${wire.id}/backendHttpSettingsCollection/${((g.properties.backendHttpSettingsCollection as { name?: string }[] | undefined)?.[0]?.name ?? 'https-settings')}`;
    const body: BackendHealthWire = {
      backendAddressPools: wire.properties.backendAddressPools.map((pool) => ({
        backendAddressPool: { id: pool.id ?? '' },
        backendHttpSettingsCollection: [
          {
            backendHttpSettings: { id: settingsId },
            servers: (pool.properties?.backendAddresses ?? []).map((a) => {
              const vm = a.ipAddress ? model.vmByIp(a.ipAddress) : undefined;
              const healthy = vm ? model.isHealthy(vm) : false;
              return {
                address: a.ipAddress ?? a.fqdn ?? '',
                health: vm ? (healthy ? 'Healthy' : 'Unhealthy') : 'Unknown',
                healthProbeLog: healthy ? 'Success. Received 200 status code' : vm ? 'Received invalid status code: 503 in the backend server’s HTTP response.' : 'Backend server is not known to the sandbox.',
              };
            }),
          },
        ],
      })),
    };
    return { status: 200, body };
  });

  const findLb = (req: ArmRequest): LoadBalancerState | SandboxResponse => {
    const lb = model.loadBalancers.get((req.params.lb ?? '').toLowerCase());
    if (!lb || lb.resourceGroup.toLowerCase() !== (req.params.rg ?? '').toLowerCase()) return ArmErrors.resourceNotFound('Microsoft.Network/loadBalancers', req.params.lb ?? '', req.params.rg ?? '');
    return lb;
  };
  const isLb = (x: LoadBalancerState | SandboxResponse): x is LoadBalancerState => 'frontendIp' in x;

  armRoute(router, model, 'GET', LB, (req) => {
    const lb = findLb(req);
    return isLb(lb) ? { status: 200, body: lbWire(model, lb) } : lb;
  });
  armRoute(router, model, 'GET', `${LB}/backendAddressPools`, (req) => {
    const lb = findLb(req);
    if (!isLb(lb)) return lb;
    const body: ArmList<LbPoolWire> = { value: Object.values(lb.pools).map((p) => lbPoolWire(model, lb, p)) };
    return { status: 200, body };
  });
  armRoute(router, model, 'GET', `${LB}/backendAddressPools/:pool`, (req) => {
    const lb = findLb(req);
    if (!isLb(lb)) return lb;
    const pool = lb.pools[(req.params.pool ?? '').toLowerCase()];
    if (!pool) return ArmErrors.notFound(`Resource ${lbId(model, lb)}/backendAddressPools/${req.params.pool ?? ''} not found.`);
    return { status: 200, body: lbPoolWire(model, lb, pool) };
  });
  armRoute(router, model, 'PUT', `${LB}/backendAddressPools/:pool`, (req) => {
    const lb = findLb(req);
    if (!isLb(lb)) return lb;
    const body = LbPoolPutBody.safeParse(req.body ?? {});
    if (!body.success) return badBody(body.error);
    const key = (req.params.pool ?? '').toLowerCase();
    const existing = lb.pools[key];
    const addresses = body.data.properties.loadBalancerBackendAddresses.map((a) => ({
      name: a.name,
      properties: {
        ...(a.properties?.ipAddress !== undefined ? { ipAddress: a.properties.ipAddress } : {}),
        ...(a.properties?.virtualNetwork ? { virtualNetwork: a.properties.virtualNetwork } : {}),
        ...(a.properties?.subnet ? { subnet: a.properties.subnet } : {}),
      },
    }));
    const pool = { name: existing?.name ?? req.params.pool ?? '', revision: (existing?.revision ?? 0) + 1, addresses };
    lb.pools[key] = pool;
    return { status: existing ? 200 : 201, body: lbPoolWire(model, lb, pool) };
  });
}
