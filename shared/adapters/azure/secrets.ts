import type { SecretClient, SecretProperties } from '@azure/keyvault-secrets';
import type { SecretStoreClient, SecretVersionInfo } from '../../ports/secrets';
import { createSecretClient, type AzureClientOptions } from './client';
import { callAzure, errorCodeOf, isNotFound, toAzurePortError } from './errors';

/** Options for {@link KeyVaultSecretStore}. */
export interface KeyVaultSecretStoreOptions extends AzureClientOptions {
  /**
   * Maps a vault name to its URL. Default `https://<name>.vault.azure.net`. Locally the sandbox
   * serves every vault on one listener: pass `() => sandbox.urls.keyvault`, or
   * {@link vaultUrlFromTemplate} with a template that has no `{vault}`.
   */
  vaultUrl?: (vaultName: string) => string;
  /** Skips the check that the challenge's resource matches the vault's domain (a loopback vault). */
  local?: boolean;
}

/** Key Vault names: 3-24 letters, digits and single hyphens, starting with a letter, not ending with a hyphen. */
const VAULT_NAME = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
/** Secret names: 1-127 letters, digits and hyphens. */
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;
/** Versions are 32 hex digits in Azure; the check only keeps path characters out. */
const VERSION = /^[0-9A-Za-z]{1,64}$/;

/** Public-cloud vault URL of a vault name. */
export const defaultVaultUrl = (vaultName: string): string => `https://${vaultName.toLowerCase()}.vault.azure.net`;

/**
 * A `vaultUrl` function from a template such as `https://{vault}.vault.azure.net` (the config's
 * MW_KEYVAULT_URL_TEMPLATE). A template without `{vault}` maps every name to that one URL: the
 * local sandbox serves all vaults on one listener.
 */
export function vaultUrlFromTemplate(template: string): (vaultName: string) => string {
  return (vaultName) => template.replace(/\{vault\}/g, vaultName.toLowerCase());
}

function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) throw new TypeError(`secret name must be 1-127 letters, digits or hyphens: got '${name}'`);
}

function checkVersion(version: string): void {
  if (!VERSION.test(version)) throw new TypeError(`secret version must be letters and digits: got '${version}'`);
}

function infoOf(p: SecretProperties): SecretVersionInfo {
  return { version: p.version ?? '', enabled: p.enabled ?? true, ...(p.createdOn ? { createdOn: p.createdOn.toISOString() } : {}), tags: { ...(p.tags ?? {}) } };
}

/**
 * {@link SecretStoreClient} over @azure/keyvault-secrets, one SecretClient per vault URL.
 * Values pass through to the SDK and back to the caller only: they are never logged, never part
 * of an error message, and errors do not carry the SDK's request (whose body holds the value).
 */
export class KeyVaultSecretStore implements SecretStoreClient {
  private readonly clients = new Map<string, SecretClient>();
  private readonly vaultUrlOf: (vaultName: string) => string;

  constructor(private readonly options: KeyVaultSecretStoreOptions) {
    this.vaultUrlOf = options.vaultUrl ?? defaultVaultUrl;
  }

  /** The value and metadata of a version (the latest when none is given); undefined when there is no such secret or version. */
  async getSecretValue(vault: string, name: string, version?: string): Promise<{ value: string; info: SecretVersionInfo } | undefined> {
    checkSecretName(name);
    if (version !== undefined) checkVersion(version);
    const { client, label } = this.clientFor(vault);
    const what = `${label}/${name}${version ? `/${version}` : ''}`;
    try {
      const secret = await client.getSecret(name, version ? { version } : {});
      if (secret.value === undefined) throw new Error(`azure: Key Vault returned no value for ${what}`);
      return { value: secret.value, info: infoOf(secret.properties) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (errorCodeOf(e) === 'Forbidden' && /disabled/i.test(e instanceof Error ? e.message : '')) throw new Error(`azure: secret ${what} is disabled; enable it or read another version`);
      throw toAzurePortError(`read secret ${what}`, e);
    }
  }

  /** Stores `value` as a new version with `tags`; returns the new version's metadata. */
  async setSecret(vault: string, name: string, value: string, tags: Record<string, string>): Promise<SecretVersionInfo> {
    checkSecretName(name);
    if (typeof value !== 'string' || value.length === 0) throw new TypeError(`the value of secret ${name} must be a non-empty string`);
    // Not retried inside the SDK: its pipeline retries a reset connection, and a PUT whose answer
    // was lost would store a second version. The caller looks for its tagged version first and retries.
    const { client, label } = this.clientFor(vault, true);
    const secret = await callAzure(`store a new version of secret ${label}/${name}`, () => client.setSecret(name, value, { tags }));
    return infoOf(secret.properties);
  }

  /** Every version's metadata, oldest first as Key Vault lists them; none for a secret that does not exist. */
  async listVersions(vault: string, name: string): Promise<SecretVersionInfo[]> {
    checkSecretName(name);
    const { client, label } = this.clientFor(vault);
    const out: SecretVersionInfo[] = [];
    try {
      for await (const p of client.listPropertiesOfSecretVersions(name)) out.push(infoOf(p));
    } catch (e) {
      if (isNotFound(e)) return [];
      throw toAzurePortError(`list the versions of secret ${label}/${name}`, e);
    }
    return out;
  }

  /** Enables or disables one version (metadata only; the value is untouched). */
  async setVersionEnabled(vault: string, name: string, version: string, enabled: boolean): Promise<void> {
    checkSecretName(name);
    checkVersion(version);
    const { client, label } = this.clientFor(vault);
    await callAzure(`${enabled ? 'enable' : 'disable'} version ${version} of secret ${label}/${name}`, () => client.updateSecretProperties(name, version, { enabled }));
  }

  /** Replaces one version's tags (metadata only; the value is untouched). */
  async setVersionTags(vault: string, name: string, version: string, tags: Record<string, string>): Promise<void> {
    checkSecretName(name);
    checkVersion(version);
    const { client, label } = this.clientFor(vault);
    await callAzure(`tag version ${version} of secret ${label}/${name}`, () => client.updateSecretProperties(name, version, { tags }));
  }

  /** The client for a vault name or URL, and how to name the vault in messages. */
  private clientFor(vault: string, once = false): { client: SecretClient; label: string } {
    const trimmed = vault.trim();
    let url: string;
    let label: string;
    if (/^https?:\/\//i.test(trimmed)) {
      const parsed = new URL(trimmed);
      if (parsed.protocol !== 'https:') throw new TypeError(`vault URL must use https: got '${vault}'`);
      url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
      label = parsed.host;
    } else {
      if (!VAULT_NAME.test(trimmed)) throw new TypeError(`vault must be a Key Vault name (3-24 letters, digits and hyphens, starting with a letter) or an https URL: got '${vault}'`);
      url = this.vaultUrlOf(trimmed).replace(/\/+$/, '');
      if (!/^https:\/\//i.test(url)) throw new TypeError(`vaultUrl('${trimmed}') must return an https URL: got '${url}'`);
      label = trimmed;
    }
    const key = `${once ? 'once ' : ''}${url.toLowerCase()}`;
    let client = this.clients.get(key);
    if (!client) {
      client = createSecretClient(url, once ? { ...this.options, retry: { ...this.options.retry, maxRetries: 0 } } : this.options);
      this.clients.set(key, client);
    }
    return { client, label };
  }
}
