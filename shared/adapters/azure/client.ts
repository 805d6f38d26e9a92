/**
 * Factories for the real Azure SDK clients the app uses. Everything comes in through explicit
 * options (endpoints, credential, CA, retry caps): no environment reads here, so the same code
 * talks to Azure or to the local sandbox by configuration alone.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest, RestError, type PipelineRetryOptions } from '@azure/core-rest-pipeline';
import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

/** Public-cloud Resource Manager endpoint and the scope every ARM token is requested for. */
export const AZURE_ARM_ENDPOINT = 'https://management.azure.com';
export const AZURE_ARM_SCOPE = 'https://management.azure.com/.default';

/**
 * Retry caps for the SDK pipeline. Durable activities have their own retry policies, so keep
 * these small or attempts multiply (SDK retries x durable retries).
 */
export interface AzureRetryOptions {
  /** Default 2. 0 turns the SDK's own retries off. */
  maxRetries?: number;
  /** Base delay for exponential backoff (default 800 ms). */
  retryDelayInMs?: number;
  /** Cap on one backoff delay (default 10 s). */
  maxRetryDelayInMs?: number;
}

/** Options shared by every Azure client factory. */
export interface AzureClientOptions {
  credential: TokenCredential;
  /** PEM of an extra CA to trust (the local sandbox's CA). Omit against Azure. */
  caPem?: string;
  retry?: AzureRetryOptions;
  /** Prefix for the User-Agent header, e.g. 'mw/0.1'. */
  userAgentPrefix?: string;
}

/** How to authenticate. */
export type AzureCredentialOptions =
  | {
      /** A service principal with a secret: used against the local token endpoint (and possible in Azure). */
      kind: 'clientSecret';
      tenantId: string;
      clientId: string;
      clientSecret: string;
      /** e.g. 'https://127.0.0.1:7442' for the sandbox; default is Microsoft Entra ID. */
      authorityHost?: string;
      /** Required offline: skips the instance discovery call to login.microsoftonline.com. */
      disableInstanceDiscovery?: boolean;
      caPem?: string;
      /** Key Vault challenges may name another tenant. */
      additionallyAllowedTenants?: string[];
    }
  | {
      /** The Function App's managed identity (user-assigned when clientId is given). */
      kind: 'managedIdentity';
      clientId?: string;
    }
  | {
      /** DefaultAzureCredential: managed identity in Azure, developer sign-ins on a workstation. */
      kind: 'default';
      managedIdentityClientId?: string;
      tenantId?: string;
    };

function retryOptions(retry: AzureRetryOptions | undefined): PipelineRetryOptions {
  return { maxRetries: retry?.maxRetries ?? 2, retryDelayInMs: retry?.retryDelayInMs ?? 800, maxRetryDelayInMs: retry?.maxRetryDelayInMs ?? 10_000 };
}

function tls(caPem: string | undefined): { tlsOptions?: { ca: string } } {
  return caPem ? { tlsOptions: { ca: caPem } } : {};
}

/** Builds the TokenCredential the other factories take. */
export function createTokenCredential(options: AzureCredentialOptions): TokenCredential {
  switch (options.kind) {
    case 'clientSecret':
      if (!options.tenantId || !options.clientId || !options.clientSecret) throw new TypeError('clientSecret credential needs tenantId, clientId and clientSecret');
      return new ClientSecretCredential(options.tenantId, options.clientId, options.clientSecret, {
        ...(options.authorityHost ? { authorityHost: options.authorityHost } : {}),
        disableInstanceDiscovery: options.disableInstanceDiscovery ?? false,
        ...(options.additionallyAllowedTenants ? { additionallyAllowedTenants: options.additionallyAllowedTenants } : {}),
        ...tls(options.caPem),
      });
    case 'managedIdentity':
      return options.clientId ? new ManagedIdentityCredential({ clientId: options.clientId }) : new ManagedIdentityCredential();
    case 'default':
      return new DefaultAzureCredential({
        ...(options.managedIdentityClientId ? { managedIdentityClientId: options.managedIdentityClientId } : {}),
        ...(options.tenantId ? { tenantId: options.tenantId } : {}),
      });
  }
}

/** @azure/arm-compute client (VMs: get/list/instanceView, installPatches, runCommand, restart). */
export function createComputeClient(subscriptionId: string, options: AzureClientOptions & { endpoint?: string }): ComputeManagementClient {
  return new ComputeManagementClient(options.credential, subscriptionId, {
    endpoint: options.endpoint ?? AZURE_ARM_ENDPOINT,
    credentials: { scopes: [AZURE_ARM_SCOPE] },
    retryOptions: retryOptions(options.retry),
    ...tls(options.caPem),
    ...(options.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } } : {}),
  });
}

/** @azure/arm-network client (application gateways, load balancers). */
export function createNetworkClient(subscriptionId: string, options: AzureClientOptions & { endpoint?: string }): NetworkManagementClient {
  return new NetworkManagementClient(options.credential, subscriptionId, {
    endpoint: options.endpoint ?? AZURE_ARM_ENDPOINT,
    // Classic clients otherwise ask for `${endpoint}/.default`, which Entra ID rejects for a custom endpoint.
    credentialScopes: [AZURE_ARM_SCOPE],
    retryOptions: retryOptions(options.retry),
    ...tls(options.caPem),
    ...(options.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } } : {}),
  });
}

