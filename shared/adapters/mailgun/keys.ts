import type { MailKeyClient } from '../../ports/mail';
import { callVendor, toPortError } from '../http/errors';
import { HttpStatusError } from '../http/https';
import { createMailgunClient, type CreateMailgunKeyInput, type MailgunClient, type MailgunClientOptions } from './client';

const VENDOR = 'mailgun';

/** Options for {@link MailgunKeyClient}: how to reach Mailgun (with the admin key) and what keys it manages. */
export interface MailgunKeyClientOptions extends MailgunClientOptions {
  /**
   * The keys this client creates and lists, e.g. `{ role: 'sending', kind: 'domain', domainName:
   * 'mg.invoicecloud.com' }` for the web servers' sending key. `listKeys` shows keys of this kind
   * (and domain) only, so a rotation never sees, or deletes, the automation's own admin key.
   */
  keys: Omit<CreateMailgunKeyInput, 'description'>;
}

/**
 * {@link MailKeyClient} over Mailgun's Keys API. The admin key in the options does the work;
 * `verifyKey` proves a new secret with one cheap GET made with that secret itself.
 */
export class MailgunKeyClient implements MailKeyClient {
  private readonly admin: MailgunClient;

  constructor(private readonly options: MailgunKeyClientOptions) {
    if (options.keys.kind === 'domain' && !options.keys.domainName) throw new TypeError('keys.domainName is required for keys of domain kind');
    this.admin = createMailgunClient(options);
  }

  /** Creates a key; its secret is in this answer only, so the caller stores it at once. */
  async createKey(description: string): Promise<{ id: string; secret: string }> {
    if (!description.trim()) throw new TypeError('description must not be empty');
    const { key, secret } = await callVendor(VENDOR, 'create a key', () => this.admin.createKey({ ...this.options.keys, description }));
    return { id: key.id, secret };
  }

  /** Keys of the managed kind (and domain), without secrets. */
  async listKeys(): Promise<{ id: string; description: string }[]> {
    const { kind, domainName } = this.options.keys;
    const keys = await callVendor(VENDOR, 'list keys', () => this.admin.listKeys({ ...(kind ? { kind } : {}), ...(domainName ? { domainName } : {}) }));
    return keys.map((k) => ({ id: k.id, description: k.description ?? '' }));
  }

  /** Deletes a key; a key already gone counts as deleted. */
  async deleteKey(id: string): Promise<void> {
    if (!id.trim()) throw new TypeError('id must not be empty');
    await callVendor(VENDOR, `delete key ${id}`, () => this.admin.deleteKey(id));
  }

  /**
   * True when Mailgun accepts `secret`: one GET of the domains made with it. 401 means the secret
   * is unknown, disabled or expired; 403 means it authenticated but its role may not list
   * domains (a sending key), which still proves it works.
   */
  async verifyKey(secret: string): Promise<boolean> {
    if (!secret) return false;
    const probe = createMailgunClient({ ...this.options, apiKey: secret });
    try {
      await probe.listDomains();
      return true;
    } catch (e) {
      if (e instanceof HttpStatusError && e.status === 401) return false;
      if (e instanceof HttpStatusError && e.status === 403) return true;
      throw toPortError(VENDOR, 'verify a key', e);
    }
  }
}
