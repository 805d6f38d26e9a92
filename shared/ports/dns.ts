export interface DnsRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  proxied?: boolean;
}

/** Public DNS and edge cache (Cloudflare). */
export interface DnsClient {
  findZoneId(zoneName: string): Promise<string | undefined>;
  findRecord(zoneId: string, hostname: string): Promise<DnsRecord | undefined>;
  setRecordContent(zoneId: string, recordId: string, content: string): Promise<DnsRecord>;
  purgeCache(zoneId: string, hostnames: string[]): Promise<void>;
  /** The API token's own status and expiry (Cloudflare token verify); fails when the token is refused. Read-only. */
  verifyToken(): Promise<{ status: string; expiresOn?: string }>;
}
