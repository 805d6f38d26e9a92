/**
 * The host's HTTP front door: HTTP triggers under the route prefix, the Durable
 * management API, the virtual clock and a few Core Tools admin routes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from '../clock';
import type { FunctionRegistry, RegisteredFunction } from '../core/functionsCore';
import { errorMessage, invokeFunction } from '../core/invoke';
import { expandAppSettings } from '../core/settings';
import { WEBHOOK_PREFIX, durableClientData, handleManagementRequest } from '../durable/managementApi';
import { CLOCK_ADMIN_PREFIX, handleClockAdmin } from './clockAdmin';
import type { TaskHub } from '../durable/taskHub';
import type { HostLogger } from '../log';
import { type AuthLevel, type FunctionKeys, checkAuthorization } from './keys';
import { type CompiledRoute, compileRoute, matchRoute, sortRoutes } from './routes';

/** Options for {@link HttpHost}. */
export interface HttpHostOptions {
  registry: FunctionRegistry;
  hub: TaskHub;
  clock: VirtualClock;
  logger: HostLogger;
  /** host.json extensions.http.routePrefix (default "api"). */
  routePrefix: string;
  /** Keys for authLevel function/system/admin routes (local.settings.json `Keys`). */
  keys: FunctionKeys;
  /** Invoke a non-HTTP function by name (`POST /admin/functions/{name}`). */
  invokeByName?: (name: string, input: unknown) => Promise<void>;
}

interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: string[];
  authLevel: AuthLevel;
}

/** Serves HTTP triggers and host endpoints on one port. */
export class HttpHost {
  private readonly server: http.Server;
  private readonly routes: HttpRoute[];
  private origin = '';
  /** The durableClient binding's data per request origin (the same string for every request from it). */
  private readonly clientData = new Map<string, string>();

