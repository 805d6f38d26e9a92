import { createHash } from 'crypto';
import { azureModelFor, type AzureModel } from '../azure/model';
import type { RouteHandler, Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from '../core/types';
import { ConsulEstate, ConsulSaved, HaproxyFault, type ConsulEvent, type ConsulToken, type KvEntry, type NodeState } from './schema';
import { registerFront } from '../core/fronts';
import type { FaultTarget } from '../core/extensions';

/** The anonymous token's accessor id, as Consul names it in permission errors. */
const ANONYMOUS_ACCESSOR = '00000000-0000-0000-0000-000000000002';
const NODE_MAINT_CHECK = '_node_maintenance';
const SERVICE_MAINT_PREFIX = '_service_maintenance:';
const DEFAULT_MAINT_REASON = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';

type Resource = 'key' | 'node' | 'service';
type Access = 'read' | 'write';

/** Consul answers ACL and most client errors in plain text. */
function text(status: number, body: string): SandboxResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body };
}

/** Consul's health check shape (catalog/health/agent views). */
export interface ConsulCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: 'passing' | 'warning' | 'critical';
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** The state /_sandbox/state shows under `consul` (token names only). */
export interface ConsulSnapshot {
  datacenter: string;
  maintenanceKey: string;
  maintenanceValue: string | null;
  tokens: string[];
  kv: { key: string; value: string; modifyIndex: number }[];
  nodes: (NodeState & { role: string; address: string; checks: { id: string; status: string; notes: string }[] })[];
  events: ConsulEvent[];
}

/**
 * The simulated Consul cluster for the BillPay take-down procedure (seed 004), speaking Consul's
 * HTTP API (https://developer.hashicorp.com/consul/api-docs).
 *
 * Cluster-wide endpoints (KV, catalog, health) answer at `/v1/...`. Agent endpoints
 * (`/v1/agent/...`) act on the machine whose agent answers, as in Consul (`consul maint` talks to
 * the local agent): every node's agent is served on this one listener, and the request's Host
 * header says which (`bp-apiui-01:8501`, `bp-apiui-01.billpay.local`, or the node's address);
 * the listener's own address is the server's agent. A client reaches node X's agent by
 * connecting here with Host X, as it would connect to `https://X:8501`.
 *
 * Worker services run on the Azure VMs of the same name (the `azure` section): a catalog
 * service with `windowsService` turns critical while that Windows service is stopped there.
 */
export class ConsulService implements SandboxService, FaultTarget {
  readonly name = 'consul';
  readonly faultKinds = ['haproxy'] as const;
  /** The `haproxy` fault: HAProxy does not act on the maintenance key (a take-down whose redirect is not in place). */
  private haproxyIgnoresKey = false;
  private readonly estate: ConsulEstate;
  private kv = new Map<string, KvEntry>();
  private nodes: NodeState[];
  private index = 100;
  private events: ConsulEvent[] = [];
  private readonly azure: AzureModel | undefined;

  constructor(private readonly ctx: ServiceContext) {
    this.estate = ConsulEstate.parse(ctx.estate['consul']);
    this.azure = ctx.estate['azure'] === undefined ? undefined : azureModelFor(ctx);
    for (const [key, value] of Object.entries(this.estate.kv)) this.kv.set(key, { key, value, flags: 0, createIndex: this.index, modifyIndex: this.index });
    this.nodes = this.estate.nodes.map((n) => ({
      name: n.name,
      maintenance: null,
      serviceMaintenance: {},
    }));
    registerFront(ctx, (host, path) => this.haproxyAnswer(host, path));
  }

