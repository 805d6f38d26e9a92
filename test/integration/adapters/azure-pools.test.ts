import { unpackToken } from '../../../shared/adapters/azure/resumeToken';
import { AzurePoolClient } from '../../../shared/adapters/azure/pools';
import { createNetworkClient } from '../../../shared/adapters/azure/client';
import type { OperationProgress } from '../../../shared/ports/operations';
import type { PoolMember, PoolRef } from '../../../shared/ports/pools';
import { nextMembers } from '../../../shared/activities/estate';
import { estate, type ArmStateView } from '../sandbox/azure/harness';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const SUB = estate.subscriptionId;
const NET = `/subscriptions/${SUB}/resourceGroups/RG-NETWORK-PRD/providers/Microsoft.Network`;
const AGW: PoolRef = { kind: 'application-gateway', resourceId: `${NET}/applicationGateways/agw-pri-appgateway0-prd`, backendPool: 'bp-ic-web-prd' };
const ILB: PoolRef = { kind: 'load-balancer', resourceId: `${NET}/loadBalancers/IC-LB-WebSVR-4AppSVR`, backendPool: 'IC-WebSVR-BackendPool' };
const WEB_IPS = Array.from({ length: 10 }, (_, i) => `10.20.1.${11 + i}`);
const ips = (...list: string[]): PoolMember[] => list.map((ipAddress) => ({ ipAddress }));
const sortedIps = (members: PoolMember[]): string[] => members.map((m) => m.ipAddress ?? m.fqdn ?? '').sort();
const without = (...drop: string[]): PoolMember[] => ips(...WEB_IPS.filter((ip) => !drop.includes(ip)));
/** The gateway takes this long (virtual) to apply an update. */
const GATEWAY_UPDATE_MS = 45_000;

const env = useAdapterSandbox();

/** A new adapter with its own credential and SDK clients, as a fresh activity process would build it. */
function newPools(): AzurePoolClient {
  return new AzurePoolClient({ credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem, retry: { maxRetries: 0 } });
}

const arm = async (): Promise<ArmStateView['arm']> => env.state<ArmStateView['arm']>('arm');
const gatewayPool = async (): Promise<string[]> => (await arm()).applicationGateways['agw-pri-appgateway0-prd']?.pools['bp-ic-web-prd'] ?? [];
const lbPool = async (): Promise<string[]> => (await arm()).loadBalancers['IC-LB-WebSVR-4AppSVR']?.pools['IC-WebSVR-BackendPool'] ?? [];
const lastSeq = async (): Promise<number> => (await env.calls()).at(-1)?.seq ?? 0;
const putsSince = async (seq: number, path: string) => (await env.calls({ listener: 'arm', method: 'PUT', path })).filter((c) => c.seq > seq);

/** Polls (with a new client each time, moving the clock) until the write is done. */
async function finish(token: string): Promise<OperationProgress<{ members: PoolMember[] }>> {
  let progress = await newPools().pollSetMembers(token);
  for (let i = 0; progress.state === 'running' && i < 5; i++) {
    env.clock.advance(GATEWAY_UPDATE_MS);
    progress = await newPools().pollSetMembers(progress.resumeToken);
  }
  return progress;
}

