import type { ApplicationGateway, ApplicationGatewayBackendAddress, BackendAddressPool, LoadBalancerBackendAddress, NetworkInterface, NetworkManagementClient } from '@azure/arm-network';
import { z } from 'zod';
import type { OperationProgress } from '../../ports/operations';
import type { PoolClient, PoolMember, PoolRef } from '../../ports/pools';
import { createNetworkClient, type AzureClientOptions } from './client';
import { callAzure, isHttpError, toAzurePortError } from './errors';
import { parseResourceId, PerSubscription, type ResourceIdParts } from './ids';
import { packToken, readToken } from './resumeToken';

/** Options for {@link AzurePoolClient}. */
export interface AzurePoolClientOptions extends AzureClientOptions {
  /** Resource Manager endpoint; default https://management.azure.com (the sandbox's ARM listener locally). */
  endpoint?: string;
  /** Prefix of the names given to load-balancer addresses this client adds (default 'mw-'). */
  addressNamePrefix?: string;
}

/**
 * The resume token of a pool write. `state` is the SDK poller's serialized state while the PUT
 * is still running; a write that finished in its first response carries none (the result would
 * be the whole gateway, too big for orchestration history), and the check reads the pool instead.
 */
const PoolToken = z.object({
  v: z.literal(1),
  kind: z.enum(['application-gateway', 'load-balancer']),
  resourceId: z.string().min(1),
  backendPool: z.string().min(1),
  state: z.string().min(1).optional(),
  /** NIC-based load-balancer pools: one NIC PUT per member changed, each still running. */
  nics: z.array(z.object({ id: z.string().min(1), state: z.string().min(1) })).optional(),
});
type PoolToken = z.infer<typeof PoolToken>;

/** What the classic (arm-network 36) pollers offer; named here so both resource types share the code. */
interface ClassicPoller<T> {
  isDone(): boolean;
  getResult(): T | undefined;
  getOperationState(): { status: string };
  toString(): string;
  poll(): Promise<void>;
}

const keyOf = (m: PoolMember): string => (m.ipAddress !== undefined ? `ip:${m.ipAddress}` : `fqdn:${(m.fqdn ?? '').toLowerCase()}`);

function memberOf(a: { ipAddress?: string; fqdn?: string }): PoolMember {
  return a.ipAddress ? { ipAddress: a.ipAddress } : { fqdn: a.fqdn ?? '' };
}

/** Checks the requested members: each has exactly one of ipAddress/fqdn; duplicates are dropped. */
function normaliseMembers(members: PoolMember[]): PoolMember[] {
  const seen = new Set<string>();
  const out: PoolMember[] = [];
  members.forEach((m, i) => {
    const ip = m.ipAddress?.trim();
    const fqdn = m.fqdn?.trim();
    if ((ip ? 1 : 0) + (fqdn ? 1 : 0) !== 1) throw new TypeError(`members[${i}] must have exactly one of ipAddress and fqdn`);
    const member: PoolMember = ip ? { ipAddress: ip } : { fqdn: fqdn ?? '' };
    if (!seen.has(keyOf(member))) {
      seen.add(keyOf(member));
      out.push(member);
    }
  });
  return out;
}

