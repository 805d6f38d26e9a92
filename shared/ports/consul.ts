/**
 * Consul KV, per-node maintenance mode, and the Windows boxes' worker services and scheduled
 * tasks (the HAProxy estate of seed 004). Every setter is idempotent: setting what is already
 * set succeeds.
 */
export interface ConsulClient {
  getKey(key: string): Promise<string | undefined>;
  putKey(key: string, value: string): Promise<void>;
  deleteKey(key: string): Promise<void>;
  /** `consul maint --enable/--disable` on that node's own agent. */
  setNodeMaintenance(node: string, enabled: boolean, reason: string): Promise<void>;
  isNodeInMaintenance(node: string): Promise<boolean>;
  /** Through the box's ops agent: disabled = stopped and start type Disabled; enabled = Automatic and running. */
  setServiceEnabled(node: string, service: string, enabled: boolean): Promise<void>;
  /** Through the box's ops agent: enables or disables one scheduled task (by task name). */
  setScheduledTaskEnabled(node: string, task: string, enabled: boolean): Promise<void>;
}
