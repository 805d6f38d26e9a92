/** Consul KV and per-node maintenance mode (the HAProxy estate of seed 004). */
export interface ConsulClient {
  getKey(key: string): Promise<string | undefined>;
  putKey(key: string, value: string): Promise<void>;
  deleteKey(key: string): Promise<void>;
  setNodeMaintenance(node: string, enabled: boolean, reason: string): Promise<void>;
  isNodeInMaintenance(node: string): Promise<boolean>;
}
