import { z } from 'zod';
import type { Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext } from '../core/types';
import { kvError } from './errors';
import { azureModelFor, guidOf, type AzureModel } from './model';
import { bearerOf } from './tokens';

/**
 * Key Vault secrets (data plane, api-version 7.x / 2025-07-01). @azure/keyvault-secrets does not
 * export its wire types (its public SecretProperties uses Dates and renamed fields), so the wire
 * shapes are stated here from the service's REST reference: times are epoch seconds.
 */
interface SecretAttributesWire {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: string;
  recoverableDays: number;
}
interface SecretBundleWire {
  value?: string;
  id: string;
  contentType?: string;
  attributes: SecretAttributesWire;
  tags?: Record<string, string>;
}
type SecretItemWire = Omit<SecretBundleWire, 'value'>;

/** One stored version. */
interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

const KV_AUDIENCE = 'https://vault.azure.net';
const DEFAULT_PAGE = 25;

const Attributes = z.object({ enabled: z.boolean().optional(), nbf: z.number().int().optional(), exp: z.number().int().optional() }).passthrough();
const SetBody = z.object({ value: z.string(), contentType: z.string().optional(), tags: z.record(z.string(), z.string()).optional(), attributes: Attributes.optional() });
const UpdateBody = z.object({ contentType: z.string().optional(), tags: z.record(z.string(), z.string()).optional(), attributes: Attributes.optional() });
const NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** The secret store plus its routes; values never leave through snapshot(). */
export class KeyVaultSecrets {
  private secrets = new Map<string, { name: string; versions: SecretVersion[] }>();

  constructor(private readonly model: AzureModel) {
    const t = this.nowSeconds();
    for (const s of model.estate?.keyVault.secrets ?? []) {
      this.secrets.set(s.name.toLowerCase(), {
        name: s.name,
        versions: [{ version: this.newVersion(s.name), value: s.value, ...(s.contentType ? { contentType: s.contentType } : {}), tags: s.tags, enabled: s.enabled, created: t, updated: t }],
      });
    }
  }

  private nowSeconds(): number {
    return Math.floor(this.model.now() / 1000);
  }

  private newVersion(name: string): string {
    return guidOf(`kv:${name}:${this.model.newId('secret-version')}`).replace(/-/g, '');
  }

  private base(): string {
    return this.model.baseUrl('keyvault');
  }

