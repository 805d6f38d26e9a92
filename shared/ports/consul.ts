/** Where a KV call goes: `datacenter` is Consul's `?dc=` (absent: the datacenter of the agent asked). */
export interface ConsulKvOptions {
  datacenter?: string;
}

/**
 * Consul KV and per-node maintenance mode (the HAProxy estate of seed 004). Every setter is
 * idempotent: setting what is already set succeeds.
 */
export interface ConsulClient {
  getKey(key: string, options?: ConsulKvOptions): Promise<string | undefined>;
  putKey(key: string, value: string, options?: ConsulKvOptions): Promise<void>;
  deleteKey(key: string, options?: ConsulKvOptions): Promise<void>;
  /** `consul maint --enable/--disable` on that node's own agent. */
  setNodeMaintenance(node: string, enabled: boolean, reason: string): Promise<void>;
  isNodeInMaintenance(node: string): Promise<boolean>;
}
