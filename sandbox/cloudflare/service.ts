import { createHash } from 'crypto';
import type { RecordResponse } from 'cloudflare/resources/dns/records';
import type { Zone } from 'cloudflare/resources/zones/zones';
import type { CachePurgeResponse } from 'cloudflare/resources/cache/cache';
import type { RouteHandler, Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from '../core/types';
import { CloudflareErrors } from './errors';
import { controlError } from '../core/control';
import type { ControlTarget } from '../core/extensions';
import {
  CloudflareEstate,
  CloudflareRecordType,
  CloudflareSaved,
  type PurgeRecord,
  type RecordChange,
  type StoredRecord,
} from './schema';

/** The state /_sandbox/state shows under `cloudflare` (no token values). */
export interface CloudflareSnapshot {
  tokens: { name: string; zones?: string[]; readOnly: boolean }[];
  zones: { id: string; name: string; records: StoredRecord[] }[];
  purges: PurgeRecord[];
  changes: RecordChange[];
}

interface ZoneState {
  id: string;
  name: string;
  plan: string;
  createdOn: string;
  records: StoredRecord[];
}

type Token = CloudflareEstate['tokens'][number];

/** Cloudflare ids are 32 lowercase hex characters; derive them deterministically. */
function hexId(seed: string): string {
  return createHash('md5').update(seed).digest('hex');
}

function ok<T>(result: T, resultInfo?: Record<string, number>): SandboxResponse {
  return {
    status: 200,
    body: { success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) },
  };
}

function fqdn(name: string, zone: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  if (n === '@' || n === zone) return zone;
  return n.endsWith(`.${zone}`) ? n : `${n}.${zone}`;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Validates a record's content, TTL and proxy flag the way Cloudflare does; returns an error response or undefined. */
function validateRecord(r: Pick<StoredRecord, 'type' | 'content' | 'ttl' | 'proxied'>): SandboxResponse | undefined {
  if (r.type === 'A' && !IPV4.test(r.content)) return CloudflareErrors.invalidContent('Content for A record must be a valid IPv4 address.');
  if (r.type === 'AAAA' && !r.content.includes(':')) return CloudflareErrors.invalidContent('Content for AAAA record must be a valid IPv6 address.');
  if ((r.type === 'CNAME' || r.type === 'MX') && !HOSTNAME.test(r.content)) return CloudflareErrors.invalidContent(`Content for ${r.type} record is invalid.`);
  if (r.ttl !== 1 && (r.ttl < 30 || r.ttl > 86400)) return CloudflareErrors.badRequest('Invalid TTL. Must be between 30 and 86400 seconds, or 1 for Automatic.');
  if (r.proxied && !['A', 'AAAA', 'CNAME'].includes(r.type)) return CloudflareErrors.badRequest(`${r.type} records cannot be proxied.`);
  return undefined;
}

/** Builds the SDK-typed record response from the stored record. */
export function toRecordResponse(r: StoredRecord): RecordResponse {
  const base = {
    id: r.id,
    name: r.name,
    ttl: r.ttl,
    content: r.content,
    proxied: r.proxied,
    proxiable: ['A', 'AAAA', 'CNAME'].includes(r.type),
    ...(r.comment !== undefined ? { comment: r.comment } : {}),
    tags: r.tags,
    settings: {},
    meta: {},
    created_on: r.createdOn,
    modified_on: r.modifiedOn,
  };
  switch (r.type) {
    case 'A':
      return { ...base, type: 'A' } satisfies RecordResponse.ARecord;
    case 'AAAA':
      return { ...base, type: 'AAAA' } satisfies RecordResponse.AAAARecord;
    case 'CNAME':
      return { ...base, type: 'CNAME' } satisfies RecordResponse.CNAMERecord;
    case 'TXT':
      return { ...base, type: 'TXT' } satisfies RecordResponse.TXTRecord;
    case 'MX':
      return { ...base, type: 'MX', priority: r.priority ?? 10 } satisfies RecordResponse.MXRecord;
  }
}

function readBody(req: SandboxRequest): Record<string, unknown> {
  return req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Parses `page`/`per_page`; returns an error response on nonsense values. */
function paging(req: SandboxRequest, defaultPerPage: number, maxPerPage: number): { page: number; perPage: number } | SandboxResponse {
  const page = Number(req.query.get('page') ?? '1');
  const perPage = Number(req.query.get('per_page') ?? String(defaultPerPage));
  if (!Number.isInteger(page) || page < 1) return CloudflareErrors.badPaging('page must be a positive integer');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > maxPerPage) return CloudflareErrors.badPaging(`per_page must be between 1 and ${maxPerPage}`);
  return { page, perPage };
}

function pageOf<T>(items: T[], page: number, perPage: number): { items: T[]; info: Record<string, number> } {
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    items: slice,
    info: { page, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / perPage)) },
  };
}

