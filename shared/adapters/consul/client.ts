import { z } from 'zod';
import { JsonHttpsClient } from '../http/https';

/** A health check, as far as the app reads it. */
export const ConsulCheck = z.object({
  Node: z.string(),
  CheckID: z.string(),
  Name: z.string(),
  Status: z.enum(['passing', 'warning', 'critical']),
  Notes: z.string(),
  ServiceID: z.string(),
});
export type ConsulCheck = z.infer<typeof ConsulCheck>;

const AgentSelf = z.object({ Config: z.object({ NodeName: z.string() }) });

const KvEntry = z.object({ Key: z.string(), Value: z.string().nullable(), ModifyIndex: z.number() });

/** Options for {@link createConsulClient}; nothing is read from the environment. */
export interface ConsulClientOptions {
  /** Cluster address for KV, catalog and health, e.g. `https://consul.billpay.local:8501`. */
  baseUrl: string;
  /** ACL token (X-Consul-Token). */
  token: string;
  /**
   * Address of a node's own agent, e.g. `(node) => \`https://${node}.billpay.local:8501\``: agent
   * endpoints act on the machine whose agent answers (`consul maint` talks to the local agent).
   */
  agentUrl: (node: string) => string;
  /**
   * Local runs only: connect every agent request to this origin, the agent's host kept in the Host
   * header (the simulated estate serves every node's agent on one listener and tells them apart by it).
   */
  agentConnectTo?: string;
  caPem?: string;
  maxRetries?: number;
  retryDelayInMs?: number;
}

function describe(status: number, body: unknown): string {
  const text = typeof body === 'string' ? body : z.object({ error: z.object({ message: z.string() }) }).safeParse(body).data?.error.message;
  return `consul: ${status} ${text ?? 'request failed'}`;
}

/**
 * Consul's HTTP API for the take-down procedure (https://developer.hashicorp.com/consul/api-docs):
 * the maintenance KV key HAProxy watches (cluster address), node maintenance on each API/UI box's
 * own agent (what `consul maint --enable` does there), and the cluster's health view.
 */
export class ConsulClient {
  private readonly cluster: JsonHttpsClient;
  private readonly agents = new Map<string, JsonHttpsClient>();

  constructor(private readonly options: ConsulClientOptions) {
    this.cluster = this.http(options.baseUrl);
  }

  private http(baseUrl: string, connectTo?: string): JsonHttpsClient {
    return new JsonHttpsClient({
      vendor: 'consul',
      baseUrl,
      ...(connectTo ? { connectTo } : {}),
      headers: { 'X-Consul-Token': this.options.token },
      describeError: describe,
      ...(this.options.caPem ? { caPem: this.options.caPem } : {}),
      ...(this.options.maxRetries !== undefined ? { maxRetries: this.options.maxRetries } : {}),
      ...(this.options.retryDelayInMs !== undefined ? { retryDelayInMs: this.options.retryDelayInMs } : {}),
    });
  }

  private agent(node: string): JsonHttpsClient {
    let client = this.agents.get(node);
    if (!client) {
      client = this.http(this.options.agentUrl(node).replace(/\/$/, ''), this.options.agentConnectTo);
      this.agents.set(node, client);
    }
    return client;
  }

  /**
   * A KV value (decoded from base64), or undefined when the key does not exist. `dc`: the datacenter
   * (Consul's `?dc=`; an unknown one is a 500 "No path to datacenter").
   */
  async getKv(key: string, dc?: string): Promise<string | undefined> {
    const res = await this.cluster.request({ method: 'GET', path: `/v1/kv/${key}`, query: { dc }, schema: z.array(KvEntry).min(1), absentOn: [404] });
    const value = res?.[0]?.Value;
    return res === undefined ? undefined : value === null || value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }

  /** Sets a KV value; resolves to Consul's `true`. */
  async putKv(key: string, value: string, dc?: string): Promise<boolean> {
    return this.cluster.request({ method: 'PUT', path: `/v1/kv/${key}`, query: { dc }, text: value, schema: z.boolean() });
  }

  /** Deletes a KV key (succeeds when absent). */
  async deleteKv(key: string, dc?: string): Promise<boolean> {
    return this.cluster.request({ method: 'DELETE', path: `/v1/kv/${key}`, query: { dc }, schema: z.boolean() });
  }

  /** The name the agent at `node`'s address answers to (`GET /v1/agent/self`, `Config.NodeName`). */
  async getAgentNodeName(node: string): Promise<string> {
    const self = await this.agent(node).request({ method: 'GET', path: '/v1/agent/self', schema: AgentSelf });
    return self.Config.NodeName;
  }

  /** Node maintenance on that node's agent: `PUT /v1/agent/maintenance?enable=...&reason=...`. */
  async setNodeMaintenance(node: string, enable: boolean, reason?: string): Promise<void> {
    await this.agent(node).request({ method: 'PUT', path: '/v1/agent/maintenance', query: { enable, reason }, schema: z.unknown() });
  }

  /** The node's health checks (maintenance shows as `_node_maintenance`, critical). */
  async listNodeChecks(node: string): Promise<ConsulCheck[]> {
    return this.cluster.request({ method: 'GET', path: `/v1/health/node/${encodeURIComponent(node)}`, schema: z.array(ConsulCheck) });
  }
}

/** Creates the Consul client the app uses. */
export function createConsulClient(options: ConsulClientOptions): ConsulClient {
  return new ConsulClient(options);
}
