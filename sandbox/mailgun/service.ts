import { createHash, randomBytes } from 'crypto';
import { z } from 'zod';
import type { RouteHandler, Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from '../core/types';

const Kind = z.enum(['user', 'domain', 'web']);
const Role = z.enum(['admin', 'basic', 'sending', 'developer', 'support']);

/** The `mailgun:` section of the estate YAML. */
export const MailgunEstate = z
  .object({
    domains: z.array(z.object({ name: z.string().min(1), state: z.enum(['active', 'unverified', 'disabled']).default('active') }).strict()).min(1),
    /** Keys that exist at start, with their secrets (estate only; never shown in state or calls). */
    keys: z
      .array(
        z
          .object({
            id: z.string().min(1),
            description: z.string().default(''),
            kind: Kind.default('user'),
            role: Role,
            domain_name: z.string().optional(),
            secret: z.string().min(16),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type MailgunEstate = z.infer<typeof MailgunEstate>;

/** A key as stored (persisted with its secret, so a restarted sandbox still accepts it). */
const StoredKey = z.object({
  id: z.string(),
  description: z.string(),
  kind: Kind,
  role: Role,
  domain_name: z.string().nullable(),
  requestor: z.string().nullable(),
  user_name: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
  is_disabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  secret: z.string(),
});
type StoredKey = z.infer<typeof StoredKey>;

const MailgunSaved = z.object({ keys: z.array(StoredKey), deleted: z.array(z.object({ id: z.string(), at: z.string() })) });

/** A key as the API lists it: everything but the secret. */
export type MailgunKeyJson = Omit<StoredKey, 'secret'>;

/** The state /_sandbox/state shows under `mailgun`: keys without secrets, plus deletions. */
export interface MailgunSnapshot {
  domains: { name: string; state: string }[];
  keys: MailgunKeyJson[];
  deleted: { id: string; at: string }[];
}

/** Mailgun's JSON error body is `{ message }`. */
export function mailgunError(status: number, message: string): SandboxResponse {
  return { status, body: { message } };
}

/** Mailgun answers bad credentials with 401 and a plain-text body. */
const UNAUTHORIZED: SandboxResponse = { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="MG API"' }, body: 'Forbidden' };

/**
 * Text fields of a multipart/form-data body (Mailgun documents its forms as multipart; the
 * core only parses JSON and url-encoded bodies). File parts are not used by these endpoints.
 */
export function multipartFields(req: SandboxRequest): Record<string, string> | undefined {
  const type = String(req.headers['content-type'] ?? '');
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!/multipart\/form-data/i.test(type) || !boundary) return undefined;
  const marker = `--${boundary[1] ?? boundary[2] ?? ''}`;
  const out: Record<string, string> = {};
  for (const part of req.rawBody.toString('utf8').split(marker)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, split));
    if (name?.[1] !== undefined) out[name[1]] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return out;
}

function formOrJson(req: SandboxRequest): Record<string, unknown> {
  const multipart = multipartFields(req);
  if (multipart) return multipart;
  return req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
}

/** ISO 8601 without offset, as the keys API prints times ("2006-01-02T15:04:05"). */
function keyTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** RFC 2822 style, as the domains API prints times. */
function domainTime(ms: number): string {
  return new Date(ms).toUTCString();
}

const CreateKeyInput = z.object({
  role: Role,
  kind: Kind.default('user'),
  description: z.string().default(''),
  domain_name: z.string().optional(),
  expiration: z.coerce.number().int().positive('expiration must be a positive number of seconds').optional(),
  user_name: z.string().optional(),
  email: z.string().optional(),
  user_id: z.string().optional(),
});

/**
 * The simulated Mailgun account API: the Keys API (`/v1/keys`: create returns the secret once,
 * list never does, delete) and domains (`/v4/domains`, `/v3/domains`), with Basic `api:<key>`
 * auth against the stored keys (expiry follows the virtual clock).
 */
export class MailgunService implements SandboxService {
  readonly name = 'mailgun';
  private readonly estate: MailgunEstate;
  private keys: StoredKey[];
  private deleted: { id: string; at: string }[] = [];

  constructor(private readonly ctx: ServiceContext) {
    this.estate = MailgunEstate.parse(ctx.estate['mailgun']);
    const now = keyTime(ctx.clock.now());
    this.keys = this.estate.keys.map((k) => ({
      id: k.id,
      description: k.description,
      kind: k.kind,
      role: k.role,
      domain_name: k.domain_name ?? null,
      requestor: null,
      user_name: null,
      created_at: now,
      updated_at: now,
      expires_at: null,
      is_disabled: false,
      disabled_reason: null,
      secret: k.secret,
    }));
  }

  register(router: Router): void {
    router.route('GET', '/v1/keys', this.guard(['admin', 'developer', 'support'], (req) => this.listKeys(req)));
    router.route('POST', '/v1/keys', this.guard(['admin'], (req, caller) => this.createKey(req, caller)));
    router.route('DELETE', '/v1/keys/:keyId', this.guard(['admin'], (req) => this.deleteKey(req)));
    for (const v of ['v3', 'v4']) {
      router.route('GET', `/${v}/domains`, this.guard(['admin', 'developer', 'support', 'basic'], () => this.listDomains()));
      router.route('GET', `/${v}/domains/:domain`, this.guard(['admin', 'developer', 'support', 'basic'], (req) => this.getDomain(req)));
    }
  }

  snapshot(): MailgunSnapshot {
    return {
      domains: this.estate.domains.map((d) => ({ name: d.name, state: d.state })),
      keys: this.keys.map((k) => this.keyJson(k)),
      deleted: [...this.deleted],
    };
  }

  save(): unknown {
    return { keys: this.keys, deleted: this.deleted };
  }

  load(saved: unknown): void {
    const s = MailgunSaved.parse(saved);
    this.keys = s.keys;
    this.deleted = s.deleted;
  }

  private keyJson(k: StoredKey): MailgunKeyJson {
    const { secret: _secret, ...rest } = k;
    return rest;
  }

  private expired(k: StoredKey): boolean {
    return k.expires_at !== null && keyTime(this.ctx.clock.now()) >= k.expires_at;
  }

  /** Basic `api:<secret>`; the key must exist, be enabled, unexpired, and hold one of `roles`. */
  private guard(roles: string[], handler: (req: SandboxRequest, caller: StoredKey) => SandboxResponse): RouteHandler {
    return (req) => {
      const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
      const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
      const sep = decoded.indexOf(':');
      if (sep < 0 || decoded.slice(0, sep) !== 'api') return UNAUTHORIZED;
      const secret = decoded.slice(sep + 1);
      const caller = this.keys.find((k) => k.secret === secret);
      if (!caller || caller.is_disabled || this.expired(caller)) return UNAUTHORIZED;
      if (!roles.includes(caller.role)) return mailgunError(403, `API key with role '${caller.role}' is not allowed to perform this action`);
      return handler(req, caller);
    };
  }

  private listKeys(req: SandboxRequest): SandboxResponse {
    const kind = req.query.get('kind');
    if (kind !== null && !Kind.safeParse(kind).success) return mailgunError(400, 'expected `kind` param to be one of [domain user web] or absent');
    const domain = req.query.get('domain_name');
    const items = this.keys
      .filter((k) => !this.expired(k) && (kind === null || k.kind === kind) && (domain === null || k.domain_name === domain))
      .map((k) => this.keyJson(k));
    return { status: 200, body: { total_count: items.length, items } };
  }

  private createKey(req: SandboxRequest, caller: StoredKey): SandboxResponse {
    const parsed = CreateKeyInput.safeParse(formOrJson(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') ?? 'body';
      return mailgunError(400, field === 'role' ? 'role is required and must be one of admin, basic, sending, developer, support' : `${field}: ${issue?.message ?? 'invalid'}`);
    }
    const d = parsed.data;
    if (d.kind === 'domain') {
      if (!d.domain_name) return mailgunError(400, 'domain_name is required for keys of domain kind');
      if (!this.estate.domains.some((x) => x.name === d.domain_name)) return mailgunError(404, 'Domain not found');
      if (d.role !== 'sending') return mailgunError(400, "keys of domain kind must have the 'sending' role");
    }
    const now = this.ctx.clock.now();
    const id = createHash('md5').update(`mailgun-key:${this.ctx.newId('mailgun-key')}`).digest('hex').replace(/^(.{8})(.{8}).*$/, '$1-$2');
    // Secrets are random, as Mailgun's are; persistence keeps them so the key still works after a restart.
    const secret = `${randomBytes(16).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
    const key: StoredKey = {
      id,
      description: d.description,
      kind: d.kind,
      role: d.role,
      domain_name: d.kind === 'domain' ? (d.domain_name ?? null) : null,
      requestor: caller.id,
      user_name: d.user_name ?? null,
      created_at: keyTime(now),
      updated_at: keyTime(now),
      expires_at: d.expiration !== undefined ? keyTime(now + d.expiration * 1000) : null,
      is_disabled: false,
      disabled_reason: null,
      secret,
    };
    this.keys.push(key);
    return { status: 200, body: { message: 'great success', key: { ...this.keyJson(key), secret } } };
  }

  private deleteKey(req: SandboxRequest): SandboxResponse {
    const id = req.params['keyId'] ?? '';
    const key = this.keys.find((k) => k.id === id);
    if (!key) return mailgunError(404, 'key not found');
    this.keys = this.keys.filter((k) => k.id !== id);
    this.deleted.push({ id, at: new Date(this.ctx.clock.now()).toISOString() });
    return { status: 200, body: { message: 'key deleted' } };
  }

  private domainJson(d: MailgunEstate['domains'][number]) {
    return {
      id: createHash('md5').update(`domain:${d.name}`).digest('hex').slice(0, 24),
      name: d.name,
      state: d.state,
      type: 'custom',
      created_at: domainTime(Date.UTC(2020, 0, 1)),
      smtp_login: `postmaster@${d.name}`,
      spam_action: 'disabled',
      wildcard: false,
      require_tls: true,
      skip_verification: false,
      is_disabled: d.state === 'disabled',
      web_prefix: 'email',
      web_scheme: 'https',
    };
  }

  private listDomains(): SandboxResponse {
    const items = this.estate.domains.map((d) => this.domainJson(d));
    return { status: 200, body: { total_count: items.length, items } };
  }

  private getDomain(req: SandboxRequest): SandboxResponse {
    const d = this.estate.domains.find((x) => x.name === req.params['domain']);
    if (!d) return mailgunError(404, 'Domain not found');
    return { status: 200, body: { domain: this.domainJson(d), receiving_dns_records: [], sending_dns_records: [] } };
  }
}

/** Factory registered in sandbox/services.ts. */
export const createMailgunService: ServiceFactory = (ctx) => new MailgunService(ctx);