describe('AzurePoolClient: Application Gateway backend pool', () => {
  it('drains two servers and restores them, one whole-gateway PUT per call, resumed by new clients', async () => {
    const pools = newPools();
    expect(await pools.listMembers(AGW)).toEqual(ips(...WEB_IPS));

    const before = await lastSeq();
    const drain = await pools.beginSetMembers(AGW, without('10.20.1.13', '10.20.1.14'));
    expect(drain).toBeDefined();
    // The token goes into orchestration history: operation URLs, not the gateway.
    expect(unpackToken(drain ?? '')).toMatchObject({ v: 1, kind: 'application-gateway', resourceId: AGW.resourceId, backendPool: AGW.backendPool, state: expect.any(String) });
    expect(drain).not.toContain('backendAddresses');
    expect(drain?.length).toBeLessThan(2000);
    const puts = await putsSince(before, '*/applicationGateways/agw-pri-appgateway0-prd');
    expect(puts).toHaveLength(1);
    // The PUT carries the whole gateway: the pool without the two servers, the rest unchanged.
    const body = puts[0]?.body as { properties: { backendAddressPools: { name: string; properties: { backendAddresses: PoolMember[] } }[]; requestRoutingRules: unknown[] } };
    expect(body.properties.backendAddressPools[0]?.properties.backendAddresses).toEqual(without('10.20.1.13', '10.20.1.14'));
    expect(body.properties.requestRoutingRules).toHaveLength(1);
    expect(await gatewayPool()).not.toContain('IC-Web3');
    expect((await arm()).applicationGateways['agw-pri-appgateway0-prd']?.provisioningState).toBe('Updating');

    const drained = await finish(drain ?? '');
    expect(drained).toEqual({ state: 'succeeded', result: { members: without('10.20.1.13', '10.20.1.14') } });
    expect(await putsSince(before, '*/applicationGateways/*')).toHaveLength(1);

    const restoreFrom = await lastSeq();
    const restore = await newPools().beginSetMembers(AGW, ips(...WEB_IPS));
    expect(await putsSince(restoreFrom, '*/applicationGateways/*')).toHaveLength(1);
    expect(await finish(restore ?? '')).toMatchObject({ state: 'succeeded' });
    expect((await gatewayPool()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `IC-Web${i + 1}`).sort());
    expect((await arm()).applicationGateways['agw-pri-appgateway0-prd']?.updates).toBe(2);
  });

  it('writes nothing when the pool already has exactly those members (in any order)', async () => {
    const before = await lastSeq();
    expect(await newPools().beginSetMembers(AGW, ips(...[...WEB_IPS].reverse()))).toBeUndefined();
    expect(await putsSince(before, '*')).toHaveLength(0);
  });

  it('a write while the gateway is busy is transient, and the first write is not lost', async () => {
    const first = await newPools().beginSetMembers(AGW, without('10.20.1.20'));
    const before = await lastSeq();
    const conflict = await expectTransient(newPools().beginSetMembers(AGW, without('10.20.1.19')), 'azure', 409);
    expect(conflict.message).toMatch(/AnotherOperationInProgress/);
    expect((await putsSince(before, '*')).map((c) => c.status)).toEqual([409]);
    const done = await finish(first ?? '');
    // Members put back earlier were appended, so compare as sets.
    expect(done.state === 'succeeded' ? sortedIps(done.result.members) : done).toEqual(WEB_IPS.filter((ip) => ip !== '10.20.1.20').sort());
    expect(await gatewayPool()).toContain('IC-Web9');
    expect(await gatewayPool()).not.toContain('IC-Web10');

    // 429 RetryableErrorDueToAnotherOperation (the SDK's own retries spent) is transient too.
    await env.addFaults({ listener: 'arm', method: 'PUT', path: '*/applicationGateways/*', status: 429, body: { error: { code: 'RetryableErrorDueToAnotherOperation', message: 'Operation is in progress.' } } });
    await expectTransient(newPools().beginSetMembers(AGW, ips(...WEB_IPS)), 'azure', 429);
    await env.clearFaults();
    expect(await finish((await newPools().beginSetMembers(AGW, ips(...WEB_IPS))) ?? '')).toMatchObject({ state: 'succeeded' });
    expect(await gatewayPool()).toHaveLength(10);
  });

  it('names a missing backend pool and refuses malformed members and tokens', async () => {
    await expectPermanent(newPools().listMembers({ ...AGW, backendPool: 'pool-api' }), /has no backend pool pool-api \(it has: bp-ic-web-prd, bp-ic-static-prd\)/);
    await expect(newPools().beginSetMembers(AGW, [{ ipAddress: '10.0.0.1', fqdn: 'a.example' }])).rejects.toThrow(/members\[0\] must have exactly one of ipAddress and fqdn/);
    await expect(newPools().pollSetMembers('nope')).rejects.toThrow(TypeError);
    await expectPermanent(newPools().listMembers({ ...AGW, resourceId: `${NET}/applicationGateways/agw-missing` }), /404 ResourceNotFound/);
  });
});