function sameMembers(a: PoolMember[], b: PoolMember[]): boolean {
  const ka = new Set(a.map(keyOf));
  const kb = new Set(b.map(keyOf));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

function parsePoolRef(pool: PoolRef): ResourceIdParts {
  if (!pool.backendPool.trim()) throw new TypeError('backendPool must not be empty');
  return pool.kind === 'application-gateway'
    ? parseResourceId(pool.resourceId, 'Microsoft.Network', 'applicationGateways', 'pool.resourceId')
    : parseResourceId(pool.resourceId, 'Microsoft.Network', 'loadBalancers', 'pool.resourceId');
}

function describe(pool: { kind: PoolRef['kind']; backendPool: string }, id: ResourceIdParts): string {
  return `pool ${pool.backendPool} of ${pool.kind === 'application-gateway' ? 'application gateway' : 'load balancer'} ${id.name}`;
}

/** A NIC-based pool names NIC IP configurations; its members change through the NICs, not the pool. */
function nicConfigIds(pool: BackendAddressPool): string[] | undefined {
  const fromPool = (pool.backendIPConfigurations ?? []).map((c) => c.id ?? '').filter((id) => id);
  const fromAddresses = (pool.loadBalancerBackendAddresses ?? []).map((a) => a.networkInterfaceIPConfiguration?.id ?? '').filter((id) => id);
  // ARM ids are case-insensitive: one entry per configuration, in the spelling ARM gave first.
  const ids = [...new Map([...fromPool, ...fromAddresses].map((id) => [id.toLowerCase(), id] as const)).values()];
  return ids.length > 0 ? ids : undefined;
}

/** `.../networkInterfaces/{nic}/ipConfigurations/{name}` → the NIC's resource id. */
const nicOf = (configId: string): string => configId.replace(/\/ipConfigurations\/[^/]+$/i, '');

/**
 * {@link PoolClient} over @azure/arm-network: Application Gateway backend pools (changed with a
 * whole-gateway PUT, the only way ARM offers; members kept as they are, IP or FQDN), IP-based
 * load-balancer backend pools (one pool PUT), and NIC-based load-balancer pools, where each
 * member's NIC IP configuration lists the pools it belongs to (`loadBalancerBackendAddressPools`,
 * Microsoft.Network networkInterfaces): a member leaves or joins with one PUT of its NIC. A write conflicting with another operation on the resource (409
 * AnotherOperationInProgress, 429 RetryableErrorDueToAnotherOperation once the SDK's retries are
 * spent) surfaces as TransientVendorError: the caller's durable retry tries again later.
 */
export class AzurePoolClient implements PoolClient {
  private readonly network: PerSubscription<NetworkManagementClient>;
  private readonly prefix: string;

  constructor(options: AzurePoolClientOptions) {
    this.network = new PerSubscription((sub) => createNetworkClient(sub, options));
    this.prefix = options.addressNamePrefix ?? 'mw-';
  }

  /** The pool's members as `{ ipAddress }` or `{ fqdn }`. */
  async listMembers(pool: PoolRef): Promise<PoolMember[]> {
    const id = parsePoolRef(pool);
    if (pool.kind === 'application-gateway') {
      const gw = await this.getGateway(id, pool);
      return (this.gatewayPool(gw, pool, id).backendAddresses ?? []).map(memberOf);
    }
    const lbPool = await this.getLbPool(id, pool);
    const configs = nicConfigIds(lbPool);
    if (configs) return (await this.nicMembers(id, configs)).map((m) => ({ ipAddress: m.ip }));
    return lbMembers(lbPool, pool, id);
  }

  /** The address of each NIC IP configuration (one GET per NIC). */
  private async nicMembers(id: ResourceIdParts, configs: string[]): Promise<{ configId: string; ip: string }[]> {
    const out: { configId: string; ip: string }[] = [];
    const nics = new Map<string, NetworkInterface>();
    for (const configId of configs) {
      const nicId = nicOf(configId);
      let nic = nics.get(nicId);
      if (!nic) {
        nic = await this.getNic(nicId);
        nics.set(nicId, nic);
      }
      const ip = nic.ipConfigurations?.find((c) => (c.id ?? '').toLowerCase() === configId.toLowerCase())?.privateIPAddress;
      if (!ip) throw new Error(`azure: ${configId} in a pool of load balancer ${id.name} has no private IP address`);
      out.push({ configId, ip });
    }
    return out;
  }

  private getNic(nicId: string): Promise<NetworkInterface> {
    const ref = parseResourceId(nicId, 'Microsoft.Network', 'networkInterfaces', 'network interface');
    return callAzure(`read network interface ${ref.name}`, () => this.network.get(ref.subscriptionId).networkInterfaces.get(ref.resourceGroup, ref.name));
  }

  /**
   * Moves NICs in and out of a NIC-based pool: each NIC leaving has the pool taken out of its IP
   * configuration, each joining (found by its private IP among the subscription's NICs) has it
   * added; one NIC PUT each. Idempotent: a NIC already right is not written.
   */
  private async beginSetNicMembers(id: ResourceIdParts, pool: PoolRef, lbPool: BackendAddressPool, configs: string[], desired: PoolMember[]): Promise<{ id: string; state: string }[]> {
    const what = describe(pool, id);
    const fqdn = desired.find((m) => m.fqdn !== undefined);
    if (fqdn) throw new TypeError(`${what} is NIC-based and takes IP addresses only: got fqdn ${fqdn.fqdn ?? ''}`);
    const poolId = lbPool.id ?? `${pool.resourceId}/backendAddressPools/${pool.backendPool}`;
    const current = await this.nicMembers(id, configs);
    const wanted = new Set(desired.map((m) => m.ipAddress ?? ''));
    const leaving = current.filter((c) => !wanted.has(c.ip)).map((c) => c.configId.toLowerCase());
    const joining: string[] = [];
    const missing = [...wanted].filter((ip) => !current.some((c) => c.ip === ip));
    if (missing.length > 0) {
      const all: NetworkInterface[] = [];
      await callAzure(`list the network interfaces of subscription ${id.subscriptionId}`, async () => {
        for await (const nic of this.network.get(id.subscriptionId).networkInterfaces.listAll()) all.push(nic);
      });
      for (const ip of missing) {
        const found = all.flatMap((n) => (n.ipConfigurations ?? []).filter((c) => c.privateIPAddress === ip).map((c) => c.id ?? ''));
        if (found.length !== 1) throw new Error(`azure: cannot add ${ip} to ${what}: ${found.length === 0 ? 'no network interface has that address' : 'several network interfaces have that address'}`);
        joining.push(found[0]!);
      }
    }
    const running: { id: string; state: string }[] = [];
    const changed = [...current.filter((c) => leaving.includes(c.configId.toLowerCase())).map((c) => c.configId), ...joining];
    for (const nicId of [...new Map(changed.map((id) => [nicOf(id).toLowerCase(), nicOf(id)] as const)).values()]) {
      const ref = parseResourceId(nicId, 'Microsoft.Network', 'networkInterfaces', 'network interface');
      const nic = await this.getNic(nicId);
      for (const config of nic.ipConfigurations ?? []) {
        const configId = (config.id ?? '').toLowerCase();
        const others = (config.loadBalancerBackendAddressPools ?? []).filter((p) => (p.id ?? '').toLowerCase() !== poolId.toLowerCase());
        if (leaving.includes(configId)) config.loadBalancerBackendAddressPools = others;
        if (joining.some((j) => j.toLowerCase() === configId)) config.loadBalancerBackendAddressPools = [...others, { id: poolId }];
      }
      const poller = await callAzure(`update network interface ${ref.name} for ${what}`, () => this.network.get(ref.subscriptionId).networkInterfaces.beginCreateOrUpdate(ref.resourceGroup, ref.name, nic));
      if (!poller.isDone()) running.push({ id: nicId, state: poller.toString() });
    }
    return running;
  }

  /**
   * Starts the one write that leaves exactly `members` in the pool (members kept keep their
   * entries; new ones are appended). Undefined when the pool already has exactly these members.
   */
  async beginSetMembers(pool: PoolRef, members: PoolMember[]): Promise<string | undefined> {
    const id = parsePoolRef(pool);
    const desired = normaliseMembers(members);
    const what = describe(pool, id);
    const client = this.network.get(id.subscriptionId);
    let poller: ClassicPoller<unknown>;
    if (pool.kind === 'application-gateway') {
      const gw = await this.getGateway(id, pool);
      const target = this.gatewayPool(gw, pool, id);
      const current = target.backendAddresses ?? [];
      if (sameMembers(current.map(memberOf), desired)) return undefined;
      const kept = current.filter((a) => desired.some((d) => keyOf(d) === keyOf(memberOf(a))));
      const added = desired.filter((d) => !current.some((a) => keyOf(memberOf(a)) === keyOf(d)));
      target.backendAddresses = [...kept, ...added.map((m): ApplicationGatewayBackendAddress => ({ ...m }))];
      poller = await callAzure(`update ${what}`, () => client.applicationGateways.beginCreateOrUpdate(id.resourceGroup, id.name, gw));
    } else {
      const existing = await this.getLbPool(id, pool);
      const configs = nicConfigIds(existing);
      if (configs) {
        if (sameMembers((await this.nicMembers(id, configs)).map((m) => ({ ipAddress: m.ip })), desired)) return undefined;
        const nics = await this.beginSetNicMembers(id, pool, existing, configs, desired);
        const token: PoolToken = { v: 1, kind: pool.kind, resourceId: pool.resourceId, backendPool: pool.backendPool, ...(nics.length > 0 ? { nics } : {}) };
        return packToken(token);
      }
      const current = existing.loadBalancerBackendAddresses ?? [];
      const currentMembers = lbMembers(existing, pool, id);
      if (sameMembers(currentMembers, desired)) return undefined;
      const fqdn = desired.find((m) => m.fqdn !== undefined);
      if (fqdn) throw new TypeError(`${what} takes IP addresses only: got fqdn ${fqdn.fqdn ?? ''}`);
      const vnetId = await this.vnetFor(id, current, what);
      const addresses = desired.map((m): LoadBalancerBackendAddress => {
        const same = current.find((a) => a.ipAddress === m.ipAddress);
        if (same) return { name: same.name, ipAddress: same.ipAddress, ...(same.virtualNetwork?.id ? { virtualNetwork: { id: same.virtualNetwork.id } } : { virtualNetwork: { id: vnetId } }) };
        return { name: `${this.prefix}${(m.ipAddress ?? '').replace(/[.:]/g, '-')}`, ipAddress: m.ipAddress ?? '', virtualNetwork: { id: vnetId } };
      });
      const body: BackendAddressPool = { name: existing.name ?? pool.backendPool, loadBalancerBackendAddresses: addresses };
      poller = await callAzure(`update ${what}`, () => client.loadBalancerBackendAddressPools.beginCreateOrUpdate(id.resourceGroup, id.name, pool.backendPool, body));
    }
    const token: PoolToken = { v: 1, kind: pool.kind, resourceId: pool.resourceId, backendPool: pool.backendPool, ...(poller.isDone() ? {} : { state: poller.toString() }) };
    return packToken(token);
  }

  /** One status check of the write; succeeded carries the pool's members after it. */
  async pollSetMembers(resumeToken: string): Promise<OperationProgress<{ members: PoolMember[] }>> {
    const token = decodeToken(resumeToken);
    const pool: PoolRef = { kind: token.kind, resourceId: token.resourceId, backendPool: token.backendPool };
    const id = parsePoolRef(pool);
    const what = describe(pool, id);
    if (token.nics) return this.pollNicWrites(token, pool, what);
    if (!token.state) return { state: 'succeeded', result: { members: await this.listMembers(pool) } };
    const client = this.network.get(id.subscriptionId);
    let poller: ClassicPoller<ApplicationGateway | BackendAddressPool>;
    try {
      // With resumeFrom the SDK sends no PUT: it restores the poller and polls once; the body is unused.
      poller =
        token.kind === 'application-gateway'
          ? await client.applicationGateways.beginCreateOrUpdate(id.resourceGroup, id.name, {}, { resumeFrom: token.state })
          : await client.loadBalancerBackendAddressPools.beginCreateOrUpdate(id.resourceGroup, id.name, token.backendPool, {}, { resumeFrom: token.state });
    } catch (e) {
      if (isHttpError(e) || !/long-running operation has failed|operation was canceled/i.test(e instanceof Error ? e.message : '')) throw toAzurePortError(`check the update of ${what}`, e);
      const m = /has failed\. ([^.\s]+)\. (.*)/.exec(e instanceof Error ? e.message : '');
      return { state: 'failed', code: m?.[1] ?? 'PoolUpdateFailed', message: (m?.[2] ?? `the update of ${what} failed`).slice(0, 500) };
    }
    if (!poller.isDone()) return { state: 'running', resumeToken: packToken({ ...token, state: poller.toString() }) };
    const result = poller.getResult();
    if (!result) return { state: 'succeeded', result: { members: await this.listMembers(pool) } };
    if (token.kind === 'application-gateway') return { state: 'succeeded', result: { members: (this.gatewayPool(result as ApplicationGateway, pool, id).backendAddresses ?? []).map(memberOf) } };
    return { state: 'succeeded', result: { members: lbMembers(result as BackendAddressPool, pool, id) } };
  }

  /** One status check of each NIC write still running; succeeded once none is. */
  private async pollNicWrites(token: PoolToken, pool: PoolRef, what: string): Promise<OperationProgress<{ members: PoolMember[] }>> {
    const still: { id: string; state: string }[] = [];
    for (const write of token.nics ?? []) {
      const ref = parseResourceId(write.id, 'Microsoft.Network', 'networkInterfaces', 'network interface');
      try {
        const poller = await this.network.get(ref.subscriptionId).networkInterfaces.beginCreateOrUpdate(ref.resourceGroup, ref.name, {}, { resumeFrom: write.state });
        if (!poller.isDone()) still.push({ id: write.id, state: poller.toString() });
      } catch (e) {
        if (isHttpError(e) || !/long-running operation has failed|operation was canceled/i.test(e instanceof Error ? e.message : '')) throw toAzurePortError(`check the update of ${ref.name} for ${what}`, e);
        return { state: 'failed', code: 'NetworkInterfaceUpdateFailed', message: `the update of network interface ${ref.name} for ${what} failed` };
      }
    }
    if (still.length > 0) return { state: 'running', resumeToken: packToken({ ...token, nics: still }) };
    return { state: 'succeeded', result: { members: await this.listMembers(pool) } };
  }

  private getGateway(id: ResourceIdParts, pool: PoolRef): Promise<ApplicationGateway> {
    return callAzure(`read ${describe(pool, id)}`, () => this.network.get(id.subscriptionId).applicationGateways.get(id.resourceGroup, id.name));
  }

  private getLbPool(id: ResourceIdParts, pool: PoolRef): Promise<BackendAddressPool> {
    return callAzure(`read ${describe(pool, id)}`, () => this.network.get(id.subscriptionId).loadBalancerBackendAddressPools.get(id.resourceGroup, id.name, pool.backendPool));
  }

  private gatewayPool(gw: ApplicationGateway, pool: PoolRef, id: ResourceIdParts) {
    const pools = gw.backendAddressPools ?? [];
    const found = pools.find((p) => (p.name ?? '').toLowerCase() === pool.backendPool.toLowerCase());
    if (!found) throw new Error(`azure: application gateway ${id.name} has no backend pool ${pool.backendPool} (it has: ${pools.map((p) => p.name).join(', ') || 'none'})`);
    return found;
  }

  /** The virtual network new load-balancer addresses join: their neighbours', else the frontend's subnet's. */
  private async vnetFor(id: ResourceIdParts, current: LoadBalancerBackendAddress[], what: string): Promise<string> {
    const known = current.find((a) => a.virtualNetwork?.id)?.virtualNetwork?.id ?? current.find((a) => a.subnet?.id)?.subnet?.id?.replace(/\/subnets\/[^/]+$/i, '');
    if (known) return known;
    const lb = await callAzure(`read load balancer ${id.name}`, () => this.network.get(id.subscriptionId).loadBalancers.get(id.resourceGroup, id.name));
    const subnet = lb.frontendIPConfigurations?.find((f) => f.subnet?.id)?.subnet?.id;
    if (!subnet) throw new Error(`azure: cannot tell which virtual network ${what} is in: it is empty and load balancer ${id.name} has no internal frontend`);
    return subnet.replace(/\/subnets\/[^/]+$/i, '');
  }
}

/** An IP-based load-balancer pool's members. */
function lbMembers(pool: BackendAddressPool, ref: PoolRef, id: ResourceIdParts): PoolMember[] {
  const addresses = pool.loadBalancerBackendAddresses ?? [];
  if (addresses.some((a) => !a.ipAddress)) throw new Error(`azure: ${describe(ref, id)} has a member with neither an IP address nor a network interface`);
  return addresses.map((a) => ({ ipAddress: a.ipAddress ?? '' }));
}

function decodeToken(resumeToken: string): PoolToken {
  return readToken(resumeToken, PoolToken, 'pool');
}
