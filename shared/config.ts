import { readFileSync } from 'fs';
import { z } from 'zod';

/**
 * The only reader of process.env. Validated once at start; a bad setting names the
 * variable and the reason. Secrets (tokens, keys) come from app settings that are
 * Key Vault references on Azure and never leave this object except into clients.
 */
const optionalUrl = z.string().url().optional();

const Env = z.object({
  /** A connection string (UseDevelopmentStorage=true locally), or the identity-based settings below (Azure, managed identity). */
  AzureWebJobsStorage: z.string().min(1).optional(),
  AzureWebJobsStorage__accountName: z.string().regex(/^[a-z0-9]{3,24}$/, 'a storage account name: 3-24 lower-case letters and digits').optional(),
  AzureWebJobsStorage__tableServiceUri: optionalUrl,
  AzureWebJobsStorage__blobServiceUri: optionalUrl,
  /** A user-assigned identity's client id; absent, the system-assigned identity. */
  AzureWebJobsStorage__clientId: z.string().optional(),
  /** A folder of window files beside the published ones (local runs); on Azure windows are published (`mw publish`). */
  MW_WINDOWS_DIR: z.string().optional(),
  /** Blob container holding every published window revision. */
  MW_WINDOWS_CONTAINER: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a Blob container name: 3-63 lower-case letters, digits and single hyphens').default('mw-windows'),
  MW_STORE_PREFIX: z.string().regex(/^[A-Za-z0-9]*$/, 'letters and digits only').default(''),
  /**
   * Who says who calls: `app-service` (App Service authentication's X-MS-CLIENT-PRINCIPAL, the
   * only mode allowed on Azure) or `local-header` (MW_IDENTITY_HEADER names the caller; local host only).
   */
  MW_IDENTITY_MODE: z.enum(['app-service', 'local-header']).default('app-service'),
  /** The caller's header in local-header mode. */
  MW_IDENTITY_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name').default('x-mw-user'),
  /** Platform engineers (start, abort, publish): UPNs / emails or Entra object ids, comma-separated. */
  MW_PLATFORM_ENGINEERS: z.string().default(''),
  /** The Entra app role that makes a caller a platform engineer (App Service authentication's role claims). */
  MW_PLATFORM_ENGINEER_ROLE: z.string().default('MaintenanceWindows.Engineer'),
  /** Set by App Service / Azure Functions on every instance and never by the local host: tells Azure apart. */
  WEBSITE_INSTANCE_ID: z.string().optional(),
  /** Set by App Service on every instance: the app's default host name (links in notices when MW_PUBLIC_URL is not set). */
  WEBSITE_HOSTNAME: z.string().optional(),
  /** PEM file of an extra CA to trust (the simulated estate's, locally). */
  MW_CA_FILE: z.string().optional(),

  MW_ARM_ENDPOINT: z.string().url().default('https://management.azure.com'),
  MW_AZURE_AUTHORITY_HOST: optionalUrl,
  MW_AZURE_TENANT_ID: z.string().optional(),
  MW_AZURE_CLIENT_ID: z.string().optional(),
  MW_AZURE_CLIENT_SECRET: z.string().optional(),
  /** Subscription and resource group for alert processing rules. */
  MW_ALERT_RULES_SCOPE: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i, 'expected /subscriptions/<id>/resourceGroups/<name>').optional(),
  /** `https://{vault}.vault.azure.net` by default; locally one listener serves every vault. */
  MW_KEYVAULT_URL_TEMPLATE: z.string().default('https://{vault}.vault.azure.net'),

  MW_CLOUDFLARE_BASE_URL: optionalUrl,
  MW_CLOUDFLARE_API_TOKEN: z.string().default(''),
  MW_SLACK_API_URL: optionalUrl,
  MW_SLACK_TOKEN: z.string().default(''),
  /** The Slack app's signing secret: set, approval requests carry buttons and /api/slack/interactions accepts their clicks. */
  MW_SLACK_SIGNING_SECRET: z.string().default(''),
  MW_DEVOPS_ORG_URL: optionalUrl,
  MW_DEVOPS_PAT: z.string().default(''),
  /** JSON: pipeline name → stage names, for pipelines that have never run (stagesToSkip needs them). */
  MW_DEVOPS_KNOWN_STAGES: z.string().default('{}'),
  MW_PINGDOM_BASE_URL: optionalUrl,
  MW_PINGDOM_TOKEN: z.string().default(''),
  MW_MAILGUN_BASE_URL: optionalUrl,
  MW_MAILGUN_API_KEY: z.string().default(''),
  MW_MAILGUN_KEY_ROLE: z.enum(['admin', 'basic', 'sending', 'developer', 'support']).default('sending'),
  MW_MAILGUN_DOMAIN: z.string().optional(),
  MW_CONSUL_URL: optionalUrl,
  MW_CONSUL_TOKEN: z.string().default(''),
  /**
   * Each node's own Consul agent (maintenance mode is set there, as `consul maint` does on the box):
   * a URL with `{node}`, e.g. https://{node}.billpay.local:8501.
   */
  MW_CONSUL_AGENT_URL: z.string().regex(/^https?:\/\/.*\{node\}/, 'a URL containing {node}').default('https://{node}:8501'),
  /** JSON: node → agent URL, for nodes the template does not fit. */
  MW_CONSUL_AGENTS: z.string().default('{}'),
  /** Locally: connect to every agent here, its host kept in the Host header (the simulated estate tells agents apart by it). */
  MW_CONSUL_AGENT_CONNECT_URL: optionalUrl,
  /**
   * The Azure VM of a Windows machine named in a window (worker services and scheduled tasks run
   * through Run Command there): a resource id with `{node}`.
   */
  MW_WINDOWS_VM_ID_TEMPLATE: z
    .string()
    .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/.*\{node\}/i, 'a VM resource id containing {node}')
    .optional(),
  /** JSON: machine name → VM resource id, for machines the template does not fit. */
  MW_WINDOWS_VMS: z.string().default('{}'),
  /** The app's address as people reach it (https://<app>.azurewebsites.net): links in Slack to the status page and the window report. */
  MW_PUBLIC_URL: optionalUrl,
  /** Opsgenie / Jira Service Management Operations API (EU: https://api.eu.opsgenie.com). */
  MW_OPSGENIE_URL: optionalUrl,
  /** An Opsgenie API integration key (GenieKey) that may create and cancel maintenances. */
  MW_OPSGENIE_API_KEY: z.string().default(''),
  /** Locally: follow the devhost's virtual clock (GET → { nowMs, speed }). */
  MW_CLOCK_URL: optionalUrl,
  /** Locally: send every sanity probe to the simulated web servers' listener. */
  MW_PROBE_OVERRIDE_URL: optionalUrl,
});