describe('AzurePoolClient: internal load balancer backend pool', () => {
  it('drains and restores by IP, keeping existing entries and naming new ones in the same virtual network', async () => {
    const pools = newPools();
    expect(await pools.listMembers(ILB)).toEqual(ips(...WEB_IPS));
    const drain = await pools.beginSetMembers(ILB, without('10.20.1.13'));
    expect(await finish(drain ?? '')).toEqual({ state: 'succeeded', result: { members: without('10.20.1.13') } });
    expect(await lbPool()).not.toContain('IC-Web3');
    expect(await lbPool()).toHaveLength(9);

    const before = await lastSeq();
    const restore = await newPools().beginSetMembers(ILB, ips(...WEB_IPS));
    expect(await finish(restore ?? '')).toMatchObject({ state: 'succeeded' });
    const puts = await putsSince(before, '*/backendAddressPools/IC-WebSVR-BackendPool');
    expect(puts).toHaveLength(1);

    const network = createNetworkClient(SUB, { credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem });
    const pool = await network.loadBalancerBackendAddressPools.get('RG-NETWORK-PRD', 'IC-LB-WebSVR-4AppSVR', 'IC-WebSVR-BackendPool');
    const entries = pool.loadBalancerBackendAddresses ?? [];
    expect(entries.find((a) => a.ipAddress === '10.20.1.11')?.name).toBe('IC-Web1-ip');
    expect(entries.find((a) => a.ipAddress === '10.20.1.13')?.name).toBe('mw-10-20-1-13');
    const vnets = new Set(entries.map((a) => a.virtualNetwork?.id));
    expect([...vnets]).toEqual([`${NET}/virtualNetworks/vnet-ic-prd`]);
    expect((await lbPool()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `IC-Web${i + 1}`).sort());

    expect(await newPools().beginSetMembers(ILB, ips(...WEB_IPS))).toBeUndefined();
    await expect(newPools().beginSetMembers(ILB, [{ fqdn: 'web.example' }])).rejects.toThrow(/takes IP addresses only/);
  });
});

