import { resolve } from 'path';
import { createActivities, type ActivityHandlers } from './activities';
import { ArmAccessClient } from './adapters/azure/access';
import { AzureAlertSuppressionClient } from './adapters/azure/alerts';
import { createArmResourceClient, createTokenCredential, type AzureClientOptions } from './adapters/azure/client';
import { AzureComputeClient } from './adapters/azure/compute';
import { RunCommandWindowsHosts } from './adapters/azure/windows';
import { AzurePoolClient } from './adapters/azure/pools';
import { KeyVaultSecretStore } from './adapters/azure/secrets';
import { createCloudflareClient } from './adapters/cloudflare/client';
import { CloudflareDnsClient } from './adapters/cloudflare/dns';
import { createConsulClient } from './adapters/consul/client';
import { ConsulMaintenanceClient } from './adapters/consul/consul';
import { createDevOpsConnection } from './adapters/devops/client';
import { DevOpsPipelineClient } from './adapters/devops/pipelines';
import { createHttpsFetch } from './adapters/http/https';
import { HttpProbeClient, simulatedWebServersOverride } from './adapters/http/probe';
import { MailgunKeyClient } from './adapters/mailgun/keys';
import { createOpsgenieClient } from './adapters/opsgenie/client';
import { OpsgenieMaintenanceClient } from './adapters/opsgenie/oncall';
import { createPingdomClient } from './adapters/pingdom/client';
import { PingdomUptimeClient } from './adapters/pingdom/uptime';
import { createSlackClient } from './adapters/slack/client';
import { SlackChatClient } from './adapters/slack/chat';
import type { SlackInteractivity } from './api/slack';
import { remoteClock, systemClock, type Clock } from './clock';
import { loadConfig, type AppConfig } from './config';
import type { Ports } from './ports';
import { TableWindowStore, type WindowStore } from './store/windowStore';
import { BlobWindowRevisions, type WindowPublisher } from './store/windowRevisions';
import { createFolderWindowSource, layeredWindowSource, type WindowSource } from './window/source';

/** The app's composition root: configuration in, ports and stores out, built once per process. */
export interface Services {
  config: AppConfig;
  ports: Ports;
  store: WindowStore;
  windows: WindowSource;
  /** Where `mw publish` puts window revisions (the first layer of `windows`). */
  published: WindowPublisher;
  clock: Clock;
  activities: ActivityHandlers;
  /** Present when the Slack app's signing secret is configured. */
  slack?: SlackInteractivity;
}

let built: Services | undefined;

/** The services for this process, built on first use from the validated environment. */
export function services(): Services {
  built ??= buildServices(loadConfig());
  return built;
}

/** Builds every adapter from explicit configuration (tests build their own). */
export function buildServices(config: AppConfig): Services {
  const ports = createPorts(config);
  const { storage } = config;
  const credential = 'connectionString' in storage ? undefined : createTokenCredential({ kind: 'default', ...(storage.clientId ? { managedIdentityClientId: storage.clientId } : {}) });
  const store = new TableWindowStore(
    'connectionString' in storage
      ? { connectionString: storage.connectionString, prefix: storage.prefix }
      : { tableUrl: storage.tableUrl, blobUrl: storage.blobUrl, prefix: storage.prefix, credential: credential! },
  );
  const published = new BlobWindowRevisions(
    'connectionString' in storage ? { connectionString: storage.connectionString, container: config.windowsContainer } : { blobUrl: storage.blobUrl, credential: credential!, container: config.windowsContainer },
  );
  const windows = layeredWindowSource(published, config.windowsDir ? createFolderWindowSource(resolve(config.windowsDir)) : undefined);
  const clock = config.clockUrl ? remoteClock(config.clockUrl) : systemClock;
  const slack = slackInteractivity(config);
  return { config, ports, store, windows, published, clock, activities: createActivities({ ports, store, windows, ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) }), ...(slack ? { slack } : {}) };
}

/** Slack button clicks: verified with the signing secret; answers go only to Slack's own response URLs. */
function slackInteractivity(config: AppConfig): SlackInteractivity | undefined {
  const { signingSecret, apiUrl } = config.slack;
  if (!signingSecret) return undefined;
  const fetchCa = createHttpsFetch(config.caPem ? { caPem: config.caPem } : {});
  return {
    signingSecret,
    responseOrigins: ['https://hooks.slack.com', ...(apiUrl ? [new URL(apiUrl).origin] : [])],
    respond: async (url, body) => {
      const res = await fetchCa(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`Slack response_url answered ${res.status}`);
    },
    nowMs: () => Date.now(),
  };
}

