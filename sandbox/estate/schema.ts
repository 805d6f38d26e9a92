import { z } from 'zod';

/**
 * Estate model for the Azure half of the sandbox (section `azure`). Other top-level sections
 * (cloudflare, slack, devops, ...) belong to their services, which validate them themselves;
 * they pass through here untouched.
 */

const Name = z.string().min(1).max(80);
const Guid = z.string().regex(/^[0-9a-fA-F-]{36}$/, 'expected a GUID');
const Ipv4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'expected an IPv4 address');

/** One patch the VM will report as installed (or failed) by installPatches. */
export const PatchSchema = z.object({
  kbId: z.string().min(1),
  name: z.string().min(1),
  classifications: z.array(z.string().min(1)).default(['Security']),
  rebootRequired: z.boolean().default(false),
});
export type Patch = z.infer<typeof PatchSchema>;

/** How the VM behaves under installPatches / assessPatches. */
export const PatchBehaviourSchema = z.object({
  /** Virtual minutes an installPatches operation stays InProgress. */
  durationMinutes: z.number().positive().default(60),
  /** Virtual minutes for assessPatches. */
  assessMinutes: z.number().positive().default(5),
  /** Final operation status: Succeeded, Failed (operation fails), CompletedWithWarnings (some patches fail). */
  outcome: z.enum(['Succeeded', 'Failed', 'CompletedWithWarnings']).default('Succeeded'),
  /** Patches pending on the VM; installed (or failed) by the next matching installPatches. */
  pending: z.array(PatchSchema).default([]),
  /** Patch level label reported after a successful install, e.g. '2025-06'. */
  levelAfter: z.string().optional(),
});

export const VirtualMachineSchema = z.object({
  name: Name,
  resourceGroup: Name,
  /** Free-form role (web, app, gateway, management, mcc-db, pdf-extract, proxy, sftp, skybot). */
  role: z.string().min(1),
  size: z.string().default('Standard_D4s_v5'),
  osType: z.enum(['Windows', 'Linux']).default('Windows'),
  privateIp: Ipv4,
  zone: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
  /** Current patch level label. */
  patchLevel: z.string().default('2025-05'),
  patch: PatchBehaviourSchema.default(PatchBehaviourSchema.parse({})),
  /** Windows services on the box: whether they run, or that and their start type (default Automatic). */
  services: z
    .record(z.string(), z.union([z.enum(['Running', 'Stopped']), z.object({ status: z.enum(['Running', 'Stopped']), startType: z.enum(['Automatic', 'Manual', 'Disabled']) }).strict()]))
    .default({}),
  /** Scheduled tasks (`Folder\Name`, or a bare name in the root folder) and whether they are enabled. */
  scheduledTasks: z.record(z.string(), z.boolean()).default({}),
  /** IIS application pools (recycled by runCommand). */
  appPools: z.array(z.string()).default([]),
  /** Health probe behaviour: `healthy` now; `failAfterPatch` turns unhealthy after the next patching. */
  probe: z
    .object({ healthy: z.boolean().default(true), failAfterPatch: z.boolean().default(false) })
    .default({ healthy: true, failAfterPatch: false }),
});
export type VirtualMachineSpec = z.infer<typeof VirtualMachineSchema>;

const PoolSchema = z.object({
  name: Name,
  /** Member VM names; their private IPs are used as the pool's addresses. */
  members: z.array(Name).default([]),
});

/** A gateway pool may also hold FQDN members (an origin outside the estate's VMs). */
const GatewayPoolSchema = PoolSchema.extend({ fqdns: z.array(z.string().regex(/^[a-z0-9.-]+$/i, 'a host name')).default([]) });

/**
 * A load-balancer pool is IP-based (addresses on the pool) or NIC-based (each member VM's NIC
 * IP configuration names the pool, the usual shape behind a VM-backed internal load balancer).
 */
const LbPoolSchema = PoolSchema.extend({ backend: z.enum(['ip', 'nic']).default('ip') });

