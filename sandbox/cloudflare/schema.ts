import { z } from 'zod';

/** DNS record types the simulated zones hold (the subset the app touches, plus common neighbours). */
export const CloudflareRecordType = z.enum(['A', 'AAAA', 'CNAME', 'TXT', 'MX']);
export type CloudflareRecordType = z.infer<typeof CloudflareRecordType>;

/** One DNS record as declared in the estate YAML; `name` may be relative to the zone ("www") or absolute. */
export const CloudflareEstateRecord = z
  .object({
    type: CloudflareRecordType,
    name: z.string().min(1),
    content: z.string().min(1),
    /** 1 means "automatic", as in Cloudflare. */
    ttl: z.number().int().min(1).default(1),
    proxied: z.boolean().default(false),
    comment: z.string().optional(),
    priority: z.number().int().min(0).max(65535).optional(),
  })
  .strict();

/** An API token the simulated Cloudflare accepts (bearer); `zones` limits it to named zones. */
export const CloudflareEstateToken = z
  .object({
    name: z.string().min(1),
    value: z.string().min(8, 'tokens must be at least 8 characters'),
    zones: z.array(z.string().min(1)).optional(),
    /** Read-only tokens may list and get but not change records or purge. */
    readOnly: z.boolean().default(false),
    /** When the token stops working (ISO 8601), as Cloudflare's token verify reports it. */
    expiresOn: z.string().datetime().optional(),
  })
  .strict();

/** The `cloudflare:` section of the estate YAML. */
export const CloudflareEstate = z
  .object({
    account: z.object({ id: z.string().min(1), name: z.string().min(1) }).strict(),
    tokens: z.array(CloudflareEstateToken).min(1),
    zones: z
      .array(
        z
          .object({
            name: z.string().min(1),
            plan: z.string().default('Enterprise Website'),
            records: z.array(CloudflareEstateRecord).default([]),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type CloudflareEstate = z.infer<typeof CloudflareEstate>;

/** A stored DNS record (the sandbox's own shape; responses are built from it). */
export const StoredRecord = z.object({
  id: z.string(),
  type: CloudflareRecordType,
  name: z.string(),
  content: z.string(),
  ttl: z.number(),
  proxied: z.boolean(),
  comment: z.string().optional(),
  priority: z.number().optional(),
  tags: z.array(z.string()),
  createdOn: z.string(),
  modifiedOn: z.string(),
});
export type StoredRecord = z.infer<typeof StoredRecord>;

/** One cache purge, recorded with its (virtual) time so tests can order it against record changes. */
export const PurgeRecord = z.object({
  id: z.string(),
  zoneId: z.string(),
  zoneName: z.string(),
  kind: z.enum(['files', 'hosts', 'tags', 'prefixes', 'purge_everything']),
  items: z.array(z.string()),
  at: z.string(),
  atMs: z.number(),
  /** Position in the zone's change history (record writes and purges share one counter). */
  seq: z.number(),
});
export type PurgeRecord = z.infer<typeof PurgeRecord>;

/** A record write (create/edit/update/delete), kept so tests can assert order against purges. */
export const RecordChange = z.object({
  seq: z.number(),
  zoneName: z.string(),
  action: z.enum(['create', 'edit', 'update', 'delete']),
  recordId: z.string(),
  name: z.string(),
  type: z.string(),
  content: z.string(),
  at: z.string(),
});
export type RecordChange = z.infer<typeof RecordChange>;

/** Everything save() writes and load() reads. */
export const CloudflareSaved = z.object({
  zones: z.array(z.object({ id: z.string(), name: z.string(), records: z.array(StoredRecord) })),
  purges: z.array(PurgeRecord),
  changes: z.array(RecordChange),
  seq: z.number(),
  /** Token names revoked through the control API; absent in state saved before the lever existed. */
  revoked: z.array(z.string()).default([]),
});
export type CloudflareSaved = z.infer<typeof CloudflareSaved>;