  /**
   * HAProxy in maintenance (seed 004: the key "will signal HAProxy to redirect outside traffic to
   * our friendly messaging"; "the API needs to return a 503"): the UI gets the message, the API a
   * 503, both with Retry-After, as long as the key is set.
   */
  private haproxyAnswer(host: string, path: string): SandboxResponse | undefined {
    const proxy = this.estate.haproxy;
    if (!proxy || this.haproxyIgnoresKey || !proxy.fronts.some((f) => f.toLowerCase() === host)) return undefined;
    if (!this.kv.has(this.estate.maintenanceKey)) return undefined;
    const headers = { 'Retry-After': String(proxy.retryAfterSeconds), 'Cache-Control': 'no-store' };
    if (path.toLowerCase().startsWith(proxy.apiPathPrefix.toLowerCase())) return { status: 503, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Service Unavailable' };
    const message = (proxy.messageKey ? this.kv.get(proxy.messageKey)?.value : undefined) ?? 'Down for maintenance.';
    const escaped = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    return { status: 503, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' }, body: `<html><head><title>Maintenance</title></head><body><p>${escaped}</p></body></html>` };
  }

  addFault(spec: unknown): { id: string } & Record<string, unknown> {
    HaproxyFault.parse(spec);
    this.haproxyIgnoresKey = true;
    return { id: 'haproxy-ignore-key', kind: 'haproxy', fault: 'ignore-key' };
  }

  removeFault(id: string): boolean {
    if (id !== 'haproxy-ignore-key' || !this.haproxyIgnoresKey) return false;
    this.haproxyIgnoresKey = false;
    return true;
  }

  clearFaults(): void {
    this.haproxyIgnoresKey = false;
  }

  listFaults(): unknown[] {
    return this.haproxyIgnoresKey ? [{ id: 'haproxy-ignore-key', kind: 'haproxy', fault: 'ignore-key' }] : [];
  }

  register(router: Router): void {
    router.route('GET', '/v1/kv/*', this.acl('key', 'read', (req) => this.inDc(req, () => this.kvGet(req))));
    router.route('PUT', '/v1/kv/*', this.acl('key', 'write', (req) => this.inDc(req, () => this.kvPut(req))));
    router.route('DELETE', '/v1/kv/*', this.acl('key', 'write', (req) => this.inDc(req, () => this.kvDelete(req))));
    router.route('GET', '/v1/catalog/nodes', this.acl('node', 'read', () => this.json(this.estate.nodes.map((n) => this.nodeJson(n.name)))));
    router.route('GET', '/v1/catalog/services', this.acl('service', 'read', () => this.json(this.catalogServices())));
    router.route('GET', '/v1/catalog/service/:service', this.acl('service', 'read', (req) => this.json(this.catalogService(req.params['service'] ?? ''))));
    router.route('GET', '/v1/health/node/:node', this.acl('node', 'read', (req) => this.withNode(req.params['node'], (n) => this.json(this.checks(n.name)))));
    router.route('GET', '/v1/health/service/:service', this.acl('service', 'read', (req) => this.json(this.healthService(req))));
    router.route('GET', '/v1/health/state/:state', this.acl('node', 'read', (req) => this.json(this.healthState(req.params['state'] ?? ''))));
    router.route('GET', '/v1/status/leader', () => this.json(`${this.serverAddress()}:8300`));

    const agent = '/v1/agent';
    router.route('GET', `${agent}/self`, this.acl('node', 'read', (req) => this.withAgent(req, (n) => this.json(this.agentSelf(n.name)))));
    router.route('GET', `${agent}/checks`, this.acl('node', 'read', (req) => this.withAgent(req, (n) => this.json(Object.fromEntries(this.checks(n.name).map((c) => [c.CheckID, c]))))));
    router.route('GET', `${agent}/services`, this.acl('service', 'read', (req) => this.withAgent(req, (n) => this.json(this.agentServices(n.name)))));
    router.route('PUT', `${agent}/maintenance`, this.acl('node', 'write', (req) => this.withAgent(req, (n) => this.nodeMaintenance(req, n))));
    router.route('PUT', `${agent}/service/maintenance/:serviceId`, this.acl('service', 'write', (req) => this.withAgent(req, (n) => this.serviceMaintenance(req, n))));
  }

  snapshot(): ConsulSnapshot {
    return {
      datacenter: this.estate.datacenter,
      maintenanceKey: this.estate.maintenanceKey,
      maintenanceValue: this.kv.get(this.estate.maintenanceKey)?.value ?? null,
      tokens: this.estate.tokens.map((t) => t.name),
      kv: [...this.kv.values()].map((e) => ({ key: e.key, value: e.value, modifyIndex: e.modifyIndex })),
      nodes: this.nodes.map((n) => {
        const def = this.estate.nodes.find((d) => d.name === n.name);
        return {
          ...structuredClone(n),
          role: def?.role ?? 'unknown',
          address: def?.address ?? '',
          checks: this.checks(n.name).map((c) => ({ id: c.CheckID, status: c.Status, notes: c.Notes })),
        };
      }),
      events: [...this.events],
    };
  }

  save(): ConsulSaved {
    return { kv: [...this.kv.values()], nodes: this.nodes, index: this.index, events: this.events, haproxyIgnoresKey: this.haproxyIgnoresKey };
  }

  load(saved: unknown): void {
    const s = ConsulSaved.parse(saved);
    this.kv = new Map(s.kv.map((e) => [e.key, e]));
    this.nodes = s.nodes;
    this.index = s.index;
    this.events = s.events;
    this.haproxyIgnoresKey = s.haproxyIgnoresKey;
  }

  private nowIso(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }

  private event(action: string, target: string, node?: string): void {
    this.events.push({ seq: this.events.length + 1, at: this.nowIso(), ...(node ? { node } : {}), action, target });
  }

  private json(body: unknown): SandboxResponse {
    return { status: 200, headers: { 'X-Consul-Index': String(this.index), 'X-Consul-KnownLeader': 'true' }, body: body === null ? 'null' : body };
  }

  private serverAddress(): string {
    return this.estate.nodes.find((n) => n.role === 'server')?.address ?? '127.0.0.1';
  }

  /** ACL check: `X-Consul-Token` (or `Authorization: Bearer`); no token means the anonymous token, which may do nothing. */
  private acl(resource: Resource, access: Access, handler: (req: SandboxRequest) => SandboxResponse): RouteHandler {
    return (req) => {
      const header = req.headers['x-consul-token'];
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const secret = (Array.isArray(header) ? header[0] : header) ?? bearer ?? req.query.get('token') ?? undefined;
      let token: ConsulToken | undefined;
      if (secret) {
        token = this.estate.tokens.find((t) => t.secretId === secret);
        if (!token) return text(403, 'ACL not found');
      }
      const target = resource === 'key' ? (req.params['*'] ?? '') : resource === 'node' ? (req.params['node'] ?? this.agentNode(req)?.name ?? '') : (req.params['serviceId'] ?? req.params['service'] ?? '');
      const level = token ? token[resource] : 'deny';
      const prefixOk = resource !== 'key' || !token || target.startsWith(token.keyPrefix);
      const allowed = prefixOk && (level === 'write' || (level === 'read' && access === 'read'));
      if (!allowed) {
        return text(403, `Permission denied: token with AccessorID '${token?.accessorId ?? ANONYMOUS_ACCESSOR}' lacks permission '${resource}:${access}' on "${target}"`);
      }
      return handler(req);
    };
  }

  /**
   * The node whose agent a request reached, from its Host header: the node's name (or the first
   * label of a name under it) or its address; the listener's own address is the server's agent.
   */
  private agentNode(req: SandboxRequest): NodeState | undefined {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
    const def =
      host === '127.0.0.1' || host === 'localhost' || host === '::1'
        ? this.estate.nodes.find((n) => n.role === 'server')
        : this.estate.nodes.find((n) => n.name.toLowerCase() === host || n.name.toLowerCase() === host.split('.')[0] || n.address === host);
    return def ? this.nodes.find((n) => n.name === def.name) : undefined;
  }

  /** Runs `fn` on the agent the request reached; at a host that is no node's nothing answers. */
  private withAgent(req: SandboxRequest, fn: (n: NodeState) => SandboxResponse): SandboxResponse {
    const node = this.agentNode(req);
    return node ? fn(node) : { status: 0 };
  }

  private withNode(name: string | undefined, fn: (n: NodeState) => SandboxResponse): SandboxResponse {
    const node = this.nodes.find((n) => n.name.toLowerCase() === (name ?? '').toLowerCase());
    // An agent that does not exist cannot answer; Consul's catalog says "Unknown node".
    return node ? fn(node) : text(404, `Unknown node: "${name ?? ''}"`);
  }

  /**
   * `?dc=`: a KV call for another datacenter is forwarded over the WAN; this estate is one
   * datacenter, so any other name answers as Consul does when it knows no route there.
   */
  private inDc(req: SandboxRequest, fn: () => SandboxResponse): SandboxResponse {
    const dc = req.query.get('dc');
    return dc && dc !== this.estate.datacenter ? text(500, 'No path to datacenter') : fn();
  }

  private kvJson(e: KvEntry) {
    return { LockIndex: 0, Key: e.key, Flags: e.flags, Value: Buffer.from(e.value, 'utf8').toString('base64'), CreateIndex: e.createIndex, ModifyIndex: e.modifyIndex };
  }

  private kvGet(req: SandboxRequest): SandboxResponse {
    const key = req.params['*'] ?? '';
    if (req.query.has('keys')) {
      const sep = req.query.get('separator');
      const keys = [...this.kv.keys()]
        .filter((k) => k.startsWith(key))
        .map((k) => {
          if (!sep) return k;
          const rest = k.slice(key.length);
          const i = rest.indexOf(sep);
          return i < 0 ? k : key + rest.slice(0, i + sep.length);
        });
      const unique = [...new Set(keys)].sort();
      return unique.length ? this.json(unique) : { status: 404, headers: { 'X-Consul-Index': String(this.index) } };
    }
    if (req.query.has('recurse')) {
      const entries = [...this.kv.values()].filter((e) => e.key.startsWith(key)).sort((a, b) => a.key.localeCompare(b.key));
      return entries.length ? this.json(entries.map((e) => this.kvJson(e))) : { status: 404, headers: { 'X-Consul-Index': String(this.index) } };
    }
    const entry = this.kv.get(key);
    if (!entry) return { status: 404, headers: { 'X-Consul-Index': String(this.index) } };
    if (req.query.has('raw')) return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Consul-Index': String(this.index) }, body: Buffer.from(entry.value, 'utf8') };
    return this.json([this.kvJson(entry)]);
  }

  private kvPut(req: SandboxRequest): SandboxResponse {
    const key = req.params['*'] ?? '';
    if (!key) return text(400, 'Missing key name');
    const existing = this.kv.get(key);
    const cas = req.query.get('cas');
    if (cas !== null) {
      const want = Number(cas);
      if ((want === 0 && existing) || (want !== 0 && existing?.modifyIndex !== want)) return this.json(false);
    }
    const flags = Number(req.query.get('flags') ?? existing?.flags ?? 0);
    this.index += 1;
    this.kv.set(key, { key, value: req.rawBody.toString('utf8'), flags, createIndex: existing?.createIndex ?? this.index, modifyIndex: this.index });
    this.event('kv-put', `${key}=${req.rawBody.toString('utf8')}`);
    return this.json(true);
  }

  private kvDelete(req: SandboxRequest): SandboxResponse {
    const key = req.params['*'] ?? '';
    const keys = req.query.has('recurse') ? [...this.kv.keys()].filter((k) => k.startsWith(key)) : [key];
    let removed = false;
    for (const k of keys) removed = this.kv.delete(k) || removed;
    if (removed) {
      this.index += 1;
      this.event('kv-delete', key);
    }
    return this.json(true);
  }

  private nodeJson(name: string) {
    const def = this.estate.nodes.find((n) => n.name === name);
    return {
      ID: createHash('md5').update(`node:${name}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      Node: name,
      Address: def?.address ?? '',
      Datacenter: this.estate.datacenter,
      TaggedAddresses: { lan: def?.address ?? '', wan: def?.address ?? '' },
      Meta: { role: def?.role ?? '', 'consul-network-segment': '' },
      CreateIndex: 10,
      ModifyIndex: 10,
    };
  }

  /** The node's checks: serfHealth, the maintenance checks when set, and each registered service's check. */
  private checks(nodeName: string): ConsulCheck[] {
    const node = this.nodes.find((n) => n.name === nodeName);
    const def = this.estate.nodes.find((n) => n.name === nodeName);
    if (!node || !def) return [];
    const base = { Node: nodeName, CreateIndex: 10, ModifyIndex: this.index };
    const out: ConsulCheck[] = [
      { ...base, CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Notes: '', Output: 'Agent alive and reachable', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '' },
    ];
    if (node.maintenance) {
      out.push({ ...base, CheckID: NODE_MAINT_CHECK, Name: 'Node Maintenance Mode', Status: 'critical', Notes: node.maintenance.reason, Output: '', ServiceID: '', ServiceName: '', ServiceTags: [], Type: 'maintenance' });
    }
    for (const s of def.services) {
      const maint = node.serviceMaintenance[s.id];
      if (maint) {
        out.push({ ...base, CheckID: `${SERVICE_MAINT_PREFIX}${s.id}`, Name: 'Service Maintenance Mode', Status: 'critical', Notes: maint.reason, Output: '', ServiceID: s.id, ServiceName: s.name, ServiceTags: s.tags, Type: 'maintenance' });
      }
      const win = s.windowsService ? this.windowsServiceStatus(nodeName, s.windowsService) : undefined;
      const down = win !== undefined && win !== 'Running';
      out.push({
        ...base,
        CheckID: `service:${s.id}`,
        Name: `Service '${s.name}' check`,
        Status: down ? 'critical' : 'passing',
        Notes: '',
        Output: down ? `Windows service ${s.windowsService ?? ''} is ${win ?? ''}` : 'HTTP GET /health: 200 OK',
        ServiceID: s.id,
        ServiceName: s.name,
        ServiceTags: s.tags,
        Type: down ? 'script' : 'http',
      });
    }
    return out;
  }

  private catalogServices(): Record<string, string[]> {
    const out: Record<string, string[]> = { consul: [] };
    for (const n of this.estate.nodes) for (const s of n.services) out[s.name] = [...new Set([...(out[s.name] ?? []), ...s.tags])];
    return out;
  }

  private serviceJson(s: ConsulEstate['nodes'][number]['services'][number]) {
    return { ID: s.id, Service: s.name, Tags: s.tags, Address: '', Port: s.port, Meta: {}, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false };
  }

  private catalogService(service: string) {
    return this.estate.nodes.flatMap((n) =>
      n.services
        .filter((s) => s.name === service)
        .map((s) => ({ ...this.nodeJson(n.name), ServiceID: s.id, ServiceName: s.name, ServiceTags: s.tags, ServicePort: s.port, ServiceAddress: '', ServiceMeta: {} })),
    );
  }

  private healthService(req: SandboxRequest) {
    const service = req.params['service'] ?? '';
    const passingOnly = req.query.has('passing');
    return this.estate.nodes.flatMap((n) =>
      n.services
        .filter((s) => s.name === service)
        .map((s) => {
          const checks = this.checks(n.name).filter((c) => c.ServiceID === '' || c.ServiceID === s.id);
          return { Node: this.nodeJson(n.name), Service: this.serviceJson(s), Checks: checks };
        })
        .filter((entry) => !passingOnly || entry.Checks.every((c) => c.Status === 'passing')),
    );
  }

  private healthState(state: string): ConsulCheck[] {
    const all = this.nodes.flatMap((n) => this.checks(n.name));
    return state === 'any' ? all : all.filter((c) => c.Status === state);
  }

  private agentSelf(name: string) {
    const def = this.estate.nodes.find((n) => n.name === name);
    return {
      Config: { Datacenter: this.estate.datacenter, NodeName: name, NodeID: this.nodeJson(name).ID, Server: def?.role === 'server', Version: '1.19.2' },
      Member: { Name: name, Addr: def?.address ?? '', Port: 8301, Status: 1 },
      Meta: { role: def?.role ?? '' },
    };
  }

  private agentServices(name: string) {
    const def = this.estate.nodes.find((n) => n.name === name);
    return Object.fromEntries((def?.services ?? []).map((s) => [s.id, { ...this.serviceJson(s), Datacenter: this.estate.datacenter }]));
  }

  /** `PUT /v1/agent/maintenance?enable=true&reason=...` on that node's agent (what `consul maint` does). */
  private nodeMaintenance(req: SandboxRequest, node: NodeState): SandboxResponse {
    const enable = req.query.get('enable');
    if (enable !== 'true' && enable !== 'false') return text(400, 'Missing value for enable');
    if (enable === 'true') {
      if (!node.maintenance) this.index += 1;
      node.maintenance = { reason: req.query.get('reason') || DEFAULT_MAINT_REASON, since: this.nowIso() };
      this.event('maintenance-enable', node.name, node.name);
    } else {
      if (node.maintenance) this.index += 1;
      node.maintenance = null;
      this.event('maintenance-disable', node.name, node.name);
    }
    return { status: 200 };
  }

  private serviceMaintenance(req: SandboxRequest, node: NodeState): SandboxResponse {
    const id = req.params['serviceId'] ?? '';
    const def = this.estate.nodes.find((n) => n.name === node.name);
    if (!def?.services.some((s) => s.id === id)) return text(404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    const enable = req.query.get('enable');
    if (enable !== 'true' && enable !== 'false') return text(400, 'Missing value for enable');
    this.index += 1;
    if (enable === 'true') node.serviceMaintenance[id] = { reason: req.query.get('reason') || DEFAULT_MAINT_REASON, since: this.nowIso() };
    else delete node.serviceMaintenance[id];
    this.event(enable === 'true' ? 'service-maintenance-enable' : 'service-maintenance-disable', id, node.name);
    return { status: 200 };
  }

  /** The Windows service's status on the machine's Azure VM; undefined when the estate has no such VM or service. */
  private windowsServiceStatus(node: string, service: string): string | undefined {
    const vm = this.azure?.vm(node);
    if (!vm) return undefined;
    const name = Object.keys(vm.services).find((k) => k.toLowerCase() === service.toLowerCase());
    return name ? vm.services[name] : undefined;
  }
}

/** Factory registered in sandbox/services.ts. */
export const createConsulService: ServiceFactory = (ctx) => new ConsulService(ctx);
