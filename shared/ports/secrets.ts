/** Secret metadata; values never leave the activity that handles them. */
export interface SecretVersionInfo {
  version: string;
  enabled: boolean;
  createdOn?: string;
  tags: Record<string, string>;
}

/** Key Vault secrets. `vault` is a vault name or URL, resolved by the adapter. */
export interface SecretStoreClient {
  getSecretValue(vault: string, name: string, version?: string): Promise<{ value: string; info: SecretVersionInfo } | undefined>;
  setSecret(vault: string, name: string, value: string, tags: Record<string, string>): Promise<SecretVersionInfo>;
  listVersions(vault: string, name: string): Promise<SecretVersionInfo[]>;
  setVersionEnabled(vault: string, name: string, version: string, enabled: boolean): Promise<void>;
  /** Replaces one version's tags (Key Vault's Update Secret; the value is untouched). */
  setVersionTags(vault: string, name: string, version: string, tags: Record<string, string>): Promise<void>;
}