export type AppConfig = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Called when the HTTP functions load: on Azure (WEBSITE_INSTANCE_ID set) an app configured to take
 * the caller from a plain header refuses to start, instead of serving requests anyone can forge.
 */
export function assertSafeIdentityMode(env: NodeJS.ProcessEnv = process.env): void {
  if (env.WEBSITE_INSTANCE_ID && (env.MW_IDENTITY_MODE ?? 'app-service') !== 'app-service') {
    throw new ConfigError(['MW_IDENTITY_MODE: "local-header" lets any caller claim any identity; on Azure (WEBSITE_INSTANCE_ID is set) only "app-service" is allowed']);
  }
}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.data;
  // A caller-set header must never name the caller on Azure: refuse to start rather than trust it.
  assertSafeIdentityMode(env);
  if (!e.AzureWebJobsStorage && !e.AzureWebJobsStorage__accountName) {
    throw new ConfigError(['AzureWebJobsStorage: set a connection string (UseDevelopmentStorage=true locally) or AzureWebJobsStorage__accountName (managed identity on Azure)']);
  }
  let knownStages: Record<string, string[]>;
  try {
    knownStages = z.record(z.string(), z.array(z.string())).parse(JSON.parse(e.MW_DEVOPS_KNOWN_STAGES));
  } catch {
    throw new ConfigError(['MW_DEVOPS_KNOWN_STAGES: expected JSON {"Pipeline name": ["Stage", ...]}']);
  }
  const jsonMap = (name: string, text: string): Record<string, string> => {
    try {
      return z.record(z.string(), z.string().min(1)).parse(JSON.parse(text));
    } catch {
      throw new ConfigError([`${name}: expected JSON {"name": "value", ...}`]);
    }
  };
  const consulAgents = jsonMap('MW_CONSUL_AGENTS', e.MW_CONSUL_AGENTS);
  const windowsVms = jsonMap('MW_WINDOWS_VMS', e.MW_WINDOWS_VMS);
  let caPem: string | undefined;
  if (e.MW_CA_FILE) {
    try {
      caPem = readFileSync(e.MW_CA_FILE, 'utf8');
    } catch {
      throw new ConfigError([`MW_CA_FILE: cannot read ${e.MW_CA_FILE}`]);
    }
  }
  return {
    storage: {
      prefix: e.MW_STORE_PREFIX,
      // The host's own rule: a connection string wins; otherwise the account's endpoints with an identity.
      ...(e.AzureWebJobsStorage
        ? { connectionString: e.AzureWebJobsStorage }
        : {
            tableUrl: e.AzureWebJobsStorage__tableServiceUri ?? `https://${e.AzureWebJobsStorage__accountName!}.table.core.windows.net`,
            blobUrl: e.AzureWebJobsStorage__blobServiceUri ?? `https://${e.AzureWebJobsStorage__accountName!}.blob.core.windows.net`,
            ...(e.AzureWebJobsStorage__clientId ? { clientId: e.AzureWebJobsStorage__clientId } : {}),
          }),
    },
    windowsDir: e.MW_WINDOWS_DIR,
    windowsContainer: `${e.MW_STORE_PREFIX.toLowerCase()}${e.MW_WINDOWS_CONTAINER}`.slice(0, 63),
    identity: { mode: e.MW_IDENTITY_MODE, header: e.MW_IDENTITY_HEADER.toLowerCase() },
    platformEngineers: {
      ids: e.MW_PLATFORM_ENGINEERS.split(',').map((x) => x.trim()).filter(Boolean),
      appRole: e.MW_PLATFORM_ENGINEER_ROLE,
    },
    caPem,
    caFile: e.MW_CA_FILE,
    azure: {
      armEndpoint: e.MW_ARM_ENDPOINT,
      authorityHost: e.MW_AZURE_AUTHORITY_HOST,
      tenantId: e.MW_AZURE_TENANT_ID,
      clientId: e.MW_AZURE_CLIENT_ID,
      clientSecret: e.MW_AZURE_CLIENT_SECRET,
      alertRulesScope: e.MW_ALERT_RULES_SCOPE,
      keyVaultUrlTemplate: e.MW_KEYVAULT_URL_TEMPLATE,
    },
    cloudflare: { baseUrl: e.MW_CLOUDFLARE_BASE_URL, apiToken: e.MW_CLOUDFLARE_API_TOKEN },
    slack: { apiUrl: e.MW_SLACK_API_URL, token: e.MW_SLACK_TOKEN, signingSecret: e.MW_SLACK_SIGNING_SECRET },
    devops: { orgUrl: e.MW_DEVOPS_ORG_URL, pat: e.MW_DEVOPS_PAT, knownStages },
    pingdom: { baseUrl: e.MW_PINGDOM_BASE_URL, token: e.MW_PINGDOM_TOKEN },
    mailgun: { baseUrl: e.MW_MAILGUN_BASE_URL, apiKey: e.MW_MAILGUN_API_KEY, role: e.MW_MAILGUN_KEY_ROLE, domain: e.MW_MAILGUN_DOMAIN },
    consul: { url: e.MW_CONSUL_URL, token: e.MW_CONSUL_TOKEN, agentUrl: e.MW_CONSUL_AGENT_URL, agents: consulAgents, agentConnectUrl: e.MW_CONSUL_AGENT_CONNECT_URL },
    windows: { vmIdTemplate: e.MW_WINDOWS_VM_ID_TEMPLATE, vms: windowsVms },
    opsgenie: { url: e.MW_OPSGENIE_URL, apiKey: e.MW_OPSGENIE_API_KEY },
    probeOverrideUrl: e.MW_PROBE_OVERRIDE_URL,
    clockUrl: e.MW_CLOCK_URL,
    publicUrl: e.MW_PUBLIC_URL ?? (e.WEBSITE_HOSTNAME ? `https://${e.WEBSITE_HOSTNAME}` : undefined),
  };
}
