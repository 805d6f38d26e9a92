import { z } from 'zod';
import type { RouteHandler, Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from '../core/types';

/**
 * The `opsgenie:` section of the estate YAML: API keys, integrations and alert policies. Seed 002's
 * proxy alerts come through the "Proxy Monitoring" integration of the Jira Service Management
 * Operations (formerly Opsgenie) account.
 */
export const OpsgenieEstate = z
  .object({
    keys: z.array(z.object({ name: z.string().min(1), value: z.string().min(8), readOnly: z.boolean().default(false) }).strict()).min(1),
    integrations: z.array(z.object({ id: z.string().min(1), name: z.string().min(1), type: z.string().default('API') }).strict()).default([]),
    policies: z.array(z.object({ id: z.string().min(1), name: z.string().min(1) }).strict()).default([]),
  })
  .strict();
export type OpsgenieEstate = z.infer<typeof OpsgenieEstate>;

const Entity = z.object({ id: z.string().min(1), type: z.enum(['integration', 'policy']) }).strict();
const CreateBody = z
  .object({
    description: z.string().optional(),
    time: z.object({ type: z.enum(['for-5-minutes', 'for-30-minutes', 'for-1-hour', 'indefinitely', 'schedule']), startDate: z.string().optional(), endDate: z.string().optional() }).strict(),
    rules: z.array(z.object({ state: z.enum(['enabled', 'disabled']).default('disabled'), entity: Entity }).strict()).min(1),
  })
  .strict();

const Stored = z.object({
  id: z.string(),
  description: z.string(),
  startMs: z.number(),
  endMs: z.number().nullable(),
  cancelledMs: z.number().nullable(),
  rules: z.array(z.object({ state: z.string(), entity: Entity })),
});
type Stored = z.infer<typeof Stored>;
const Saved = z.object({ maintenances: z.array(Stored), next: z.number() });

/** The state /_sandbox/state shows under `opsgenie`: maintenances and which integrations are silenced now. */
export interface OpsgenieSnapshot {
  maintenances: { id: string; description: string; status: string; startDate: string; endDate: string | null; entities: string[] }[];
  silenced: string[];
}

function error(status: number, message: string): SandboxResponse {
  return { status, body: { message, took: 0.001, requestId: '00000000-0000-4000-8000-000000000000' } };
}

/**
 * The simulated Opsgenie REST API (https://docs.opsgenie.com/docs/rest-api/maintenance-api,
 * .../integration-api, .../alert-policy-api): `GenieKey` auth, integrations and alert policies,
 * and maintenances whose status (planned, active, past, cancelled) follows the virtual clock.
 */
export class OpsgenieService implements SandboxService {
  readonly name = 'opsgenie';
  private readonly estate: OpsgenieEstate;
  private maintenances: Stored[] = [];
  private next = 1;

  constructor(private readonly ctx: ServiceContext) {
    this.estate = OpsgenieEstate.parse(ctx.estate['opsgenie'] ?? { keys: [{ name: 'none', value: 'opsgenie-unset' }] });
  }

  register(router: Router): void {
    router.route('GET', '/v2/integrations', this.guard(false, () => this.ok({ data: this.estate.integrations.map((i) => ({ id: i.id, name: i.name, enabled: true, type: i.type })) })));
    router.route('GET', '/v2/policies/alert', this.guard(false, () => this.ok({ data: this.estate.policies.map((p, i) => ({ id: p.id, name: p.name, type: 'alert', enabled: true, order: i })) })));
    router.route('GET', '/v1/maintenance', this.guard(false, () => this.ok({ data: this.maintenances.map((m) => this.json(m)) })));
    router.route('POST', '/v1/maintenance', this.guard(true, (req) => this.create(req)));
    router.route('GET', '/v1/maintenance/:id', this.guard(false, (req) => this.withMaintenance(req, (m) => this.ok({ data: { ...this.json(m), rules: m.rules } }))));
    router.route('POST', '/v1/maintenance/:id/cancel', this.guard(true, (req) => this.withMaintenance(req, (m) => this.cancel(m))));
  }

  snapshot(): OpsgenieSnapshot {
    const now = this.ctx.clock.now();
    return {
      maintenances: this.maintenances.map((m) => ({ id: m.id, description: m.description, status: this.status(m, now), startDate: new Date(m.startMs).toISOString(), endDate: m.endMs === null ? null : new Date(m.endMs).toISOString(), entities: m.rules.map((r) => r.entity.id) })),
      silenced: [...new Set(this.maintenances.filter((m) => this.status(m, now) === 'active').flatMap((m) => m.rules.filter((r) => r.state === 'disabled').map((r) => r.entity.id)))],
    };
  }

  save(): unknown {
    return { maintenances: this.maintenances, next: this.next };
  }

  load(saved: unknown): void {
    const s = Saved.parse(saved);
    this.maintenances = s.maintenances;
    this.next = s.next;
  }

  private ok(body: Record<string, unknown>): SandboxResponse {
    return { status: 200, body: { ...body, took: 0.01, requestId: this.ctx.newId('opsgenie-request') } };
  }

  private status(m: Stored, now: number): 'planned' | 'active' | 'past' | 'cancelled' {
    if (m.cancelledMs !== null) return 'cancelled';
    if (now < m.startMs) return 'planned';
    return m.endMs !== null && now >= m.endMs ? 'past' : 'active';
  }

  private json(m: Stored) {
    return {
      id: m.id,
      status: this.status(m, this.ctx.clock.now()),
      description: m.description,
      time: { type: 'schedule', startDate: new Date(m.startMs).toISOString(), ...(m.endMs !== null ? { endDate: new Date(m.endMs).toISOString() } : {}) },
    };
  }

  /** `Authorization: GenieKey <key>`; a read-only key may not write. */
  private guard(write: boolean, handler: (req: SandboxRequest) => SandboxResponse): RouteHandler {
    return (req) => {
      const key = /^GenieKey\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const found = this.estate.keys.find((k) => k.value === key);
      if (!found) return error(401, 'Could not authenticate');
      if (write && found.readOnly) return error(403, 'You are not authorized to perform this action');
      return handler(req);
    };
  }

  private withMaintenance(req: SandboxRequest, fn: (m: Stored) => SandboxResponse): SandboxResponse {
    const m = this.maintenances.find((x) => x.id === req.params['id']);
    return m ? fn(m) : error(404, `Maintenance with id [${req.params['id'] ?? ''}] not found`);
  }

  private create(req: SandboxRequest): SandboxResponse {
    const body = CreateBody.safeParse(req.body);
    if (!body.success) return error(422, `${body.error.issues[0]?.path.join('.') ?? 'body'}: ${body.error.issues[0]?.message ?? 'invalid'}`);
    const now = this.ctx.clock.now();
    const t = body.data.time;
    const spans: Record<string, number> = { 'for-5-minutes': 5, 'for-30-minutes': 30, 'for-1-hour': 60 };
    const startMs = t.type === 'schedule' ? Date.parse(t.startDate ?? '') : now;
    const endMs = t.type === 'schedule' ? Date.parse(t.endDate ?? '') : t.type === 'indefinitely' ? null : now + (spans[t.type] ?? 0) * 60_000;
    if (Number.isNaN(startMs) || (endMs !== null && (Number.isNaN(endMs) || endMs <= startMs))) return error(422, 'time: a schedule needs a startDate before its endDate');
    for (const r of body.data.rules) {
      const known = r.entity.type === 'integration' ? this.estate.integrations.some((i) => i.id === r.entity.id) : this.estate.policies.some((p) => p.id === r.entity.id);
      if (!known) return error(422, `${r.entity.type} with id [${r.entity.id}] not found`);
    }
    const id = `${this.next.toString(16).padStart(8, '0')}-mw00-4000-8000-000000000000`;
    this.next++;
    const m: Stored = { id, description: body.data.description ?? '', startMs, endMs, cancelledMs: null, rules: body.data.rules.map((r) => ({ state: r.state, entity: r.entity })) };
    this.maintenances.push(m);
    return this.ok({ result: 'Request will be processed', data: this.json(m) });
  }

  private cancel(m: Stored): SandboxResponse {
    const status = this.status(m, this.ctx.clock.now());
    if (status === 'past' || status === 'cancelled') return error(422, `Maintenance with id [${m.id}] is ${status}, it cannot be cancelled`);
    m.cancelledMs = this.ctx.clock.now();
    return this.ok({ result: 'Cancelled' });
  }
}

/** Factory registered in sandbox/services.ts. */
export const createOpsgenieService: ServiceFactory = (ctx) => new OpsgenieService(ctx);
