import { z } from 'zod';
import type { Router } from '../core/types';
import { badRequest, controlError } from '../core/control';
import type { AzureModel } from './model';

/**
 * `POST /_sandbox/arm/pools/remove-member { gateway | loadBalancer, backendPool, member }`: a member
 * leaves a pool outside the app (someone drained it by hand and never put it back), so a pre-flight
 * can be shown to notice. `member` is a VM name, an IP address or an FQDN.
 */
const Body = z
  .object({ gateway: z.string().min(1).optional(), loadBalancer: z.string().min(1).optional(), backendPool: z.string().min(1), member: z.string().min(1) })
  .strict()
  .refine((b) => (b.gateway === undefined) !== (b.loadBalancer === undefined), { message: 'name exactly one of gateway and loadBalancer', path: ['gateway'] });

type Address = { ipAddress?: string; fqdn?: string };

export function registerPoolControl(router: Router, model: AzureModel): void {
  router.route('POST', '/_sandbox/arm/pools/remove-member', (req) => {
    const body = Body.safeParse(req.body);
    if (!body.success) return badRequest(body.error);
    const { backendPool, member } = body.data;
    const vm = model.vm(member);
    const matches = (a: Address) => a.ipAddress === member || a.fqdn?.toLowerCase() === member.toLowerCase() || (vm !== undefined && a.ipAddress === vm.privateIp);
    if (body.data.gateway) {
      const g = model.gateways.get(body.data.gateway.toLowerCase());
      if (!g) return controlError(404, 'GatewayNotFound', `no application gateway ${body.data.gateway}`);
      const pools = (g.properties.backendAddressPools ?? []) as { name: string; properties?: { backendAddresses?: Address[] } }[];
      const pool = pools.find((p) => p.name.toLowerCase() === backendPool.toLowerCase());
      if (!pool) return controlError(404, 'PoolNotFound', `no backend pool ${backendPool} on ${g.name}`);
      const before = pool.properties?.backendAddresses ?? [];
      const after = before.filter((a) => !matches(a));
      if (after.length === before.length) return controlError(404, 'MemberNotFound', `${member} is not in ${g.name}/${backendPool}`);
      pool.properties = { ...pool.properties, backendAddresses: after };
      g.revision++;
      return { status: 200, body: { members: after } };
    }
    const lb = model.loadBalancers.get((body.data.loadBalancer ?? '').toLowerCase());
    if (!lb) return controlError(404, 'LoadBalancerNotFound', `no load balancer ${body.data.loadBalancer ?? ''}`);
    const pool = lb.pools[backendPool.toLowerCase()];
    if (!pool) return controlError(404, 'PoolNotFound', `no backend pool ${backendPool} on ${lb.name}`);
    if (pool.backend === 'nic') {
      const key = model.lbPoolKey(lb.resourceGroup, lb.name, pool.name);
      if (!vm?.nicPools.includes(key)) return controlError(404, 'MemberNotFound', `${member} is not in ${lb.name}/${backendPool}`);
      vm.nicPools = vm.nicPools.filter((k) => k !== key);
    } else {
      const before = pool.addresses.length;
      pool.addresses = pool.addresses.filter((a) => !matches(a.properties));
      if (pool.addresses.length === before) return controlError(404, 'MemberNotFound', `${member} is not in ${lb.name}/${backendPool}`);
    }
    pool.revision++;
    return { status: 200, body: { removed: member } };
  });
}
