import type { ConsulKvOptions, ConsulClient as ConsulPort } from '../../ports/consul';
import { callVendor } from '../http/errors';
import type { ConsulClient } from './client';

const VENDOR = 'consul';

/** The check Consul registers on a node while it is in maintenance mode. */
const NODE_MAINTENANCE_CHECK = '_node_maintenance';

function inDc(options: ConsulKvOptions): string {
  return options.datacenter ? ` in datacenter ${options.datacenter}` : '';
}

function requireName(what: string, value: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw new TypeError(`${what} must not be empty`);
  return trimmed;
}

/**
 * The {@link ConsulPort} over the Consul client (`createConsulClient`): KV on the cluster
 * address, maintenance mode on each node's own agent (`agentUrl(node)`, as `consul maint` talks
 * to the local agent). Before the first maintenance call to a node the agent at its address is
 * asked its name: a wrong address in configuration fails loudly instead of putting another
 * machine into maintenance.
 */
export class ConsulMaintenanceClient implements ConsulPort {
  private readonly verified = new Set<string>();

  constructor(private readonly consul: ConsulClient) {}

  /** The key's value, or undefined when it does not exist. */
  async getKey(key: string, options: ConsulKvOptions = {}): Promise<string | undefined> {
    const k = requireName('key', key);
    return callVendor(VENDOR, `read key ${k}${inDc(options)}`, () => this.consul.getKv(k, options.datacenter));
  }

  async putKey(key: string, value: string, options: ConsulKvOptions = {}): Promise<void> {
    const k = requireName('key', key);
    const ok = await callVendor(VENDOR, `set key ${k}${inDc(options)}`, () => this.consul.putKv(k, value, options.datacenter));
    // Consul answers false only for a failed check-and-set, which this call never asks for.
    if (!ok) throw new Error(`${VENDOR}: could not set key ${k}: Consul answered false`);
  }

  /** Deletes the key; a key already absent counts as deleted. */
  async deleteKey(key: string, options: ConsulKvOptions = {}): Promise<void> {
    const k = requireName('key', key);
    await callVendor(VENDOR, `delete key ${k}${inDc(options)}`, () => this.consul.deleteKv(k, options.datacenter));
  }

  async setNodeMaintenance(node: string, enabled: boolean, reason: string): Promise<void> {
    const n = requireName('node', node);
    if (!this.verified.has(n.toLowerCase())) {
      const name = await callVendor(VENDOR, `ask the agent of ${n} its name`, () => this.consul.getAgentNodeName(n));
      if (name.toLowerCase() !== n.toLowerCase()) {
        throw Object.assign(new Error(`${VENDOR}: the agent configured for ${n} is ${name}'s: check the Consul agent addresses`), { code: 'WrongAgent' });
      }
      this.verified.add(n.toLowerCase());
    }
    await callVendor(VENDOR, `${enabled ? 'enable' : 'disable'} maintenance on ${n}`, () => this.consul.setNodeMaintenance(n, enabled, enabled && reason ? reason : undefined));
  }

  /** Whether the node carries Consul's node-maintenance check (from the cluster's health view). */
  async isNodeInMaintenance(node: string): Promise<boolean> {
    const n = requireName('node', node);
    const checks = await callVendor(VENDOR, `read the health of ${n}`, () => this.consul.listNodeChecks(n));
    return checks.some((c) => c.CheckID === NODE_MAINTENANCE_CHECK);
  }
}