  constructor(private readonly options: HttpHostOptions) {
    this.routes = sortRoutes(
      options.registry.byTrigger('httpTrigger').map((fn) => {
        const t = fn.trigger;
        const template = expandAppSettings(typeof t.route === 'string' && t.route !== '' ? t.route : fn.name, process.env, `function ${fn.name} route`);
        const methods = Array.isArray(t.methods) && t.methods.length > 0 ? (t.methods as string[]).map((m) => m.toUpperCase()) : ['GET', 'POST'];
        const level = String(t.authLevel ?? 'anonymous').toLowerCase();
        const authLevel: AuthLevel = level === 'function' || level === 'admin' || level === 'system' ? level : 'anonymous';
        return { fn, route: compileRoute(template, { routePrefix: options.routePrefix }), methods, authLevel };
      }),
      (r) => r.route,
    );
    this.server = http.createServer((req, res) => {
      // Clock admin requests are not work: a participant's long-poll must not hold the clock itself.
      const untracked = (req.url ?? '').startsWith(CLOCK_ADMIN_PREFIX);
      const handled = this.handle(req, res);
      void (untracked ? handled : options.hub.track(handled)).catch((err: unknown) => {
        options.logger.log({ level: 'error', msg: 'request failed in the host', url: req.url, error: errorMessage(err) });
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ Message: 'The local host failed to process the request.' }));
      });
    });
    // Idle kept-alive connections are left to the client to close (undici after 4 s): a server-side
    // idle close races a client reusing the socket, and the request is lost for a real-time reason.
    this.server.keepAliveTimeout = 0;
  }

  /** The routes served, for the startup banner. */
  describeRoutes(): { name: string; methods: string[]; template: string; authLevel: string }[] {
    return this.routes.map((r) => ({ name: r.fn.name, methods: r.methods, template: r.route.template, authLevel: r.authLevel }));
  }

  /** Listen; resolves with the base URL (`http://127.0.0.1:7071`). */
  listen(port: number, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const addr = this.server.address() as AddressInfo;
        this.origin = `http://${host}:${addr.port}`;
        resolve(this.origin);
      });
    });
  }

  /** Stop accepting connections and close idle ones. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin || 'http://127.0.0.1');
    const body = await readBody(req);
    const origin = `http://${req.headers.host ?? new URL(this.origin).host}`;
    const path = url.pathname;

    if (path === CLOCK_ADMIN_PREFIX || path.startsWith(`${CLOCK_ADMIN_PREFIX}/`)) {
      const text = body.toString('utf8');
      let parsed: unknown;
      if (text.trim()) {
        try {
          parsed = JSON.parse(text);
        } catch {
          return sendJson(res, 400, { error: 'body: not valid JSON' });
        }
      }
      const out = await handleClockAdmin(this.options, { method: req.method ?? 'GET', path, query: url.searchParams, headers: req.headers, body: parsed });
      if (out.body === undefined) {
        res.writeHead(out.status).end();
        return;
      }
      return sendJson(res, out.status, out.body);
    }
    if (path === '/admin/host/status' && req.method === 'GET') return sendJson(res, 200, { state: 'Running', version: 'devhost', processUptime: Math.round(process.uptime() * 1000) });
    if (path === '/admin/devhost/progress' && req.method === 'GET') return sendJson(res, 200, this.options.hub.progress());
    const adminFn = /^\/admin\/functions\/([^/]+)$/.exec(path);
    if (adminFn?.[1] && req.method === 'POST' && this.options.invokeByName) {
      const parsed = parseJson(body) as { input?: unknown } | undefined;
      await this.options.invokeByName(decodeURIComponent(adminFn[1]), parsed?.input);
      res.writeHead(202).end();
      return;
    }
    if (path === WEBHOOK_PREFIX || path.startsWith(`${WEBHOOK_PREFIX}/`)) {
      const result = await handleManagementRequest(this.options.hub, {
        method: req.method ?? 'GET',
        path: path.slice(WEBHOOK_PREFIX.length + 1),
        query: url.searchParams,
        headers: req.headers,
        body,
        origin,
        url: `${origin}${url.pathname}${url.search}`,
      });
      res.writeHead(result.status, { ...(result.body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }), ...result.headers });
      res.end(result.body === undefined ? undefined : JSON.stringify(result.body));
      return;
    }
    await this.handleTrigger(req, res, url, body, origin);
  }

  private async handleTrigger(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer, origin: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { route: HttpRoute; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      const params = matchRoute(route.route, url.pathname);
      if (params && route.methods.includes(method)) {
        matched = { route, params };
        break;
      }
    }
    if (!matched) {
      res.writeHead(404).end();
      return;
    }
    const { route, params } = matched;
    if (route.authLevel !== 'anonymous') {
      const auth = checkAuthorization(route.authLevel, { query: url.searchParams, headers: req.headers }, this.options.keys, route.fn.name);
      if (!auth.authorized) {
        this.options.logger.log({ level: 'warn', msg: 'unauthorized', function: route.fn.name, reason: auth.reason });
        res.writeHead(401).end();
        return;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const httpData = {
      http: {
        method,
        url: `${origin}${url.pathname}${url.search}`,
        headers,
        query,
        params: { ...params },
        body: method === 'GET' || method === 'HEAD' ? undefined : { bytes: new Uint8Array(body) },
      },
    };
    const extraInputs: Record<string, { string: string }> = {};
    for (const [name, binding] of Object.entries(route.fn.metadata.bindings)) {
      if (binding.direction === 'in' && (binding.type === 'durableClient' || binding.type === 'orchestrationClient')) {
        let data = this.clientData.get(origin);
        if (data === undefined) {
          data = JSON.stringify(durableClientData(origin, this.options.hub.name));
          // Bounded: a flood of Host headers must not grow it.
          if (this.clientData.size < 16) this.clientData.set(origin, data);
        }
        extraInputs[name] = { string: data };
      }
    }
    const started = performance.now();
    const bindingData = httpBindingData(params, query, headers, body);
    const result = await invokeFunction(this.options.registry, route.fn, httpData, { extraInputs, bindingData, log: userLog(this.options.logger, route.fn.name) });
    this.options.logger.invocation({
      function: route.fn.name,
      kind: 'http',
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      outcome: result.error === undefined ? 'succeeded' : 'failed',
      error: result.error === undefined ? undefined : errorMessage(result.error),
      invocationId: result.invocationId,
    });
    if (result.error !== undefined) {
      res.writeHead(500).end();
      return;
    }
    const out = result.returnValue?.http as
      | { statusCode?: string; headers?: Record<string, string>; cookies?: { name: string; value: string }[]; body?: { bytes?: Uint8Array; string?: string } }
      | undefined;
    if (!out) {
      res.writeHead(204).end();
      return;
    }
    const status = Number(out.statusCode ?? '200') || 200;
    const bytes = out.body?.bytes ? Buffer.from(out.body.bytes) : out.body?.string !== undefined ? Buffer.from(out.body.string) : Buffer.alloc(0);
    const responseHeaders: Record<string, string | string[]> = { ...(out.headers ?? {}) };
    if (out.cookies && out.cookies.length > 0) responseHeaders['set-cookie'] = out.cookies.map((c) => `${c.name}=${c.value}`);
    res.writeHead(status, responseHeaders);
    res.end(bytes);
  }
}

function userLog(logger: HostLogger, functionName: string): (level: string, category: string, message: string) => void {
  return (level, category, message) => {
    if (category !== 'user' && level !== 'warning' && level !== 'error') return;
    logger.log({ level: level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'info', msg: message, function: functionName, category });
  };
}

/**
 * What an HTTP trigger offers to binding expressions (HttpTriggerAttributeBindingProvider
 * .GetRequestBindingDataAsync in Azure/azure-webjobs-sdk-extensions): a JSON body's
 * top-level properties, then query parameters (except `code`), then route values, and
 * `$request` with headers, query, path and body.
 */
function httpBindingData(params: Record<string, string>, query: Record<string, string>, headers: Record<string, string>, body: Buffer): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const json = parseJson(body);
  if (json && typeof json === 'object' && !Array.isArray(json)) Object.assign(data, json);
  const boundQuery: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (k.toLowerCase() !== 'code') boundQuery[k] = v;
  Object.assign(data, boundQuery, params);
  data.$request = { headers, query: boundQuery, path: { ...params }, ...(json === undefined ? {} : { body: json }) };
  return data;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