  private item(name: string, v: SecretVersion): SecretItemWire {
    return {
      id: `${this.base()}/secrets/${name}/${v.version}`,
      ...(v.contentType ? { contentType: v.contentType } : {}),
      attributes: {
        enabled: v.enabled,
        ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
        ...(v.exp !== undefined ? { exp: v.exp } : {}),
        created: v.created,
        updated: v.updated,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
      tags: v.tags,
    };
  }

  private bundle(name: string, v: SecretVersion): SecretBundleWire {
    return { value: v.value, ...this.item(name, v) };
  }

  /** The challenge flow: no token -> 401 + WWW-Authenticate naming the tenant and resource. */
  private authorize(req: SandboxRequest): SandboxResponse | undefined {
    const challenge = {
      'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/${this.model.tenantId}", resource="${KV_AUDIENCE}"`,
    };
    const token = bearerOf(req.headers.authorization);
    if (!token) return kvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', undefined, challenge);
    const claims = this.model.tokens.verify(token);
    if (!claims) return kvError(401, 'Unauthorized', 'AKV10032: Invalid issuer or signature.', undefined, challenge);
    if (claims.aud.replace(/\/$/, '') !== KV_AUDIENCE) return kvError(401, 'Unauthorized', `AKV10022: Invalid audience. Expected ${KV_AUDIENCE}, found: ${claims.aud}.`, undefined, challenge);
    return undefined;
  }

  private notFound(name: string, version?: string): SandboxResponse {
    return kvError(404, 'SecretNotFound', version ? `A secret with (name/id) ${name}/${version} was not found in this key vault.` : `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`);
  }

  private badParameter(error: z.ZodError): SandboxResponse {
    const issue = error.issues[0];
    return kvError(400, 'BadParameter', `Property '${issue ? issue.path.join('.') : ''}' ${issue?.message ?? 'is invalid'}.`);
  }

  register(router: Router): void {
    const guarded = (method: string, pattern: string, handler: (req: SandboxRequest) => SandboxResponse): void =>
      router.route(method, pattern, (req) => {
        const denied = this.authorize(req);
        if (denied) return denied;
        if (!req.query.get('api-version')) return kvError(400, 'BadParameter', 'The api-version query parameter is required.');
        return handler(req);
      });

    guarded('PUT', '/secrets/:name', (req) => {
      const name = req.params.name ?? '';
      if (!NAME.test(name)) return kvError(400, 'BadParameter', `The request URI contains an invalid name: ${name}`);
      const body = SetBody.safeParse(req.body);
      if (!body.success) return this.badParameter(body.error);
      const t = this.nowSeconds();
      const entry = this.secrets.get(name.toLowerCase()) ?? { name, versions: [] };
      const v: SecretVersion = {
        version: this.newVersion(name),
        value: body.data.value,
        ...(body.data.contentType ? { contentType: body.data.contentType } : {}),
        tags: body.data.tags ?? {},
        enabled: body.data.attributes?.enabled ?? true,
        ...(body.data.attributes?.nbf !== undefined ? { nbf: body.data.attributes.nbf } : {}),
        ...(body.data.attributes?.exp !== undefined ? { exp: body.data.attributes.exp } : {}),
        created: t,
        updated: t,
      };
      entry.versions.push(v);
      this.secrets.set(name.toLowerCase(), entry);
      return { status: 200, body: this.bundle(entry.name, v) };
    });

    const get = (req: SandboxRequest): SandboxResponse => {
      const name = req.params.name ?? '';
      const version = req.params.version ?? '';
      const entry = this.secrets.get(name.toLowerCase());
      if (!entry) return this.notFound(name);
      const v = version ? entry.versions.find((x) => x.version === version) : entry.versions[entry.versions.length - 1];
      if (!v) return this.notFound(name, version);
      if (!v.enabled) return kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
      return { status: 200, body: this.bundle(entry.name, v) };
    };
    guarded('GET', '/secrets/:name', get);

    guarded('GET', '/secrets', (req) => {
      const all = [...this.secrets.values()].map((e) => {
        const latest = e.versions[e.versions.length - 1] as SecretVersion;
        const { id: _id, ...rest } = this.item(e.name, latest);
        return { id: `${this.base()}/secrets/${e.name}`, ...rest };
      });
      return { status: 200, body: this.page(req, all) };
    });

    guarded('GET', '/secrets/:name/versions', (req) => {
      const name = req.params.name ?? '';
      const entry = this.secrets.get(name.toLowerCase());
      if (!entry) return this.notFound(name);
      return { status: 200, body: this.page(req, entry.versions.map((v) => this.item(entry.name, v))) };
    });
    guarded('GET', '/secrets/:name/:version', get);

    guarded('PATCH', '/secrets/:name/:version', (req) => {
      const name = req.params.name ?? '';
      const version = req.params.version ?? '';
      const entry = this.secrets.get(name.toLowerCase());
      if (!entry) return this.notFound(name);
      const v = version ? entry.versions.find((x) => x.version === version) : entry.versions[entry.versions.length - 1];
      if (!v) return this.notFound(name, version);
      const body = UpdateBody.safeParse(req.body ?? {});
      if (!body.success) return this.badParameter(body.error);
      if (body.data.attributes?.enabled !== undefined) v.enabled = body.data.attributes.enabled;
      if (body.data.attributes?.nbf !== undefined) v.nbf = body.data.attributes.nbf;
      if (body.data.attributes?.exp !== undefined) v.exp = body.data.attributes.exp;
      if (body.data.contentType !== undefined) v.contentType = body.data.contentType;
      if (body.data.tags !== undefined) v.tags = body.data.tags;
      v.updated = this.nowSeconds();
      return { status: 200, body: this.item(entry.name, v) };
    });
  }

  private page<T>(req: SandboxRequest, items: T[]): { value: T[]; nextLink: string | null } {
    const size = Math.min(Math.max(Number.parseInt(req.query.get('maxresults') ?? '', 10) || DEFAULT_PAGE, 1), DEFAULT_PAGE);
    const offset = Number.parseInt(req.query.get('$skiptoken') ?? '0', 10) || 0;
    const next = offset + size;
    const qs = new URLSearchParams({ 'api-version': req.query.get('api-version') ?? '', maxresults: String(size), $skiptoken: String(next) });
    return { value: items.slice(offset, next), nextLink: next < items.length ? `${this.base()}${req.path}?${qs.toString()}` : null };
  }

  /** Metadata only: names, versions, enabled, content type, tags. Never values. */
  snapshot(): unknown {
    return {
      vaultUrl: this.base(),
      secrets: Object.fromEntries(
        [...this.secrets.values()].map((e) => [
          e.name,
          { versions: e.versions.map((v) => ({ version: v.version, enabled: v.enabled, contentType: v.contentType ?? null, tags: v.tags, created: new Date(v.created * 1000).toISOString(), updated: new Date(v.updated * 1000).toISOString() })) },
        ]),
      ),
    };
  }

  save(): unknown {
    return [...this.secrets.values()];
  }

  load(saved: unknown): void {
    this.secrets = new Map((saved as { name: string; versions: SecretVersion[] }[]).map((e) => [e.name.toLowerCase(), e]));
  }
}

/** The 'keyvault' listener's service. */
export function createKeyVaultService(ctx: ServiceContext): SandboxService {
  const store = new KeyVaultSecrets(azureModelFor(ctx));
  return {
    name: 'keyvault',
    register: (router) => store.register(router),
    snapshot: () => store.snapshot(),
    save: () => store.save(),
    load: (saved) => store.load(saved),
  };
}
