import Cloudflare from 'cloudflare';
import type { RecordEditParams, RecordResponse } from 'cloudflare/resources/dns/records';
import type { DnsClient, DnsRecord } from '../../ports/dns';
import { TransientVendorError } from '../../ports/operations';

const VENDOR = 'cloudflare';

/** Record types a hostname's traffic can be swapped on (the maintenance page swaps one of these). */
const ROUTABLE = new Set(['CNAME', 'A', 'AAAA']);

/**
 * Maps the SDK's errors to the ports' contract. The SDK has already retried 408/409/429/5xx and
 * connection failures (its `maxRetries`), so those are transient; any other status is permanent.
 */
function toPortError(action: string, e: unknown): Error {
  if (e instanceof Cloudflare.APIConnectionError) return new TransientVendorError(VENDOR, `could not ${action}: no answer (${e.message})`);
  if (e instanceof Cloudflare.APIError) {
    const status = e.status;
    const reasons = e.errors.map((x) => `${x.code}: ${x.message}`).join('; ') || 'no error detail';
    if (status === undefined || status === 408 || status === 409 || status === 429 || status >= 500) {
      return new TransientVendorError(VENDOR, `could not ${action}: ${status ?? 'no status'} ${reasons}`, status);
    }
    const hint = status === 401 || status === 403 ? ' (check the API token and its zone permissions)' : '';
    return new Error(`${VENDOR}: could not ${action}: ${status} ${reasons}${hint}`);
  }
  return e instanceof Error ? e : new Error(`${VENDOR}: could not ${action}: ${String(e)}`);
}

async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toPortError(action, e);
  }
}

function toDnsRecord(r: RecordResponse): DnsRecord {
  return { id: r.id, name: r.name, type: r.type, content: r.content ?? '', ...(r.proxied !== undefined ? { proxied: r.proxied } : {}) };
}

/**
 * {@link DnsClient} over the Cloudflare SDK (build the SDK client with `createCloudflareClient`).
 * The maintenance page swaps a hostname's record content and restores it; every write is
 * idempotent so a durable retry never needs to know whether the first attempt landed.
 */
export class CloudflareDnsClient implements DnsClient {
  constructor(private readonly cf: Cloudflare) {}

  /** The token's status (active, disabled, expired) and expiry, from Cloudflare's token verify. */
  async verifyToken(): Promise<{ status: string; expiresOn?: string }> {
    const result = await call('verify the API token', () => this.cf.user.tokens.verify());
    return { status: result.status, ...(result.expires_on ? { expiresOn: result.expires_on } : {}) };
  }

  /** The zone's id, or undefined when the token cannot see a zone of that name. */
  async findZoneId(zoneName: string): Promise<string | undefined> {
    const want = zoneName.trim().toLowerCase().replace(/\.$/, '');
    if (!want) throw new TypeError('zoneName must not be empty');
    const page = await call(`find zone ${want}`, () => this.cf.zones.list({ name: want }));
    return page.result.find((z) => z.name.toLowerCase() === want)?.id;
  }

  /**
   * The one CNAME/A/AAAA record of `hostname`, or undefined when there is none. Several (e.g. an
   * A and an AAAA) are refused: swapping only one of them would leave the site half up.
   */
  async findRecord(zoneId: string, hostname: string): Promise<DnsRecord | undefined> {
    const name = hostname.trim().toLowerCase().replace(/\.$/, '');
    if (!name) throw new TypeError('hostname must not be empty');
    const page = await call(`list the records of ${name}`, () => this.cf.dns.records.list({ zone_id: zoneId, name: { exact: name } }));
    const found = page.result.filter((r) => r.name.toLowerCase() === name && ROUTABLE.has(r.type));
    if (found.length > 1) {
      throw new Error(`${VENDOR}: ${name} has ${found.length} records (${found.map((r) => r.type).join(', ')}); the maintenance swap needs exactly one CNAME, A or AAAA record`);
    }
    return found[0] ? toDnsRecord(found[0]) : undefined;
  }

  /**
   * Sets the record's content with one PATCH, keeping its type, name, TTL and proxy flag (the
   * SDK's edit needs them, so the record is read first). No write when the content is already set.
   */
  async setRecordContent(zoneId: string, recordId: string, content: string): Promise<DnsRecord> {
    if (!content.trim()) throw new TypeError('content must not be empty');
    const current = await call(`read record ${recordId}`, () => this.cf.dns.records.get(recordId, { zone_id: zoneId }));
    if (current.content === content) return toDnsRecord(current);
    const params = {
      zone_id: zoneId,
      type: current.type,
      name: current.name,
      ttl: current.ttl,
      content,
      ...(current.proxied !== undefined ? { proxied: current.proxied } : {}),
    } as RecordEditParams;
    // No SDK retry: a PATCH whose answer was lost would be sent again and logged as a second
    // change; the caller's retry reads the record first and finds the content already set.
    return toDnsRecord(await call(`set the content of ${current.name}`, () => this.cf.dns.records.edit(recordId, params, { maxRetries: 0 })));
  }

  /** Purges everything cached for these hostnames (one request); nothing to do for none. */
  async purgeCache(zoneId: string, hostnames: string[]): Promise<void> {
    const hosts = [...new Set(hostnames.map((h) => h.trim().toLowerCase().replace(/\.$/, '')).filter((h) => h))];
    if (hosts.length === 0) return;
    await call(`purge the cache of ${hosts.join(', ')}`, () => this.cf.cache.purge({ zone_id: zoneId, hosts }));
  }
}