export const ApplicationGatewaySchema = z.object({
  name: Name,
  resourceGroup: Name,
  sku: z.string().default('WAF_v2'),
  backendPools: z.array(GatewayPoolSchema).min(1),
  /** Virtual seconds a PUT keeps the gateway in provisioningState Updating. */
  updateSeconds: z.number().nonnegative().default(30),
  /** How a second PUT during an update fails: 409 AnotherOperationInProgress or 429 RetryableErrorDueToAnotherOperation. */
  conflictMode: z.enum(['409', '429']).default('409'),
  /** Retry-After (seconds) sent with the 429 flavour. */
  conflictRetryAfterSeconds: z.number().int().nonnegative().default(10),
});

export const LoadBalancerSchema = z.object({
  name: Name,
  resourceGroup: Name,
  sku: z.string().default('Standard'),
  frontendIp: Ipv4,
  backendPools: z.array(LbPoolSchema).min(1),
});

export const SecretSpecSchema = z.object({
  name: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'Key Vault secret names are 1-127 of 0-9, a-z, A-Z, -'),
  /** The vault holding it (default: keyVault.name). One local listener serves every vault, so names are unique across vaults. */
  vault: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, 'Key Vault names are 3-24 of a-z, A-Z, 0-9, -').optional(),
  value: z.string(),
  contentType: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
  enabled: z.boolean().default(true),
});

export const AzureEstateSchema = z.object({
  tenantId: Guid,
  subscriptionId: Guid,
  location: z.string().min(1).default('eastus'),
  /** Service principals the local token endpoint accepts (client credentials). */
  clients: z.array(z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) })).min(1),
  virtualNetwork: z.object({ name: Name, resourceGroup: Name, subnet: Name }),
  virtualMachines: z.array(VirtualMachineSchema).min(1),
  applicationGateways: z.array(ApplicationGatewaySchema).default([]),
  loadBalancers: z.array(LoadBalancerSchema).default([]),
  keyVault: z.object({ name: Name, secrets: z.array(SecretSpecSchema).default([]) }),
  /** Virtual seconds that long-running VM actions other than patching take (runCommand, restart). */
  actionSeconds: z.object({ runCommand: z.number().nonnegative().default(20), restart: z.number().nonnegative().default(120) }).default({ runCommand: 20, restart: 120 }),
});
export type AzureEstate = z.infer<typeof AzureEstateSchema>;

/** The whole estate file: `azure` validated here, every other section passed through. */
export const EstateSchema = z
  .object({
    /** Optional so a service's own tests may load an estate without Azure. */
    azure: AzureEstateSchema.optional(),
  })
  .passthrough()
  .superRefine((estate, ctx) => {
    if (!estate.azure) return;
    const azure = estate.azure;
    const vmNames = new Set(azure.virtualMachines.map((v) => v.name.toLowerCase()));
    const seen = new Set<string>();
    azure.virtualMachines.forEach((vm, i) => {
      if (seen.has(vm.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['azure', 'virtualMachines', i, 'name'], message: `duplicate VM name ${vm.name}` });
      seen.add(vm.name.toLowerCase());
    });
    const checkPools = (kind: 'applicationGateways' | 'loadBalancers') =>
      azure[kind].forEach((res, i) =>
        res.backendPools.forEach((pool, j) =>
          pool.members.forEach((m, k) => {
            if (!vmNames.has(m.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['azure', kind, i, 'backendPools', j, 'members', k], message: `unknown VM ${m}` });
          }),
        ),
      );
    checkPools('applicationGateways');
    checkPools('loadBalancers');
    const secretNames = new Set<string>();
    azure.keyVault.secrets.forEach((secret, i) => {
      if (secretNames.has(secret.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['azure', 'keyVault', 'secrets', i, 'name'], message: `duplicate secret ${secret.name} (one local listener serves every vault)` });
      secretNames.add(secret.name.toLowerCase());
    });
  });
export type Estate = z.infer<typeof EstateSchema>;