/** Matches Cloudflare's string filter operators: `name=x` / `name.exact=x`, `.contains`, `.startswith`, `.endswith`. */
function stringFilters(req: SandboxRequest, field: string): ((value: string) => boolean)[] {
  const out: ((value: string) => boolean)[] = [];
  const get = (suffix: string) => req.query.get(suffix ? `${field}.${suffix}` : field)?.toLowerCase();
  const exact = get('') ?? get('exact');
  if (exact !== undefined) out.push((v) => v.toLowerCase() === exact);
  const contains = get('contains');
  if (contains !== undefined) out.push((v) => v.toLowerCase().includes(contains));
  const starts = get('startswith');
  if (starts !== undefined) out.push((v) => v.toLowerCase().startsWith(starts));
  const ends = get('endswith');
  if (ends !== undefined) out.push((v) => v.toLowerCase().endsWith(ends));
  return out;
}

/**
 * The simulated Cloudflare API v4 (/client/v4): zones, DNS records and cache purge, with bearer
 * tokens scoped to zones. Record writes and purges share one sequence so tests can prove a purge
 * came after a record restore.
 */
export class CloudflareService implements SandboxService, ControlTarget {
  readonly name = 'cloudflare';
  private readonly estate: CloudflareEstate;
  private zones: ZoneState[] = [];
  private purges: PurgeRecord[] = [];
  private changes: RecordChange[] = [];
  private seq = 0;
  /** Token names revoked through the control API (a person rolled or deleted the token). */
  private revoked = new Set<string>();

  constructor(private readonly ctx: ServiceContext) {
    this.estate = CloudflareEstate.parse(ctx.estate['cloudflare']);
    const created = this.nowIso();
    this.zones = this.estate.zones.map((z) => ({
      id: hexId(`zone:${z.name}`),
      name: z.name,
      plan: z.plan,
      createdOn: created,
      records: z.records.map((r) => {
        const name = fqdn(r.name, z.name);
        return {
          id: hexId(`record:${z.name}:${r.type}:${name}:${r.content}`),
          type: r.type,
          name,
          content: r.content,
          ttl: r.ttl,
          proxied: r.proxied,
          ...(r.comment !== undefined ? { comment: r.comment } : {}),
          ...(r.priority !== undefined ? { priority: r.priority } : {}),
          tags: [],
          createdOn: created,
          modifiedOn: created,
        };
      }),
    }));
  }

  register(router: Router): void {
    const p = '/client/v4';
    router.route('GET', `${p}/user/tokens/verify`, this.guard((_req, t) => this.verify(t)));
    router.route('GET', `${p}/zones`, this.guard((req, t) => this.listZones(req, t)));
    router.route('GET', `${p}/zones/:zoneId`, this.guard((req, t) => this.withZone(req, t, false, (z) => ok(this.zoneJson(z)))));
    router.route('GET', `${p}/zones/:zoneId/dns_records`, this.guard((req, t) => this.withZone(req, t, false, (z) => this.listRecords(req, z))));
    router.route('POST', `${p}/zones/:zoneId/dns_records`, this.guard((req, t) => this.withZone(req, t, true, (z) => this.createRecord(req, z))));
    router.route('GET', `${p}/zones/:zoneId/dns_records/:recordId`, this.guard((req, t) => this.withRecord(req, t, false, (_z, r) => ok(toRecordResponse(r)))));
    router.route('PATCH', `${p}/zones/:zoneId/dns_records/:recordId`, this.guard((req, t) => this.withRecord(req, t, true, (z, r) => this.writeRecord(req, z, r, 'edit'))));
    router.route('PUT', `${p}/zones/:zoneId/dns_records/:recordId`, this.guard((req, t) => this.withRecord(req, t, true, (z, r) => this.writeRecord(req, z, r, 'update'))));
    router.route('DELETE', `${p}/zones/:zoneId/dns_records/:recordId`, this.guard((req, t) => this.withRecord(req, t, true, (z, r) => this.deleteRecord(z, r))));
    router.route('POST', `${p}/zones/:zoneId/purge_cache`, this.guard((req, t) => this.withZone(req, t, true, (z) => this.purge(req, z))));
  }

