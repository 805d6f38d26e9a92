import type { OperationProgress } from './operations';

/** A backend pool of an Application Gateway or an internal load balancer. */
export interface PoolRef {
  kind: 'application-gateway' | 'load-balancer';
  /** Gateway or load balancer resource id. */
  resourceId: string;
  backendPool: string;
}

/** A pool member as the pool knows it: the server's private IP (or FQDN). */
export interface PoolMember {
  ipAddress?: string;
  fqdn?: string;
}

/**
 * Backend pool membership. Gateways take whole-object writes that conflict when
 * concurrent, so callers serialise writes per gateway and change a pool once per batch.
 */
export interface PoolClient {
  listMembers(pool: PoolRef): Promise<PoolMember[]>;
  /** Starts one write that leaves exactly `members` in the pool; undefined when nothing changes. */
  beginSetMembers(pool: PoolRef, members: PoolMember[]): Promise<string | undefined>;
  pollSetMembers(resumeToken: string): Promise<OperationProgress<{ members: PoolMember[] }>>;
}
