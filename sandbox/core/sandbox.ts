import https from 'https';
import type { IncomingMessage, ServerResponse } from 'http';
import type { AddressInfo, Socket } from 'net';
import os from 'os';
import path from 'path';
import { z } from 'zod';
import { defaultEstateFile, loadEstateFile, parseEstate, type EstateDocument } from '../estate/load';
import { serviceFactories } from '../services';
import { CallLog, redact, type CallFilter, type CallRecord } from './calls';
import { ContractBook, loadValidator, VALIDATOR_PACKAGE } from './contracts';
import { badRequest } from './control';
import { HttpClockFollower, systemClock } from './clock';
import { isControlTarget, isFaultTarget, type FaultTarget } from './extensions';
import { FaultTable, HttpFaultSpec, defaultFaultBody } from './faults';
import { createPersistence } from './persistence';
import { DEFAULT_BASE_PORT, LISTENERS, LISTENER_NAMES, isListenerName, type ListenerName } from './ports';
import { PathRouter } from './router';
import { ensureTls } from './tls';
import type { ClockSource, RouteHandler, Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from './types';

/** Options for {@link startSandbox}. */
export interface StartSandboxOptions {
  /** First port; listener N is on basePort + offset (see LISTENERS). 0 = ephemeral ports (no restart resume). Default 7440. */
  basePort?: number;
  /** Estate YAML path; defaults to sandbox/estate/default.yaml. Ignored when `estate` is given. */
  estateFile?: string;
  /** An already-parsed estate object (validated here). */
  estate?: Record<string, unknown>;
  /** Clock to follow; wins over `clockUrl`. Default: system clock. */
  clock?: ClockSource;
  /** devhost clock URL to poll (MW_CLOCK_URL), when no `clock` object is given. */
  clockUrl?: string;
  /** Where the CA, leaf and persisted state live; reused across restarts. Default: <tmp>/mw-sandbox. */
  stateDir?: string;
  /** Resume services from <stateDir>/state.json when present. Default true. */
  resume?: boolean;
  /** Service factories by name; default: every service in sandbox/services.ts. */
  services?: Record<string, ServiceFactory>;
  /** Seed for fault probabilities. Default 1. */
  faultSeed?: number;
  /**
   * Check every request and response against the vendors' specs (sandbox/specs) and record
   * violations in the call log: 'on' (fails to start without the validator), 'off', or 'auto'
   * (on when the validator package is installed). Default: MW_SANDBOX_CONTRACTS, else 'auto'.
   */
  contracts?: 'on' | 'off' | 'auto';
}

/** A running sandbox. */
export interface RunningSandbox {
  /** Base URL per listener, e.g. urls.arm = 'https://127.0.0.1:7441'. */
  urls: Record<ListenerName, string>;
  /** PEM of the CA that signed the listeners' certificate: trust it in clients. */
  caPem: string;
  /** Path of that PEM (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  stateDir: string;
  clock: ClockSource;
  /** Same JSON as GET /_sandbox/state. */
  state(): Record<string, unknown>;
  /** Same records as GET /_sandbox/calls. */
  calls(filter?: CallFilter): CallRecord[];
  /** Same as POST /_sandbox/reset: services rebuilt from the estate, calls and faults cleared. */
  reset(): Promise<void>;
  /** Writes <stateDir>/state.json now. */
  save(): Promise<void>;
  /** Saves state and closes every listener. */
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const CONTROL_PREFIX = '/_sandbox/';


function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  if (type.includes('json') || /^\s*[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Drops the connection with a TCP reset (RST), as a crashed proxy or a broken link does: the client
 * sees ECONNRESET. A TLS socket's own handle cannot reset, so the TCP socket under it does;
 * a plain destroy (FIN) where neither can.
 */
function resetConnection(res: ServerResponse): void {
  const socket = res.socket as (Socket & { _parent?: Socket }) | null;
  const tcp = socket?._parent ?? socket;
  try {
    tcp?.resetAndDestroy();
  } catch {
    tcp?.destroy();
  }
  socket?.destroy();
}

function send(res: ServerResponse, out: SandboxResponse): void {
  // Status 0: nothing answers (a host that does not resolve or refuses): the connection is dropped.
  if (out.status === 0) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  const lower = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  let payload: Buffer | undefined;
  if (out.body === undefined || out.status === 204 || out.status === 304) {
    payload = undefined;
  } else if (Buffer.isBuffer(out.body)) {
    payload = out.body;
    if (!lower.has('content-type')) headers['Content-Type'] = 'application/octet-stream';
  } else if (typeof out.body === 'string') {
    payload = Buffer.from(out.body, 'utf8');
    if (!lower.has('content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8';
  } else {
    payload = Buffer.from(JSON.stringify(out.body), 'utf8');
    if (!lower.has('content-type')) headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(out.status, headers);
  res.end(payload);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const CallsQuery = z
  .object({
    listener: z.string().min(1).optional(),
    method: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    since: z.coerce.number().int().nonnegative().optional(),
  })
  .strict();

const FaultsBody = z.union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())]);
const SeedBody = z.object({ seed: z.number().int() }).strict();

const ResetBody = z.object({ estateFile: z.string().min(1).optional() }).strict();

/**
 * Starts the simulated estate: one HTTPS listener per vendor on fixed ports, services built
 * from the estate, the /_sandbox control API on every listener, and persistence in stateDir.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  const stateDir = path.resolve(options.stateDir ?? path.join(os.tmpdir(), 'mw-sandbox'));
  const factories = options.services ?? serviceFactories;
  const tls = await ensureTls(stateDir);

  let follower: HttpClockFollower | undefined;
  let clock: ClockSource = options.clock ?? systemClock;
  if (!options.clock && options.clockUrl) {
    follower = new HttpClockFollower(options.clockUrl);
    await follower.start();
    clock = follower;
  }

  let estateFile = options.estateFile;
  const loadEstate = async (): Promise<EstateDocument> =>
    options.estate && !estateFile ? parseEstate(options.estate) : loadEstateFile(estateFile ?? defaultEstateFile());
  let estate = await loadEstate();

  const urls = {} as Record<ListenerName, string>;
  // Fixed ports are known before listening, so services may ask for URLs while being built.
  if (basePort !== 0) for (const name of LISTENER_NAMES) urls[name] = `https://127.0.0.1:${basePort + LISTENERS[name]}`;
  const calls = new CallLog();
  const contractMode = options.contracts ?? (process.env.MW_SANDBOX_CONTRACTS as 'on' | 'off' | 'auto' | undefined) ?? 'auto';
  let contracts: ContractBook | undefined;
  if (contractMode === 'on' || (contractMode === 'auto' && (await loadValidator()))) contracts = await ContractBook.load();
  else if (contractMode === 'auto') console.warn(`sandbox: vendor contracts are not checked: npm package ${VALIDATOR_PACKAGE} is not installed`);
  const faults = new FaultTable(options.faultSeed ?? 1);
  let ids: Record<string, number> = {};
  let services: SandboxService[] = [];
  let routers = new Map<string, PathRouter>();
  /** Control routes the services add (ControlTarget), rebuilt with them. */
  let serviceControl = new PathRouter();

  const ctx = (): ServiceContext => ({
    clock,
    estate,
    baseUrl: (name: string) => {
      if (!isListenerName(name)) throw new RangeError(`unknown listener '${name}'`);
      return urls[name];
    },
    newId: (prefix: string) => {
      const n = (ids[prefix] ?? 0) + 1;
      ids[prefix] = n;
      return `${prefix}-${n}`;
    },
  });

  const build = (): void => {
    ids = {};
    const context = ctx();
    services = Object.values(factories).map((factory) => factory(context));
    routers = new Map();
    for (const service of services) {
      if (!isListenerName(service.name)) throw new RangeError(`service '${service.name}' has no listener of that name`);
      let router = routers.get(service.name);
      if (!router) {
        router = new PathRouter();
        routers.set(service.name, router);
      }
      service.register(router);
    }
    serviceControl = new PathRouter();
    for (const service of services) {
      if (!isControlTarget(service)) continue;
      const prefix = `${CONTROL_PREFIX}${service.name}/`;
      const scoped: Router = {
        route: (method: string, pattern: string, handler: RouteHandler) => {
          if (!pattern.startsWith(prefix)) throw new RangeError(`control route '${pattern}' of service '${service.name}' must start with ${prefix}`);
          serviceControl.route(method, pattern, handler);
        },
      };
      service.registerControl(scoped);
    }
  };

  const persistence = createPersistence({
    stateDir,
    services: () => services,
    ids: () => ids,
    setIds: (saved) => (ids = saved),
    now: () => clock.now(),
    check: process.env.MW_SANDBOX_CHECK_PARTS === '1',
  });
  const save = (): Promise<void> => persistence.snapshot();

  // Saves are chained so two never interleave. A write waits for a save that starts after it
  // changed the state; writes arriving while one is queued share it (one save, not one each).
  // A save that fails fails the writes waiting for it: nothing is answered that was not saved.
  let saving: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const persisted = (): Promise<void> => {
    if (!queued) {
      const next = saving.then(() => {
        queued = undefined;
        return persistence.save();
      });
      saving = next.catch((e: unknown) => console.error('sandbox: could not save state:', e));
      queued = next;
    }
    return queued;
  };

  /** The answer once its change is saved, or a 500 saying the estate could not save it. */
  const savedThen = async (out: SandboxResponse): Promise<SandboxResponse> => {
    try {
      await persisted();
      return out;
    } catch (e) {
      return { status: 500, body: { error: { code: 'InternalServerError', message: `the simulated estate could not save its state: ${e instanceof Error ? e.message : String(e)}` } } };
    }
  };

  const restore = async (): Promise<void> => {
    // A fresh snapshot right away: the journal then starts from exactly what was loaded.
    if (await persistence.restore()) await save();
  };

  build();
  if (options.resume ?? true) await restore();

  const faultTargets = (): FaultTarget[] => services.filter((s): s is SandboxService & FaultTarget => isFaultTarget(s));

  const snapshot = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      sandbox: { now: new Date(clock.now()).toISOString(), nowMs: clock.now(), urls, faults: faults.list(), faultTargets: faultTargets().flatMap((s) => s.listFaults()) },
    };
    for (const s of services) {
      const snap = s.snapshot();
      const existing = out[s.name];
      // Two services on one listener merge their snapshots under the listener name.
      out[s.name] = existing && typeof existing === 'object' && snap && typeof snap === 'object' ? { ...existing, ...snap } : snap;
    }
    return out;
  };

  const reset = async (): Promise<void> => {
    estate = await loadEstate();
    calls.clear();
    faults.clear();
    for (const s of services) if (isFaultTarget(s)) s.clearFaults();
    build();
    await save();
  };

  const control = new PathRouter();
  control.route('GET', '/_sandbox/state', () => ({ status: 200, body: snapshot() }));
  control.route('GET', '/_sandbox/calls', (req) => {
    const q = CallsQuery.safeParse(Object.fromEntries(req.query));
    if (!q.success) return badRequest(q.error);
    return { status: 200, body: { value: calls.list(q.data) } };
  });
  control.route('DELETE', '/_sandbox/calls', () => {
    calls.clear();
    return { status: 204 };
  });
  control.route('GET', '/_sandbox/faults', () => ({ status: 200, body: { value: [...faults.list(), ...faultTargets().flatMap((s) => s.listFaults())] } }));
  control.route('POST', '/_sandbox/faults', (req) => {
    const parsed = FaultsBody.safeParse(req.body);
    if (!parsed.success) return badRequest(parsed.error);
    if (!Array.isArray(parsed.data) && 'seed' in parsed.data) {
      const seed = SeedBody.safeParse(parsed.data);
      if (!seed.success) return badRequest(seed.error);
      faults.reseed(seed.data.seed);
      return { status: 200, body: { seed: seed.data.seed } };
    }
    const specs = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const added: unknown[] = [];
    for (const [i, raw] of specs.entries()) {
      const prefix = Array.isArray(parsed.data) ? [i] : [];
      const kind = raw.kind;
      if (kind !== undefined && kind !== 'http') {
        const target = services.find((s) => isFaultTarget(s) && s.faultKinds.includes(String(kind)));
        if (!target || !isFaultTarget(target)) {
          return { status: 400, body: { error: { code: 'InvalidRequest', field: [...prefix, 'kind'].join('.'), message: `kind: unknown fault kind '${String(kind)}'` } } };
        }
        try {
          added.push(target.addFault(raw));
        } catch (e) {
          if (e instanceof z.ZodError) return badRequest(new z.ZodError(e.issues.map((iss) => ({ ...iss, path: [...prefix, ...iss.path] }))));
          throw e;
        }
        continue;
      }
      const { kind: _kind, ...rest } = raw;
      const spec = HttpFaultSpec.safeParse(rest);
      if (!spec.success) return badRequest(new z.ZodError(spec.error.issues.map((iss) => ({ ...iss, path: [...prefix, ...iss.path] }))));
      if (spec.data.listener !== '*' && !isListenerName(spec.data.listener)) {
        return { status: 400, body: { error: { code: 'InvalidRequest', field: [...prefix, 'listener'].join('.'), message: `listener: unknown listener '${spec.data.listener}'` } } };
      }
      added.push(faults.add(spec.data));
    }
    return { status: 201, body: { value: added } };
  });
  control.route('DELETE', '/_sandbox/faults', () => {
    faults.clear();
    for (const s of services) if (isFaultTarget(s)) s.clearFaults();
    return { status: 204 };
  });
  control.route('DELETE', '/_sandbox/faults/:id', (req) => {
    const id = req.params.id ?? '';
    const removed = faults.remove(id) || services.some((s) => isFaultTarget(s) && s.removeFault(id));
    return removed ? { status: 204 } : { status: 404, body: { error: { code: 'NotFound', message: `no fault ${id}` } } };
  });
  control.route('POST', '/_sandbox/reset', async (req) => {
    const parsed = ResetBody.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(parsed.error);
    if (parsed.data.estateFile) estateFile = parsed.data.estateFile;
    await reset();
    return { status: 200, body: snapshot() };
  });
  control.route('GET', '/_sandbox/health', () => ({ status: 200, body: { ok: true } }));

  const handle = async (listener: ListenerName, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (clock.sync) await clock.sync();
    const arrivedVirtual = clock.now();
    const arrivedReal = Date.now();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    const body = parseBody(rawBody, req.headers['content-type']);
    const base = { method, path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, body };

    if (url.pathname.startsWith(CONTROL_PREFIX) || (listener === 'control' && url.pathname === '/_sandbox')) {
      const core = control.match(method, url.pathname);
      const own = core ? undefined : serviceControl.match(method, url.pathname);
      const m = core ?? own;
      const out = m ? await m.handler({ ...base, params: m.params }) : { status: 404, body: { error: { code: 'NotFound', message: `no control route ${method} ${url.pathname}` } } };
      // A service's control route changes its state (e.g. a Slack click), so it is saved like a vendor call.
      send(res, own && method !== 'GET' && method !== 'HEAD' ? await savedThen(out) : out);
      return;
    }

    let out: SandboxResponse;
    let faultId: string | undefined;
    // 'after': the request is applied (and saved, and logged with the service's status), then its reply is lost.
    let resetAfter = false;
    const route = routers.get(listener)?.match(method, url.pathname);
    const decision = faults.decide(listener, method, url.pathname);
    if (decision?.fault.latencyMs) await sleep(decision.fault.latencyMs);
    if (decision && decision.fault.status !== undefined) {
      const f = decision.fault;
      faultId = f.id;
      out = {
        status: f.status as number,
        headers: { ...(f.headers ?? {}), ...(f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {}) },
        body: f.body !== undefined ? f.body : defaultFaultBody(listener, f.status as number),
      };
    } else if (decision?.fault.reset === 'before') {
      faultId = decision.fault.id;
      out = { status: 0 };
    } else if (route) {
      if (decision?.fault.reset === 'after') {
        faultId = decision.fault.id;
        resetAfter = true;
      }
      const sreq: SandboxRequest = { ...base, params: route.params };
      try {
        out = await route.handler(sreq);
      } catch (e) {
        console.error(`sandbox: ${listener} ${method} ${url.pathname} failed:`, e);
        out = { status: 500, body: { error: { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) } } };
      }
    } else {
      out = { status: 404, body: defaultFaultBody(listener, 404) };
    }

    let contract: ReturnType<ContractBook['check']> | undefined;
    try {
      contract = out.status === 0 ? undefined : contracts?.check(listener, { method, path: url.pathname, query: url.searchParams, headers: req.headers, body, rawBody, ...(route ? { route: route.pattern } : {}) }, faultId ? undefined : { status: out.status, headers: out.headers ?? {}, body: out.body });
    } catch (e) {
      // The checker never changes what the estate answers; its own failure is recorded like a violation.
      contract = { violations: [{ where: 'request', operation: `${method} ${url.pathname}`, field: 'contract', rule: `the validator failed: ${e instanceof Error ? e.message : String(e)}` }] };
    }
    calls.add({
      listener,
      method,
      path: url.pathname,
      ...(req.headers.host ? { host: req.headers.host } : {}),
      query: redact(Object.fromEntries(url.searchParams)) as Record<string, string>,
      ...(route ? { route: route.pattern } : {}),
      status: out.status,
      time: new Date(arrivedVirtual).toISOString(),
      realTime: new Date(arrivedReal).toISOString(),
      ...(faultId ? { faultId } : {}),
      ...(decision?.fault.reset && faultId ? { reset: decision.fault.reset } : {}),
      authorized: typeof req.headers.authorization === 'string',
      ...(body !== undefined ? { body: redact(body) } : {}),
      ...(contract?.operation ? { operation: contract.operation, spec: contract.spec } : {}),
      ...(contract && contract.violations.length > 0 ? { violations: contract.violations } : {}),
    });
    // Saved before the answer: a client told "done" finds it done after the estate is killed.
    if ((!faultId || resetAfter) && method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') out = await savedThen(out);
    if (resetAfter || (faultId && out.status === 0)) resetConnection(res);
    else send(res, out);
  };

  const servers: https.Server[] = [];
  const listen = (name: ListenerName): Promise<void> =>
    new Promise((resolve, reject) => {
      const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
        handle(name, req, res).catch((e: unknown) => {
          if (!res.headersSent) send(res, { status: 500, body: { error: { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) } } });
          else res.destroy();
        });
      });
      // The estate never closes an idle kept-alive connection; its clients close theirs (after 4 s,
      // shared/adapters/http/https.ts). A server's idle close races a client reusing the socket
      // ("socket hang up" on a request that never arrived), a real-time accident that would move
      // a rehearsal's virtual time by a retry (docs/virtual-clock.md).
      server.keepAliveTimeout = 0;
      server.once('error', reject);
      server.listen(basePort === 0 ? 0 : basePort + LISTENERS[name], '127.0.0.1', () => {
        const port = (server.address() as AddressInfo).port;
        urls[name] = `https://127.0.0.1:${port}`;
        servers.push(server);
        resolve();
      });
    });

  try {
    for (const name of LISTENER_NAMES) await listen(name);
  } catch (e) {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    follower?.stop();
    throw e;
  }

  return {
    urls,
    caPem: tls.caPem,
    caFile: tls.caFile,
    stateDir,
    clock,
    state: snapshot,
    calls: (filter) => calls.list(filter),
    reset,
    save: async () => {
      await saving;
      await save();
    },
    stop: async () => {
      await saving;
      await save();
      follower?.stop();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
