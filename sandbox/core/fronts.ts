import type { SandboxResponse, ServiceContext } from './types';

/**
 * A proxy in front of simulated sites (HAProxy before BillPay, seed 004): it may answer a request
 * for a host itself (the maintenance message) before the site behind it does. The service that
 * owns the proxy's state registers it; the probes listener asks before answering for a site.
 */
export type Front = (host: string, path: string) => SandboxResponse | undefined;

const fronts = new WeakMap<ServiceContext, Front[]>();

export function registerFront(ctx: ServiceContext, front: Front): void {
  fronts.set(ctx, [...(fronts.get(ctx) ?? []), front]);
}

/** The first front's answer for `host`, if a front answers it now. */
export function frontAnswer(ctx: ServiceContext, host: string, path: string): SandboxResponse | undefined {
  for (const front of fronts.get(ctx) ?? []) {
    const answer = front(host, path);
    if (answer) return answer;
  }
  return undefined;
}