export function createPorts(config: AppConfig): Ports {
  const { azure, caPem } = config;
  const credential =
    azure.tenantId && azure.clientId && azure.clientSecret
      ? createTokenCredential({
          kind: 'clientSecret',
          tenantId: azure.tenantId,
          clientId: azure.clientId,
          clientSecret: azure.clientSecret,
          ...(azure.authorityHost ? { authorityHost: azure.authorityHost, disableInstanceDiscovery: true } : {}),
          ...(caPem ? { caPem } : {}),
          additionallyAllowedTenants: ['*'],
        })
      : createTokenCredential({ kind: 'default', ...(azure.clientId ? { managedIdentityClientId: azure.clientId } : {}) });
  const azureOptions: AzureClientOptions = { credential, ...(caPem ? { caPem } : {}), userAgentPrefix: 'maintenance-windows' };
  const local = Boolean(caPem);
  const slackOptions = { token: config.slack.token, ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}), ...(caPem ? { caPem } : {}) };

  const compute = new AzureComputeClient({ ...azureOptions, endpoint: azure.armEndpoint });
  return {
    compute,
    pools: new AzurePoolClient({ ...azureOptions, endpoint: azure.armEndpoint }),
    alerts: azure.alertRulesScope
      ? new AzureAlertSuppressionClient({ arm: createArmResourceClient({ ...azureOptions, endpoint: azure.armEndpoint }), scope: azure.alertRulesScope })
      : unconfigured<Ports['alerts']>('MW_ALERT_RULES_SCOPE (where alert processing rules live) is not set'),
    secrets: new KeyVaultSecretStore({ ...azureOptions, vaultUrl: (vault: string) => (/^https:\/\//.test(vault) ? vault : azure.keyVaultUrlTemplate.replace('{vault}', vault)), local }),
    dns: new CloudflareDnsClient(createCloudflareClient({ apiToken: config.cloudflare.apiToken, ...(config.cloudflare.baseUrl ? { baseUrl: config.cloudflare.baseUrl } : {}), ...(caPem ? { caPem } : {}) })),
    chat: new SlackChatClient(createSlackClient(slackOptions), { interactive: config.slack.signingSecret !== '', poster: createSlackClient({ ...slackOptions, retryConfig: { retries: 0 } }) }),
    pipelines: new DevOpsPipelineClient(
      createDevOpsConnection({ organizationUrl: config.devops.orgUrl ?? 'https://dev.azure.com/unset', pat: config.devops.pat, ...(config.caFile ? { caFile: config.caFile } : {}) }),
      { knownStages: config.devops.knownStages },
    ),
    uptime: new PingdomUptimeClient(createPingdomClient({ apiToken: config.pingdom.token, ...(config.pingdom.baseUrl ? { baseUrl: config.pingdom.baseUrl } : {}), ...(caPem ? { caPem } : {}) })),
    mail: new MailgunKeyClient({
      apiKey: config.mailgun.apiKey,
      ...(config.mailgun.baseUrl ? { baseUrl: config.mailgun.baseUrl } : {}),
      ...(caPem ? { caPem } : {}),
      keys: { role: config.mailgun.role, ...(config.mailgun.domain ? { kind: 'domain', domainName: config.mailgun.domain } : {}) },
    }),
    consul: new ConsulMaintenanceClient(
      createConsulClient({
        baseUrl: config.consul.url ?? 'https://consul.service.consul:8501',
        token: config.consul.token,
        agentUrl: (node) => byName(config.consul.agents, node) ?? config.consul.agentUrl.replace('{node}', encodeURIComponent(node)),
        ...(config.consul.agentConnectUrl ? { agentConnectTo: config.consul.agentConnectUrl } : {}),
        ...(caPem ? { caPem } : {}),
      }),
    ),
    hosts: new RunCommandWindowsHosts({
      compute,
      vmIdOf: (node) => {
        const id = byName(config.windows.vms, node) ?? config.windows.vmIdTemplate?.replace('{node}', node);
        if (!id) throw Object.assign(new Error(`no Azure VM configured for ${node}: set MW_WINDOWS_VM_ID_TEMPLATE or MW_WINDOWS_VMS`), { code: 'NotConfigured' });
        return id;
      },
      // Locally the estate follows a fast virtual clock: a run command ends within a fraction of a second.
      ...(local ? { pollIntervalInMs: 20 } : {}),
    }),
    oncall: config.opsgenie.apiKey
      ? new OpsgenieMaintenanceClient(createOpsgenieClient({ apiKey: config.opsgenie.apiKey, ...(config.opsgenie.url ? { baseUrl: config.opsgenie.url } : {}), ...(caPem ? { caPem } : {}) }))
      : unconfigured<Ports['oncall']>('MW_OPSGENIE_API_KEY (an Opsgenie / JSM Operations API key) is not set'),
    access: new ArmAccessClient(createArmResourceClient({ ...azureOptions, endpoint: azure.armEndpoint })),
    probes: new HttpProbeClient({ ...(caPem ? { caPem } : {}), ...(config.probeOverrideUrl ? { connectOverride: simulatedWebServersOverride(config.probeOverrideUrl) } : {}) }),
  };
}

/** A configured value by name, case-insensitively (machine names are). */
function byName(map: Record<string, string>, name: string): string | undefined {
  return Object.entries(map).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** A port whose configuration is missing: every call fails with the setting to fix. */
function unconfigured<T extends object>(message: string): T {
  return new Proxy({} as T, {
    get: () => async () => {
      throw Object.assign(new Error(message), { code: 'NotConfigured' });
    },
  });
}
