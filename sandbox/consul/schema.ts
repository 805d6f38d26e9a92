import { z } from 'zod';

const Access = z.enum(['deny', 'read', 'write']);

/** A Consul ACL token, simplified to one access level per resource kind (plus an optional key prefix). */
export const ConsulToken = z
  .object({
    name: z.string().min(1),
    accessorId: z.string().uuid(),
    secretId: z.string().uuid(),
    key: Access.default('deny'),
    /** Limits `key` to keys under this prefix ('' = every key). */
    keyPrefix: z.string().default(''),
    node: Access.default('deny'),
    service: Access.default('deny'),
  })
  .strict();
export type ConsulToken = z.infer<typeof ConsulToken>;

/**
 * A service a node registers in the catalog. `windowsService` ties its health check to that
 * Windows service on the machine (the Azure VM of the same name): stopped, the check is critical.
 */
const ConsulServiceDef = z
  .object({ id: z.string().min(1), name: z.string().min(1), port: z.number().int().min(1).max(65535), tags: z.array(z.string()).default([]), windowsService: z.string().min(1).optional() })
  .strict();

/** One machine running a Consul agent. */
export const ConsulNode = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9-]+$/, 'node names are letters, digits and hyphens'),
    address: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'an IPv4 address'),
    role: z.enum(['server', 'api-ui', 'worker', 'scheduled-tasks', 'haproxy']),
    services: z.array(ConsulServiceDef).default([]),
  })
  .strict();
export type ConsulNode = z.infer<typeof ConsulNode>;

/** The `consul:` section of the estate YAML. */
export const ConsulEstate = z
  .object({
    datacenter: z.string().min(1),
    /** The KV key HAProxy watches to redirect outside traffic to the maintenance page. */
    maintenanceKey: z.string().min(1),
    tokens: z.array(ConsulToken).min(1),
    kv: z.record(z.string(), z.string()).default({}),
    nodes: z.array(ConsulNode).min(1),
    /**
     * HAProxy's fronts: while `maintenanceKey` is set, outside requests to these hosts get the
     * friendly message (the text of `messageKey`) and API paths a bare 503, each with Retry-After.
     */
    haproxy: z
      .object({
        fronts: z.array(z.string().min(1)).default([]),
        messageKey: z.string().min(1).optional(),
        apiPathPrefix: z.string().regex(/^\//).default('/api/'),
        retryAfterSeconds: z.number().int().positive().default(3600),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const names = new Set<string>();
    e.nodes.forEach((n, i) => {
      if (names.has(n.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'name'], message: `duplicate node ${n.name}` });
      names.add(n.name.toLowerCase());
    });
  });
export type ConsulEstate = z.infer<typeof ConsulEstate>;

/** A fault of the HAProxy fronts: `ignore-key` (HAProxy does not watch the key: nothing is redirected). */
export const HaproxyFault = z.object({ kind: z.literal('haproxy'), fault: z.literal('ignore-key') }).strict();

/** A KV entry as stored. */
export const KvEntry = z.object({
  key: z.string(),
  value: z.string(),
  flags: z.number(),
  createIndex: z.number(),
  modifyIndex: z.number(),
});
export type KvEntry = z.infer<typeof KvEntry>;

/** Per-node mutable state: the agent's maintenance flags. */
export const NodeState = z.object({
  name: z.string(),
  maintenance: z.object({ reason: z.string(), since: z.string() }).nullable(),
  serviceMaintenance: z.record(z.string(), z.object({ reason: z.string(), since: z.string() })),
});
export type NodeState = z.infer<typeof NodeState>;

/** A change the sandbox records so tests can assert the take-down/restore order. */
export const ConsulEvent = z.object({ seq: z.number(), at: z.string(), node: z.string().optional(), action: z.string(), target: z.string() });
export type ConsulEvent = z.infer<typeof ConsulEvent>;

/** Everything save() writes. */
export const ConsulSaved = z.object({ kv: z.array(KvEntry), nodes: z.array(NodeState), index: z.number(), events: z.array(ConsulEvent), haproxyIgnoresKey: z.boolean().default(false) });
export type ConsulSaved = z.infer<typeof ConsulSaved>;
