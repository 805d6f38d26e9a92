/**
 * Every simulated service, by name (= the listener it is mounted on, see sandbox/core/ports.ts).
 * One line per service; the sandbox builds them all from the same ServiceContext.
 */
import { createArmService, createKeyVaultService, createLoginService, createProbesService } from './azure';
import type { ServiceFactory } from './core/types';
import { createCloudflareService } from './cloudflare/service';
import { createSlackService } from './slack/service';
import { createDevOpsService } from './devops/service';
import { createPingdomService } from './pingdom/service';
import { createMailgunService } from './mailgun/service';
import { createConsulService } from './consul/service';
import { createOpsgenieService } from './opsgenie/service';

export const serviceFactories: Record<string, ServiceFactory> = {
  arm: createArmService,
  login: createLoginService,
  keyvault: createKeyVaultService,
  probes: createProbesService,
  cloudflare: createCloudflareService,
  slack: createSlackService,
  devops: createDevOpsService,
  pingdom: createPingdomService,
  mailgun: createMailgunService,
  consul: createConsulService,
  opsgenie: createOpsgenieService,
};