  registerControl(router: Router): void {
    router.route('POST', '/_sandbox/cloudflare/tokens/:name/revoke', (req) => {
      const token = this.estate.tokens.find((t) => t.name === req.params['name']);
      if (!token) return controlError(404, 'TokenNotFound', `no token named ${req.params['name'] ?? ''}`);
      this.revoked.add(token.name);
      return { status: 200, body: { name: token.name, revoked: true } };
    });
  }

  /** GET /user/tokens/verify: the token's id, status and expiry (a revoked token never gets here). */
  private verify(token: Token): SandboxResponse {
    const expired = token.expiresOn !== undefined && Date.parse(token.expiresOn) <= this.ctx.clock.now();
    return ok({ id: hexId(`token:${token.name}`), status: expired ? 'expired' : 'active', ...(token.expiresOn ? { expires_on: token.expiresOn } : {}) });
  }

  snapshot(): CloudflareSnapshot {
    return {
      tokens: this.estate.tokens.map((t) => ({ name: t.name, ...(t.zones ? { zones: t.zones } : {}), readOnly: t.readOnly })),
      zones: this.zones.map((z) => ({ id: z.id, name: z.name, records: z.records.map((r) => ({ ...r })) })),
      purges: [...this.purges],
      changes: [...this.changes],
    };
  }

  save(): CloudflareSaved {
    return { zones: this.zones.map((z) => ({ id: z.id, name: z.name, records: z.records })), purges: this.purges, changes: this.changes, seq: this.seq, revoked: [...this.revoked] };
  }

  load(saved: unknown): void {
    const s = CloudflareSaved.parse(saved);
    for (const z of s.zones) {
      const zone = this.zones.find((x) => x.id === z.id);
      if (zone) zone.records = z.records;
    }
    this.purges = s.purges;
    this.changes = s.changes;
    this.seq = s.seq;
    this.revoked = new Set(s.revoked);
  }

  private nowIso(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }

  /** Bearer-token check, before any handler runs. */
  private guard(handler: (req: SandboxRequest, token: Token) => SandboxResponse): RouteHandler {
    return (req) => {
      const header = req.headers.authorization;
      if (!header || !/^Bearer\s+/i.test(header)) return CloudflareErrors.missingAuth();
      const value = header.replace(/^Bearer\s+/i, '').trim();
      const token = this.estate.tokens.find((t) => t.value === value);
      if (!token || this.revoked.has(token.name)) return CloudflareErrors.invalidToken();
      return handler(req, token);
    };
  }

  private canSee(token: Token, zone: ZoneState): boolean {
    return !token.zones || token.zones.includes(zone.name);
  }

  private withZone(req: SandboxRequest, token: Token, write: boolean, fn: (z: ZoneState) => SandboxResponse): SandboxResponse {
    const zoneId = req.params['zoneId'] ?? '';
    const zone = this.zones.find((z) => z.id === zoneId);
    if (!zone) return CloudflareErrors.zoneNotFound(zoneId);
    if (!this.canSee(token, zone) || (write && token.readOnly)) return CloudflareErrors.forbidden();
    return fn(zone);
  }

  private withRecord(
    req: SandboxRequest,
    token: Token,
    write: boolean,
    fn: (z: ZoneState, r: StoredRecord) => SandboxResponse,
  ): SandboxResponse {
    return this.withZone(req, token, write, (zone) => {
      const record = zone.records.find((r) => r.id === req.params['recordId']);
      return record ? fn(zone, record) : CloudflareErrors.recordNotFound();
    });
  }