/** @azure/keyvault-secrets client. `local` relaxes the challenge's resource check for a loopback vault. */
export function createSecretClient(vaultUrl: string, options: AzureClientOptions & { local?: boolean }): SecretClient {
  return new SecretClient(vaultUrl, options.credential, {
    disableChallengeResourceVerification: options.local ?? false,
    retryOptions: retryOptions(options.retry),
    ...tls(options.caPem),
    ...(options.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } } : {}),
  });
}

/** Options for one generic ARM call. */
export interface ArmCallOptions {
  abortSignal?: AbortSignal;
  timeoutInMs?: number;
}

/**
 * Generic ARM resource calls (GET/PUT/DELETE by resource id) for resource types without a
 * dedicated SDK in the project, such as alert processing rules. Errors throw RestError with the
 * ARM error `code`, like the generated clients.
 */
export class ArmResourceClient {
  private readonly client: ServiceClient;

  constructor(
    private readonly endpoint: string,
    options: AzureClientOptions,
  ) {
    this.client = new ServiceClient({
      endpoint,
      credential: options.credential,
      credentialScopes: [AZURE_ARM_SCOPE],
      retryOptions: retryOptions(options.retry),
      ...tls(options.caPem),
      ...(options.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } } : {}),
    });
  }

  /** GET a resource; undefined when it does not exist (404). */
  async getResource<T = unknown>(resourceId: string, apiVersion: string, options: ArmCallOptions = {}): Promise<T | undefined> {
    const res = await this.send('GET', resourceId, apiVersion, undefined, options);
    return res.status === 404 ? undefined : (res.body as T);
  }

  /** PUT (create or replace) a resource; returns the service's representation. */
  async putResource<T = unknown>(resourceId: string, apiVersion: string, body: unknown, options: ArmCallOptions = {}): Promise<T> {
    const res = await this.send('PUT', resourceId, apiVersion, body, options);
    return res.body as T;
  }

  /** DELETE a resource; true when it existed. Idempotent: deleting a missing resource is not an error. */
  async deleteResource(resourceId: string, apiVersion: string, options: ArmCallOptions = {}): Promise<boolean> {
    const res = await this.send('DELETE', resourceId, apiVersion, undefined, options);
    return res.status === 200 || res.status === 202;
  }

  /**
   * GET a collection (e.g. `/subscriptions/{sub}/resourceGroups/{rg}/providers/{type}`) and every
   * further page its `nextLink`s name. A nextLink on another host is refused: the bearer token
   * would go with it.
   */
  async listResources<T = unknown>(collectionId: string, apiVersion: string, options: ArmCallOptions = {}): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = this.urlOf(collectionId, apiVersion);
    const origin = new URL(url).origin;
    for (let pages = 0; url; pages++) {
      if (pages >= 1000) throw new Error(`ARM GET ${collectionId}: more than 1000 pages`);
      const res = await this.sendUrl('GET', url, collectionId, undefined, options);
      const page = res.body as { value?: T[]; nextLink?: string | null } | undefined;
      items.push(...(page?.value ?? []));
      const next: string | undefined = page?.nextLink ?? undefined;
      if (next && new URL(next).origin !== origin) throw new Error(`ARM GET ${collectionId}: nextLink points to another host (${new URL(next).origin})`);
      url = next;
    }
    return items;
  }

  private urlOf(resourceId: string, apiVersion: string): string {
    if (!resourceId.startsWith('/subscriptions/')) throw new RangeError(`resourceId must start with /subscriptions/: ${resourceId}`);
    return `${this.endpoint.replace(/\/$/, '')}${resourceId}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  private send(method: 'GET' | 'PUT' | 'DELETE', resourceId: string, apiVersion: string, body: unknown, options: ArmCallOptions): Promise<{ status: number; body: unknown }> {
    return this.sendUrl(method, this.urlOf(resourceId, apiVersion), resourceId, body, options);
  }

  private async sendUrl(method: 'GET' | 'PUT' | 'DELETE', url: string, resourceId: string, body: unknown, options: ArmCallOptions): Promise<{ status: number; body: unknown }> {
    const request = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders({ 'Content-Type': 'application/json', Accept: 'application/json' }),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      ...(options.timeoutInMs !== undefined ? { timeout: options.timeoutInMs } : {}),
    });
    const response = await this.client.sendRequest(request);
    let parsed: unknown;
    try {
      parsed = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
    } catch {
      parsed = response.bodyAsText;
    }
    if (response.status >= 400 && !(response.status === 404 && method === 'GET')) {
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new RestError(err?.message ?? `ARM ${method} ${resourceId} failed with ${response.status}`, {
        code: err?.code ?? `Status${response.status}`,
        statusCode: response.status,
        request,
        response,
      });
    }
    return { status: response.status, body: parsed };
  }
}

/** Creates an {@link ArmResourceClient}. */
export function createArmResourceClient(options: AzureClientOptions & { endpoint?: string }): ArmResourceClient {
  return new ArmResourceClient(options.endpoint ?? AZURE_ARM_ENDPOINT, options);
}
