import { z } from 'zod';
import type { RouteHandler, Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from '../core/types';

/** The `pingdom:` section of the estate YAML. */
export const PingdomEstate = z
  .object({
    /** API tokens (Bearer) the API accepts; read-only tokens cannot create or change windows. */
    tokens: z.array(z.object({ name: z.string().min(1), value: z.string().min(8), readOnly: z.boolean().default(false) }).strict()).min(1),
    checks: z
      .array(
        z
          .object({
            id: z.number().int().positive(),
            name: z.string().min(1),
            hostname: z.string().min(1),
            type: z.enum(['http', 'httpcustom', 'tcp', 'ping', 'dns']).default('http'),
            resolution: z.number().int().positive().default(1),
            tags: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type PingdomEstate = z.infer<typeof PingdomEstate>;

/** A maintenance window as stored and as the API returns it (epoch seconds). */
export const MaintenanceWindow = z.object({
  id: z.number(),
  description: z.string(),
  from: z.number(),
  to: z.number(),
  recurrencetype: z.enum(['none', 'day', 'week', 'month']),
  repeatevery: z.number(),
  effectiveto: z.number(),
  checks: z.object({ uptime: z.array(z.number()), tms: z.array(z.number()) }),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

const PingdomSaved = z.object({ windows: z.array(MaintenanceWindow), nextId: z.number() });

/** Pingdom's error envelope. */
export function pingdomError(statuscode: number, statusdesc: string, errormessage: string): SandboxResponse {
  return { status: statuscode, body: { error: { statuscode, statusdesc, errormessage } } };
}

/** Body fields arrive as JSON values or as form strings; both are accepted, as Pingdom does. */
const WindowInput = z.object({
  description: z.string().min(1, 'description is required'),
  from: z.coerce.number().int().positive('from must be a UNIX timestamp'),
  to: z.coerce.number().int().positive('to must be a UNIX timestamp'),
  recurrencetype: z.enum(['none', 'day', 'week', 'month']).default('none'),
  repeatevery: z.coerce.number().int().min(0).default(0),
  effectiveto: z.coerce.number().int().positive().optional(),
  uptimeids: z.union([z.string(), z.array(z.number())]).optional(),
  tmsids: z.union([z.string(), z.array(z.number())]).optional(),
});

function ids(v: string | number[] | undefined): number[] | 'invalid' {
  if (v === undefined || v === '') return [];
  const list = Array.isArray(v) ? v : v.split(',').map((s) => Number(s.trim()));
  return list.every((n) => Number.isInteger(n) && n > 0) ? list : 'invalid';
}

/** The state /_sandbox/state shows under `pingdom`. */
export interface PingdomSnapshot {
  tokens: string[];
  checks: { id: number; name: string; hostname: string; inMaintenance: boolean }[];
  maintenance: (MaintenanceWindow & { active: boolean })[];
}

/**
 * The simulated Pingdom API 3.1: maintenance windows (create/list/get/update/delete) and checks,
 * bearer tokens, and `inMaintenance` per check computed on the virtual clock.
 */
export class PingdomService implements SandboxService {
  readonly name = 'pingdom';
  private readonly estate: PingdomEstate;
  private windows: MaintenanceWindow[] = [];
  private nextId = 870001;

  constructor(private readonly ctx: ServiceContext) {
    this.estate = PingdomEstate.parse(ctx.estate['pingdom']);
  }

  register(router: Router): void {
    const p = '/api/3.1';
    router.route('GET', `${p}/checks`, this.guard(false, () => this.listChecks()));
    router.route('GET', `${p}/maintenance`, this.guard(false, (req) => this.list(req)));
    router.route('POST', `${p}/maintenance`, this.guard(true, (req) => this.create(req)));
    router.route('GET', `${p}/maintenance/:id`, this.guard(false, (req) => this.withWindow(req, (w) => ({ status: 200, body: { maintenance: w } }))));
    router.route('PUT', `${p}/maintenance/:id`, this.guard(true, (req) => this.withWindow(req, (w) => this.update(req, w))));
    router.route('DELETE', `${p}/maintenance/:id`, this.guard(true, (req) => this.withWindow(req, (w) => this.remove(w))));
  }

  snapshot(): PingdomSnapshot {
    const nowS = Math.floor(this.ctx.clock.now() / 1000);
    const active = (w: MaintenanceWindow) => this.isActive(w, nowS);
    return {
      tokens: this.estate.tokens.map((t) => t.name),
      checks: this.estate.checks.map((c) => ({
        id: c.id,
        name: c.name,
        hostname: c.hostname,
        inMaintenance: this.windows.some((w) => active(w) && w.checks.uptime.includes(c.id)),
      })),
      maintenance: this.windows.map((w) => ({ ...w, active: active(w) })),
    };
  }

  save(): unknown {
    return { windows: this.windows, nextId: this.nextId };
  }

  load(saved: unknown): void {
    const s = PingdomSaved.parse(saved);
    this.windows = s.windows;
    this.nextId = s.nextId;
  }

  /** Whether a window covers `nowS`, including daily/weekly/monthly repeats until `effectiveto`. */
  private isActive(w: MaintenanceWindow, nowS: number): boolean {
    if (w.recurrencetype === 'none') return nowS >= w.from && nowS < w.to;
    if (nowS > w.effectiveto || nowS < w.from) return false;
    const step = (w.recurrencetype === 'day' ? 86400 : w.recurrencetype === 'week' ? 7 * 86400 : 30 * 86400) * Math.max(1, w.repeatevery);
    const offset = (nowS - w.from) % step;
    return offset < w.to - w.from;
  }

  private guard(write: boolean, handler: (req: SandboxRequest) => SandboxResponse): RouteHandler {
    return (req) => {
      const header = req.headers.authorization ?? '';
      if (!/^Bearer\s+/i.test(header)) return pingdomError(401, 'Unauthorized', 'Missing or invalid authentication header');
      const token = this.estate.tokens.find((t) => t.value === header.replace(/^Bearer\s+/i, '').trim());
      if (!token) return pingdomError(401, 'Unauthorized', 'Invalid token');
      if (write && token.readOnly) return pingdomError(403, 'Forbidden', 'Token has read-only access');
      return handler(req);
    };
  }

  private listChecks(): SandboxResponse {
    const nowS = Math.floor(this.ctx.clock.now() / 1000);
    const checks = this.estate.checks.map((c) => {
      const paused = this.windows.some((w) => this.isActive(w, nowS) && w.checks.uptime.includes(c.id));
      return {
        id: c.id,
        created: 1577836800,
        name: c.name,
        hostname: c.hostname,
        resolution: c.resolution,
        type: c.type,
        lasttesttime: nowS - 30,
        lastresponsetime: 220,
        status: paused ? 'paused' : 'up',
        tags: c.tags.map((t) => ({ name: t, type: 'u', count: 1 })),
      };
    });
    return { status: 200, body: { checks, counts: { total: checks.length, limited: checks.length, filtered: checks.length } } };
  }

  private list(req: SandboxRequest): SandboxResponse {
    const limit = Number(req.query.get('limit') ?? '0');
    const offset = Number(req.query.get('offset') ?? '0');
    const sorted = [...this.windows];
    const page = limit > 0 ? sorted.slice(offset, offset + limit) : sorted.slice(offset);
    return { status: 200, body: { maintenance: page } };
  }

  private withWindow(req: SandboxRequest, fn: (w: MaintenanceWindow) => SandboxResponse): SandboxResponse {
    const id = Number(req.params['id']);
    const w = this.windows.find((x) => x.id === id);
    return w ? fn(w) : pingdomError(404, 'Not Found', `Maintenance window with id ${req.params['id'] ?? ''} not found`);
  }

  /** Validates a create/update body against the known checks; returns the window fields or an error. */
  private parse(req: SandboxRequest, current?: MaintenanceWindow): Omit<MaintenanceWindow, 'id'> | SandboxResponse {
    const raw = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const merged = current
      ? { description: current.description, from: current.from, to: current.to, recurrencetype: current.recurrencetype, repeatevery: current.repeatevery, ...raw }
      : raw;
    const parsed = WindowInput.safeParse(merged);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return pingdomError(400, 'Bad Request', `Invalid parameter value: ${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const d = parsed.data;
    if (d.to <= d.from) return pingdomError(400, 'Bad Request', 'Invalid parameter value: to must be after from');
    const uptime = d.uptimeids === undefined && current ? current.checks.uptime : ids(d.uptimeids);
    const tms = d.tmsids === undefined && current ? current.checks.tms : ids(d.tmsids);
    if (uptime === 'invalid' || tms === 'invalid') return pingdomError(400, 'Bad Request', 'Invalid parameter value: uptimeids/tmsids must be comma-separated check ids');
    const unknown = uptime.filter((id) => !this.estate.checks.some((c) => c.id === id));
    if (unknown.length > 0) return pingdomError(400, 'Bad Request', `Invalid parameter value: unknown check id(s) ${unknown.join(',')}`);
    return {
      description: d.description,
      from: d.from,
      to: d.to,
      recurrencetype: d.recurrencetype,
      repeatevery: d.repeatevery,
      effectiveto: d.effectiveto ?? d.to,
      checks: { uptime, tms },
    };
  }

  private create(req: SandboxRequest): SandboxResponse {
    const fields = this.parse(req);
    if ('status' in fields) return fields;
    const w: MaintenanceWindow = { id: this.nextId++, ...fields };
    this.windows.push(w);
    return { status: 200, body: { maintenance: { id: w.id } } };
  }

  private update(req: SandboxRequest, current: MaintenanceWindow): SandboxResponse {
    const fields = this.parse(req, current);
    if ('status' in fields) return fields;
    Object.assign(current, fields);
    return { status: 200, body: { message: 'Maintenance window successfully modified!' } };
  }

  private remove(w: MaintenanceWindow): SandboxResponse {
    this.windows = this.windows.filter((x) => x.id !== w.id);
    return { status: 200, body: { message: 'Maintenance window successfully deleted!' } };
  }
}

/** Factory registered in sandbox/services.ts. */
export const createPingdomService: ServiceFactory = (ctx) => new PingdomService(ctx);
