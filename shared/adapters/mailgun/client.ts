import { z } from 'zod';
import { JsonHttpsClient } from '../http/https';

/** A key as the Keys API lists it (never with its secret). */
export const MailgunKey = z.object({
  id: z.string(),
  description: z.string().nullable(),
  kind: z.enum(['user', 'domain', 'web']),
  role: z.string(),
  domain_name: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string().optional(),
  expires_at: z.string().nullable().optional(),
  is_disabled: z.boolean().optional(),
});
export type MailgunKey = z.infer<typeof MailgunKey>;

/** A sending domain, as far as the app reads it. */
export const MailgunDomain = z.object({ name: z.string(), state: z.string() });
export type MailgunDomain = z.infer<typeof MailgunDomain>;

/** Options for {@link createMailgunClient}; nothing is read from the environment. */
export interface MailgunClientOptions {
  /** An admin-role API key (Basic `api:<key>`). */
  apiKey: string;
  /** Default `https://api.mailgun.net` (US); the sandbox's listener URL. */
  baseUrl?: string;
  caPem?: string;
  maxRetries?: number;
  retryDelayInMs?: number;
}

/** Input for {@link MailgunClient.createKey}. */
export interface CreateMailgunKeyInput {
  role: 'admin' | 'basic' | 'sending' | 'developer' | 'support';
  kind?: 'user' | 'domain' | 'web';
  description?: string;
  /** Required for keys of `domain` kind. */
  domainName?: string;
  expirationInSeconds?: number;
}

/**
 * Mailgun's Keys API (`/v1/keys`, the current RBAC keys API) and domains (`/v4/domains`).
 * A created key's secret is returned once, by {@link MailgunClient.createKey}; store it at once.
 */
export class MailgunClient {
  constructor(private readonly http: JsonHttpsClient) {}

  /** Keys, optionally filtered by kind and domain. */
  async listKeys(filter: { kind?: 'user' | 'domain' | 'web'; domainName?: string } = {}): Promise<MailgunKey[]> {
    const res = await this.http.request({
      method: 'GET',
      path: '/v1/keys',
      query: { kind: filter.kind, domain_name: filter.domainName },
      schema: z.object({ total_count: z.number(), items: z.array(MailgunKey) }),
    });
    return res.items;
  }

  /** Creates a key; the only time its secret is available. */
  async createKey(input: CreateMailgunKeyInput): Promise<{ key: MailgunKey; secret: string }> {
    const res = await this.http.request({
      method: 'POST',
      path: '/v1/keys',
      form: { role: input.role, kind: input.kind, description: input.description, domain_name: input.domainName, expiration: input.expirationInSeconds },
      schema: z.object({ message: z.string(), key: MailgunKey.extend({ secret: z.string().min(1) }) }),
    });
    const { secret, ...key } = res.key;
    return { key, secret };
  }

  /** Deletes a key; resolves false when it was already gone. */
  async deleteKey(id: string): Promise<boolean> {
    return (await this.http.request({ method: 'DELETE', path: `/v1/keys/${encodeURIComponent(id)}`, schema: z.object({ message: z.string() }), absentOn: [404] })) !== undefined;
  }

  /** The account's domains. */
  async listDomains(): Promise<MailgunDomain[]> {
    return (await this.http.request({ method: 'GET', path: '/v4/domains', schema: z.object({ items: z.array(MailgunDomain) }) })).items;
  }
}

/** Mailgun's JSON error body is `{ message }`; 401 is plain text. */
function describe(status: number, body: unknown): string {
  const parsed = z.object({ message: z.string() }).safeParse(body);
  return `mailgun: ${status} ${parsed.success ? parsed.data.message : typeof body === 'string' ? body : 'request failed'}`;
}

/** Creates the Mailgun client the app uses. */
export function createMailgunClient(options: MailgunClientOptions): MailgunClient {
  return new MailgunClient(
    new JsonHttpsClient({
      vendor: 'mailgun',
      baseUrl: options.baseUrl ?? 'https://api.mailgun.net',
      headers: { Authorization: `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}` },
      describeError: describe,
      ...(options.caPem ? { caPem: options.caPem } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.retryDelayInMs !== undefined ? { retryDelayInMs: options.retryDelayInMs } : {}),
    }),
  );
}
