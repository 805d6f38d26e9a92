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

/** A Windows service on a box, as its ops agent reports it. */
export const WindowsService = z.object({
  name: z.string(),
  displayName: z.string(),
  startType: z.enum(['Automatic', 'Manual', 'Disabled']),
  status: z.enum(['Running', 'Stopped']),
});
export type WindowsService = z.infer<typeof WindowsService>;

/** A scheduled task, as the ops agent reports it (Get-ScheduledTask names). */
export const ScheduledTask = z.object({ TaskPath: z.string(), TaskName: z.string(), State: z.enum(['Ready', 'Running', 'Disabled']) });
export type ScheduledTask = z.infer<typeof ScheduledTask>;

const KvEntry = z.object({ Key: z.string(), Value: z.string().nullable(), ModifyIndex: z.number() });

/** Options for {@link createConsulClient}; nothing is read from the environment. */
export interface ConsulClientOptions {
  /** Cluster address for KV, catalog and health, e.g. `https://consul.billpay.local:8501`. */
  baseUrl: string;
  /** ACL token (X-Consul-Token). */
  token: string;
  /**
   * Address of a node's own agent (agent endpoints are local to each machine) and of its ops
   * agent. Default: `<baseUrl>/node/<node>`, the simulated estate's layout.
   */
  agentUrl?: (node: string) => string;
  caPem?: string;
  maxRetries?: number;
  retryDelayInMs?: number;
}

function describe(status: number, body: unknown): string {
  const text = typeof body === 'string' ? body : z.object({ error: z.object({ message: z.string() }) }).safeParse(body).data?.error.message;
  return `consul: ${status} ${text ?? 'request failed'}`;
}

/**
 * Consul for the take-down procedure: the maintenance KV key HAProxy watches, node maintenance
 * on each API/UI box's agent (what `consul maint --enable` does), health views, and the Windows
 * boxes' ops agent for worker services and scheduled tasks.
 */
export class ConsulClient {
  private readonly cluster: JsonHttpsClient;
  private readonly agents = new Map<string, JsonHttpsClient>();

  constructor(private readonly options: ConsulClientOptions) {
    this.cluster = this.http(options.baseUrl);
  }

  private http(baseUrl: string): JsonHttpsClient {
    return new JsonHttpsClient({
      vendor: 'consul',
      baseUrl,
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
      client = this.http(this.options.agentUrl ? this.options.agentUrl(node) : `${this.options.baseUrl}/node/${encodeURIComponent(node)}`);
      this.agents.set(node, client);
    }
    return client;
  }

  /** A KV value (decoded from base64), or undefined when the key does not exist. */
  async getKv(key: string): Promise<string | undefined> {
    const res = await this.cluster.request({ method: 'GET', path: `/v1/kv/${key}`, schema: z.array(KvEntry).min(1), absentOn: [404] });
    const value = res?.[0]?.Value;
    return res === undefined ? undefined : value === null || value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }

  /** Sets a KV value; resolves to Consul's `true`. */
  async putKv(key: string, value: string): Promise<boolean> {
    return this.cluster.request({ method: 'PUT', path: `/v1/kv/${key}`, text: value, schema: z.boolean() });
  }

  /** Deletes a KV key (succeeds when absent). */
  async deleteKv(key: string): Promise<boolean> {
    return this.cluster.request({ method: 'DELETE', path: `/v1/kv/${key}`, schema: z.boolean() });
  }

  /** Node maintenance on that node's agent: `PUT /v1/agent/maintenance?enable=...&reason=...`. */
  async setNodeMaintenance(node: string, enable: boolean, reason?: string): Promise<void> {
    await this.agent(node).request({ method: 'PUT', path: '/v1/agent/maintenance', query: { enable, reason }, schema: z.unknown() });
  }

  /** The node's health checks (maintenance shows as `_node_maintenance`, critical). */
  async listNodeChecks(node: string): Promise<ConsulCheck[]> {
    return this.cluster.request({ method: 'GET', path: `/v1/health/node/${encodeURIComponent(node)}`, schema: z.array(ConsulCheck) });
  }

  /** Windows services on a box. */
  async listWindowsServices(node: string): Promise<WindowsService[]> {
    return this.agent(node).request({ method: 'GET', path: '/ops/v1/services', schema: z.array(WindowsService) });
  }

  /** Disable (stop + Disabled) or enable (Automatic + start) a Windows service. */
  async setWindowsService(node: string, name: string, action: 'disable' | 'enable' | 'stop' | 'start'): Promise<WindowsService> {
    return this.agent(node).request({ method: 'POST', path: `/ops/v1/services/${encodeURIComponent(name)}/${action}`, schema: WindowsService });
  }

  /** Scheduled tasks on a box. */
  async listScheduledTasks(node: string): Promise<ScheduledTask[]> {
    return this.agent(node).request({ method: 'GET', path: '/ops/v1/scheduled-tasks', schema: z.array(ScheduledTask) });
  }

  /** Disable or enable one scheduled task. */
  async setScheduledTask(node: string, name: string, action: 'disable' | 'enable'): Promise<ScheduledTask> {
    return this.agent(node).request({ method: 'POST', path: `/ops/v1/scheduled-tasks/${encodeURIComponent(name)}/${action}`, schema: ScheduledTask });
  }
}

/** Creates the Consul client the app uses. */
export function createConsulClient(options: ConsulClientOptions): ConsulClient {
  return new ConsulClient(options);
}