describe('AzurePoolClient: NIC-based internal load balancer pool', () => {
  const APP_ILB: PoolRef = { kind: 'load-balancer', resourceId: `${NET}/loadBalancers/IC-LB-AppSVR`, backendPool: 'IC-AppSVR-BackendPool' };
  const APP_IPS = ['10.20.2.11', '10.20.2.12', '10.20.2.13', '10.20.2.14'];
  const appPool = async (): Promise<string[]> => (await arm()).loadBalancers['IC-LB-AppSVR']?.pools['IC-AppSVR-BackendPool'] ?? [];

  it('reads members through the NICs, drains and restores by writing each member NIC, and leaves the pool resource alone', async () => {
    expect(sortedIps(await newPools().listMembers(APP_ILB))).toEqual(APP_IPS);
    const before = await lastSeq();
    const drain = await newPools().beginSetMembers(APP_ILB, ips('10.20.2.11', '10.20.2.14'));
    expect(await finish(drain ?? '')).toMatchObject({ state: 'succeeded' });
    expect((await appPool()).sort()).toEqual(['IC-App1', 'IC-App4']);
    const drainPuts = await putsSince(before, '*');
    expect(drainPuts.map((c) => c.path.split('/').slice(-2).join('/'))).toEqual(['networkInterfaces/IC-App2-nic', 'networkInterfaces/IC-App3-nic']);
    // The NIC PUT is the whole NIC, its IP configuration no longer naming the pool.
    const nicBody = drainPuts[0]?.body as { properties: { ipConfigurations: { name: string; properties: { loadBalancerBackendAddressPools?: unknown[]; privateIPAddress?: string } }[] } };
    expect(nicBody.properties.ipConfigurations[0]?.name).toBe('ipconfig1');
    expect(nicBody.properties.ipConfigurations[0]?.properties.loadBalancerBackendAddressPools ?? []).toEqual([]);

    const restoreFrom = await lastSeq();
    const restore = await newPools().beginSetMembers(APP_ILB, ips(...APP_IPS));
    const done = await finish(restore ?? '');
    expect(done.state === 'succeeded' ? sortedIps(done.result.members) : done).toEqual(APP_IPS);
    expect((await appPool()).sort()).toEqual(['IC-App1', 'IC-App2', 'IC-App3', 'IC-App4']);
    const restorePuts = await putsSince(restoreFrom, '*');
    expect(restorePuts.map((c) => c.path.split('/').pop())).toEqual(['IC-App2-nic', 'IC-App3-nic']);
    const joined = restorePuts[0]?.body as { properties: { ipConfigurations: { properties: { loadBalancerBackendAddressPools?: { id: string }[] } }[] } };
    expect(joined.properties.ipConfigurations[0]?.properties.loadBalancerBackendAddressPools).toEqual([{ id: `${NET}/loadBalancers/IC-LB-AppSVR/backendAddressPools/IC-AppSVR-BackendPool` }]);

    // Already right: nothing is written; an address no NIC has is refused by name.
    expect(await newPools().beginSetMembers(APP_ILB, ips(...APP_IPS))).toBeUndefined();
    await expectPermanent(newPools().beginSetMembers(APP_ILB, ips(...APP_IPS, '10.99.0.1')), /cannot add 10\.99\.0\.1 to pool IC-AppSVR-BackendPool of load balancer IC-LB-AppSVR: no network interface has that address/);
    await expect(newPools().beginSetMembers(APP_ILB, [{ fqdn: 'app.example' }])).rejects.toThrow(/NIC-based and takes IP addresses only/);
  });
});

describe('Application Gateway pools with FQDN members', () => {
  const STATIC: PoolRef = { ...AGW, backendPool: 'bp-ic-static-prd' };
  const FQDN = 'icstatic.blob.core.windows.net';

  it('drains and restores a server in a pool that also holds an FQDN origin, writing the FQDN back as fqdn', async () => {
    const current = await newPools().listMembers(STATIC);
    expect(current).toEqual([{ ipAddress: '10.20.1.11' }, { ipAddress: '10.20.1.12' }, { fqdn: FQDN }]);
    // What the patch step's write does: remove one server's address, keep every other member as it is.
    const before = await lastSeq();
    const drained = nextMembers(current, ['10.20.1.12'], []);
    expect(drained).toEqual([{ ipAddress: '10.20.1.11' }, { fqdn: FQDN }]);
    await finish((await newPools().beginSetMembers(STATIC, drained)) ?? '');
    const put = (await putsSince(before, '*/applicationGateways/*'))[0]?.body as { properties: { backendAddressPools: { name: string; properties: { backendAddresses: unknown[] } }[] } };
    const pools = Object.fromEntries(put.properties.backendAddressPools.map((p) => [p.name, p.properties.backendAddresses]));
    expect(pools['bp-ic-static-prd']).toEqual([{ ipAddress: '10.20.1.11' }, { fqdn: FQDN }]);
    expect(pools['bp-ic-web-prd']).toHaveLength(10);

    const restored = nextMembers(await newPools().listMembers(STATIC), [], ['10.20.1.12']);
    await finish((await newPools().beginSetMembers(STATIC, restored)) ?? '');
    expect(await newPools().listMembers(STATIC)).toEqual([{ ipAddress: '10.20.1.11' }, { fqdn: FQDN }, { ipAddress: '10.20.1.12' }]);
    expect((await arm()).applicationGateways['agw-pri-appgateway0-prd']?.pools['bp-ic-static-prd']).toEqual(['IC-Web1', FQDN, 'IC-Web2']);
  });
});