  private zoneJson(z: ZoneState): Zone {
    return {
      id: z.id,
      name: z.name,
      account: { id: this.estate.account.id, name: this.estate.account.name },
      activated_on: z.createdOn,
      created_on: z.createdOn,
      modified_on: z.createdOn,
      development_mode: 0,
      meta: { cdn_only: false, dns_only: false, foundation_dns: false, page_rule_quota: 125, phishing_detected: false, step: 2 },
      name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
      original_dnshost: null,
      original_name_servers: null,
      original_registrar: null,
      owner: { type: 'organization', id: this.estate.account.id, name: this.estate.account.name },
      plan: { id: hexId(`plan:${z.plan}`), name: z.plan, currency: 'USD', is_subscribed: true, can_subscribe: false, legacy_id: 'enterprise' },
      paused: false,
      status: 'active',
      type: 'full',
      permissions: ['#dns_records:edit', '#dns_records:read', '#zone:read', '#cache_purge:edit'],
    };
  }

  private listZones(req: SandboxRequest, token: Token): SandboxResponse {
    const pg = paging(req, 20, 50);
    if ('status' in pg) return pg;
    const name = req.query.get('name')?.toLowerCase();
    const status = req.query.get('status');
    const account = req.query.get('account.id');
    const zones = this.zones.filter(
      (z) =>
        this.canSee(token, z) &&
        (name === undefined || z.name === name) &&
        (status === null || status === 'active') &&
        (account === null || account === this.estate.account.id),
    );
    const { items, info } = pageOf(zones, pg.page, pg.perPage);
    return ok(items.map((z) => this.zoneJson(z)), info);
  }

  private listRecords(req: SandboxRequest, zone: ZoneState): SandboxResponse {
    const pg = paging(req, 100, 5000);
    if ('status' in pg) return pg;
    const type = req.query.get('type');
    const proxied = req.query.get('proxied');
    const tests: ((r: StoredRecord) => boolean)[] = [];
    if (type !== null) tests.push((r) => r.type === type.toUpperCase());
    if (proxied !== null) tests.push((r) => String(r.proxied) === proxied);
    for (const f of stringFilters(req, 'name')) tests.push((r) => f(r.name));
    for (const f of stringFilters(req, 'content')) tests.push((r) => f(r.content));
    const any = req.query.get('match') === 'any';
    const matched = zone.records.filter((r) => (tests.length === 0 ? true : any ? tests.some((t) => t(r)) : tests.every((t) => t(r))));
    const order = req.query.get('order') as keyof StoredRecord | null;
    const dir = req.query.get('direction') === 'desc' ? -1 : 1;
    const key = order && ['type', 'name', 'content', 'ttl', 'proxied'].includes(order) ? order : 'name';
    const sorted = [...matched].sort((a, b) => (String(a[key]) < String(b[key]) ? -dir : String(a[key]) > String(b[key]) ? dir : a.type.localeCompare(b.type)));
    const { items, info } = pageOf(sorted, pg.page, pg.perPage);
    return ok(items.map(toRecordResponse), info);
  }

  /** Rejects a record whose name/type combination Cloudflare would refuse next to the others. */
  private conflict(zone: ZoneState, r: StoredRecord, ignoreId?: string): SandboxResponse | undefined {
    const others = zone.records.filter((x) => x.id !== ignoreId && x.name === r.name);
    if (others.some((x) => x.type === r.type && x.content.toLowerCase() === r.content.toLowerCase())) return CloudflareErrors.identicalRecord();
    const addressTypes = ['A', 'AAAA', 'CNAME'];
    if (addressTypes.includes(r.type) && others.some((x) => addressTypes.includes(x.type) && (x.type === 'CNAME' || r.type === 'CNAME'))) {
      return CloudflareErrors.cnameConflict();
    }
    return undefined;
  }

  private record(action: RecordChange['action'], zone: ZoneState, r: StoredRecord): void {
    this.changes.push({ seq: ++this.seq, zoneName: zone.name, action, recordId: r.id, name: r.name, type: r.type, content: r.content, at: this.nowIso() });
  }

