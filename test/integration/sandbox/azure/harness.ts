import type { TokenCredential } from '@azure/identity';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { parse } from 'yaml';
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from '../../../../sandbox/core/sandbox';
import {
  createArmResourceClient,
  createComputeClient,
  createNetworkClient,
  createSecretClient,
  createTokenCredential,
  type AzureRetryOptions,
} from '../../../../shared/adapters/azure/client';
import { httpsJson, ManualClock, useStarted } from '../common';

export { httpsJson, ManualClock };

/** Where the Azure tests' virtual clock starts: the evening before the 2025-06-22 window. */
export const AZURE_START = Date.UTC(2025, 5, 21, 23, 0, 0);

const estateFile = path.resolve(__dirname, '../../../../sandbox/estate/default.yaml');

/** The Azure section of the default estate, for ids and credentials. */
export const estate = (parse(readFileSync(estateFile, 'utf8')) as { azure: { tenantId: string; subscriptionId: string; clients: { clientId: string; clientSecret: string }[] } }).azure;

/** A sandbox, its clock and the real SDK clients pointed at it. */
export interface Harness {
  sandbox: RunningSandbox;
  clock: ManualClock;
  stateDir: string;
  /** The in-process state, typed for the Azure sections. */
  state(): ArmStateView;
  clients(retry?: AzureRetryOptions): ReturnType<typeof makeClients>;
  control<T = unknown>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** A new credential for the estate's first client (the automation), through the sandbox's token endpoint. */
export function estateCredential(sandbox: Pick<RunningSandbox, 'urls' | 'caPem'>, clientSecret?: string): TokenCredential {
  const client = estate.clients[0];
  if (!client) throw new Error('estate has no client');
  return createTokenCredential({
    kind: 'clientSecret',
    tenantId: estate.tenantId,
    clientId: client.clientId,
    clientSecret: clientSecret ?? client.clientSecret,
    authorityHost: sandbox.urls.login,
    disableInstanceDiscovery: true,
    caPem: sandbox.caPem,
  });
}

function makeClients(sandbox: RunningSandbox, retry: AzureRetryOptions) {
  const credential = estateCredential(sandbox);
  const common = { credential, caPem: sandbox.caPem, retry };
  return {
    credential,
    compute: createComputeClient(estate.subscriptionId, { ...common, endpoint: sandbox.urls.arm }),
    network: createNetworkClient(estate.subscriptionId, { ...common, endpoint: sandbox.urls.arm }),
    secrets: createSecretClient(sandbox.urls.keyvault, { ...common, local: true }),
    arm: createArmResourceClient({ ...common, endpoint: sandbox.urls.arm }),
  };
}

/** Starts a sandbox on `basePort` with a fresh state dir and a manual clock. */
export async function startHarness(basePort: number, extra: Partial<StartSandboxOptions> = {}): Promise<Harness> {
  const stateDir = extra.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'mw-sbx-'));
  const clock = (extra.clock as ManualClock | undefined) ?? new ManualClock(AZURE_START);
  const sandbox = await startSandbox({ basePort, estateFile, stateDir, clock, ...extra });
  return {
    sandbox,
    clock,
    stateDir,
    state: () => sandbox.state() as unknown as ArmStateView,
    clients: (retry = { maxRetries: 0 }) => makeClients(sandbox, retry),
    control: async <T = unknown>(method: string, p: string, body?: unknown) => {
      const res = await httpsJson<T>(sandbox.caPem, method, `${sandbox.urls.control}${p}`, body);
      return { status: res.status, body: res.body };
    },
    close: async () => {
      await sandbox.stop();
      if (!extra.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A harness for the enclosing describe block: started before its tests, closed after them. */
export function useHarness(basePort: number, extra: Partial<StartSandboxOptions> = {}): Harness {
  return useStarted(() => startHarness(basePort, extra), { stop: (h) => h.close() });
}

export const RG_WEB = 'RG-WEB-PRD';
export const RG_NET = 'RG-NETWORK-PRD';
export const AGW = 'agw-pri-appgateway0-prd';
export const ILB = 'IC-LB-WebSVR-4AppSVR';

/** Typed view of the parts of /_sandbox/state the Azure tests read. */
export interface ArmStateView {
  arm: {
    virtualMachines: Record<string, { patchLevel: string; healthy: boolean; pendingPatches: string[]; rebootPending: boolean; patchHistory: { kind: string; status: string; installed: string[]; operationId: string }[]; services: Record<string, string>; startTypes: Record<string, string>; scheduledTasks: Record<string, boolean>; appPools: Record<string, { recycles: number }>; commands: { exitCode: number; effects: string[] }[]; powerState: string; rebooting: boolean }>;
    applicationGateways: Record<string, { provisioningState: string; updates: number; pools: Record<string, string[]> }>;
    loadBalancers: Record<string, { pools: Record<string, string[]> }>;
    alertProcessingRules: Record<string, { id: string; properties: Record<string, unknown> }>;
    operations: { id: string; kind: string; status: string }[];
  };
  keyvault: { secrets: Record<string, { versions: { version: string; enabled: boolean }[] }> };
}
