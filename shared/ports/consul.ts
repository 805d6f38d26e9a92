/**
 * Consul KV and per-node maintenance mode (the HAProxy estate of seed 004). Every setter is
 * idempotent: setting what is already set succeeds.
 */
export interface ConsulClient {
  getKey(key: string): Promise<string | undefined>;
  putKey(key: string, value: string): Promise<void>;
  deleteKey(key: string): Promise<void>;
  /** `consul maint --enable/--disable` on that node's own agent. */
  setNodeMaintenance(node: string, enabled: boolean, reason: string): Promise<void>;
  isNodeInMaintenance(node: string): Promise<boolean>;
}