  private createRecord(req: SandboxRequest, zone: ZoneState): SandboxResponse {
    const body = readBody(req);
    const type = CloudflareRecordType.safeParse(body['type']);
    if (!type.success) return CloudflareErrors.badRequest(`DNS record type "${String(body['type'])}" is invalid or not supported.`);
    const name = str(body['name']);
    const content = str(body['content']);
    if (!name) return CloudflareErrors.badRequest('DNS name is invalid.');
    if (!content) return CloudflareErrors.badRequest('Content is required.');
    const now = this.nowIso();
    const rec: StoredRecord = {
      id: hexId(`record:${zone.name}:${this.ctx.newId('cf-record')}`),
      type: type.data,
      name: fqdn(name, zone.name),
      content,
      ttl: typeof body['ttl'] === 'number' ? body['ttl'] : 1,
      proxied: body['proxied'] === true,
      ...(str(body['comment']) !== undefined ? { comment: str(body['comment']) } : {}),
      ...(typeof body['priority'] === 'number' ? { priority: body['priority'] } : {}),
      tags: Array.isArray(body['tags']) ? body['tags'].filter((t): t is string => typeof t === 'string') : [],
      createdOn: now,
      modifiedOn: now,
    };
    const bad = validateRecord(rec) ?? this.conflict(zone, rec);
    if (bad) return bad;
    zone.records.push(rec);
    this.record('create', zone, rec);
    return ok(toRecordResponse(rec));
  }

  /** PATCH merges the given fields; PUT replaces the record (type, name and content required). */
  private writeRecord(req: SandboxRequest, zone: ZoneState, current: StoredRecord, action: 'edit' | 'update'): SandboxResponse {
    const body = readBody(req);
    if (action === 'update' && (body['type'] === undefined || body['name'] === undefined || body['content'] === undefined)) {
      return CloudflareErrors.badRequest('type, name and content are required when replacing a record.');
    }
    let type = current.type;
    if (body['type'] !== undefined) {
      const parsed = CloudflareRecordType.safeParse(body['type']);
      if (!parsed.success) return CloudflareErrors.badRequest(`DNS record type "${String(body['type'])}" is invalid or not supported.`);
      type = parsed.data;
    }
    const name = str(body['name']);
    const next: StoredRecord = {
      ...current,
      type,
      name: name !== undefined ? fqdn(name, zone.name) : current.name,
      content: str(body['content']) ?? current.content,
      ttl: typeof body['ttl'] === 'number' ? body['ttl'] : action === 'update' ? 1 : current.ttl,
      proxied: typeof body['proxied'] === 'boolean' ? body['proxied'] : action === 'update' ? false : current.proxied,
      tags: Array.isArray(body['tags']) ? body['tags'].filter((t): t is string => typeof t === 'string') : action === 'update' ? [] : current.tags,
      modifiedOn: this.nowIso(),
    };
    const comment = str(body['comment']);
    if (comment !== undefined) next.comment = comment;
    else if (action === 'update') delete next.comment;
    const bad = validateRecord(next) ?? this.conflict(zone, next, current.id);
    if (bad) return bad;
    zone.records = zone.records.map((r) => (r.id === current.id ? next : r));
    this.record(action, zone, next);
    return ok(toRecordResponse(next));
  }

  private deleteRecord(zone: ZoneState, r: StoredRecord): SandboxResponse {
    zone.records = zone.records.filter((x) => x.id !== r.id);
    this.record('delete', zone, r);
    return ok({ id: r.id });
  }

  private purge(req: SandboxRequest, zone: ZoneState): SandboxResponse {
    const body = readBody(req);
    const list = (v: unknown): string[] | undefined =>
      Array.isArray(v)
        ? v.map((x) => (typeof x === 'string' ? x : x && typeof x === 'object' && typeof (x as { url?: unknown }).url === 'string' ? (x as { url: string }).url : '')).filter((x) => x)
        : undefined;
    let kind: PurgeRecord['kind'] | undefined;
    let items: string[] = [];
    if (body['purge_everything'] === true) kind = 'purge_everything';
    else {
      for (const k of ['files', 'hosts', 'tags', 'prefixes'] as const) {
        const l = list(body[k]);
        if (l && l.length > 0) {
          kind = k;
          items = l;
          break;
        }
      }
    }
    if (!kind) return CloudflareErrors.purgeBody();
    if (items.length > 30) return CloudflareErrors.badRequest('A maximum of 30 items may be purged per request.');
    const id = hexId(`purge:${zone.name}:${this.ctx.newId('cf-purge')}`);
    const now = this.ctx.clock.now();
    this.purges.push({ id, zoneId: zone.id, zoneName: zone.name, kind, items, at: new Date(now).toISOString(), atMs: now, seq: ++this.seq });
    const result: CachePurgeResponse = { id };
    return ok(result);
  }
}

/** Factory registered in sandbox/services.ts. */
export const createCloudflareService: ServiceFactory = (ctx) => new CloudflareService(ctx);
