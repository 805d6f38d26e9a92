import { KeyVaultSecretStore, vaultUrlFromTemplate, defaultVaultUrl } from '../../../shared/adapters/azure/secrets';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

/** Values this test writes: none may appear in the sandbox's state, its call log or an error. */
const V1 = 'mailgun-test-value-0001-Zq7xW2';
const V2 = 'mailgun-test-value-0002-Kp4vN9';
const SEEDED = 'mailgun-sandbox-sending-key-0001';

const env = useAdapterSandbox();

/** A new store with its own credential, mapping every vault name to the sandbox's one Key Vault listener. */
function newStore(): KeyVaultSecretStore {
  return new KeyVaultSecretStore({ credential: env.armCredential(), caPem: env.sandbox.caPem, retry: { maxRetries: 0 }, local: true, vaultUrl: vaultUrlFromTemplate(env.sandbox.urls.keyvault) });
}

interface KvState {
  secrets: Record<string, { versions: { version: string; enabled: boolean; tags: Record<string, string>; created: string }[] }>;
}

describe('KeyVaultSecretStore against the simulated Key Vault', () => {
  it('maps vault names to URLs: Azure by default, one local listener through a template without {vault}', () => {
    expect(defaultVaultUrl('kv-ic-shared-prd')).toBe('https://kv-ic-shared-prd.vault.azure.net');
    expect(vaultUrlFromTemplate('https://{vault}.vault.azure.net')('KV-IC-Web-Prd')).toBe('https://kv-ic-web-prd.vault.azure.net');
    expect(vaultUrlFromTemplate('https://127.0.0.1:7443')('kv-ic-web-prd')).toBe('https://127.0.0.1:7443');
  });

  it('stores versions with tags, lists them with dates, reads by version, disables one; values stay out of state and calls', async () => {
    const store = newStore();
    const seeded = await store.getSecretValue('kv-ic-shared-prd', 'Mailgun-ApiKey');
    expect(seeded?.value).toBe(SEEDED);
    expect(seeded?.info.tags).toEqual({ mailgunKeyId: '5c2e88d0-19ab4f31', domain: 'mg.invoicecloud.com' });

    const created = await store.setSecret('kv-ic-shared-prd', 'Mailgun-ApiKey', V1, { mwRotation: 'w1:rotate', mailgunKeyId: 'k-1', previousVersion: seeded?.info.version ?? '' });
    expect(created).toEqual({ version: expect.stringMatching(/^[0-9a-f]{32}$/), enabled: true, createdOn: new Date(env.clock.now()).toISOString(), tags: { mwRotation: 'w1:rotate', mailgunKeyId: 'k-1', previousVersion: seeded?.info.version } });
    env.clock.advance(60_000);
    // A vault URL works as well as a name.
    const second = await newStore().setSecret(env.sandbox.urls.keyvault, 'Mailgun-ApiKey', V2, { mwRotation: 'w1:rollback' });

    const versions = await newStore().listVersions('kv-ic-shared-prd', 'Mailgun-ApiKey');
    expect(versions.map((v) => v.version)).toEqual([seeded?.info.version, created.version, second.version]);
    expect(versions[2]).toEqual({ version: second.version, enabled: true, createdOn: new Date(env.clock.now()).toISOString(), tags: { mwRotation: 'w1:rollback' } });

    expect((await store.getSecretValue('kv-ic-shared-prd', 'Mailgun-ApiKey'))?.value).toBe(V2);
    expect((await store.getSecretValue('kv-ic-shared-prd', 'Mailgun-ApiKey', created.version))?.value).toBe(V1);

    await store.setVersionEnabled('kv-ic-shared-prd', 'Mailgun-ApiKey', created.version, false);
    const after = await store.listVersions('kv-ic-shared-prd', 'Mailgun-ApiKey');
    expect(after.find((v) => v.version === created.version)).toMatchObject({ enabled: false, tags: { mwRotation: 'w1:rotate' } });
    // Tags are replaced on that version alone (Update Secret), the value untouched.
    await store.setVersionTags('kv-ic-shared-prd', 'Mailgun-ApiKey', created.version, { mwRotation: 'w1:rotate', mwRolledOut: 'true' });
    expect((await store.listVersions('kv-ic-shared-prd', 'Mailgun-ApiKey')).find((v) => v.version === created.version)?.tags).toEqual({ mwRotation: 'w1:rotate', mwRolledOut: 'true' });
    await store.setVersionTags('kv-ic-shared-prd', 'Mailgun-ApiKey', created.version, { mwRotation: 'w1:rotate' });
    const disabled = await expectPermanent(store.getSecretValue('kv-ic-shared-prd', 'Mailgun-ApiKey', created.version), /is disabled/, [V1]);
    expect(disabled.message).toContain(`kv-ic-shared-prd/Mailgun-ApiKey/${created.version}`);

    const state = await env.state<KvState>('keyvault');
    expect(state.secrets['Mailgun-ApiKey']?.versions.map((v) => [v.version, v.enabled])).toEqual([
      [seeded?.info.version, true],
      [created.version, false],
      [second.version, true],
    ]);
    const everything = JSON.stringify(await env.calls()) + JSON.stringify(await env.state('keyvault'));
    for (const value of [V1, V2, SEEDED]) expect(everything).not.toContain(value);
  });

  it('a missing secret reads as undefined and lists no versions; a missing version too', async () => {
    const store = newStore();
    expect(await store.getSecretValue('kv-ic-web-prd', 'No-Such-Secret')).toBeUndefined();
    expect(await store.listVersions('kv-ic-web-prd', 'No-Such-Secret')).toEqual([]);
    expect(await store.getSecretValue('kv-ic-web-prd', 'MyIIS-MachineKey', '0123456789abcdef0123456789abcdef')).toBeUndefined();
    await expectPermanent(store.setVersionEnabled('kv-ic-web-prd', 'MyIIS-MachineKey', '0123456789abcdef0123456789abcdef', false), /404 SecretNotFound/);
  });

  it('refuses bad names before calling Key Vault; outages are transient; no error carries the value', async () => {
    const store = newStore();
    await expect(store.setSecret('kv', 'Mailgun-ApiKey', V1, {})).rejects.toThrow(/vault must be a Key Vault name/);
    await expect(store.setSecret('kv-ic-shared-prd', 'bad_name', V1, {})).rejects.toThrow(/secret name must be/);
    await expect(store.getSecretValue('http://127.0.0.1:1', 'x')).rejects.toThrow(/must use https/);

    await env.addFaults({ listener: 'keyvault', method: 'PUT', path: '/secrets/*', status: 503 });
    const outage = await expectTransient(store.setSecret('kv-ic-shared-prd', 'Mailgun-ApiKey', V1, { mwRotation: 'w2' }), 'azure', 503);
    expect(outage.message).toMatch(/store a new version of secret kv-ic-shared-prd\/Mailgun-ApiKey/);
    expect(outage.message).not.toContain(V1);
    expect(JSON.stringify(outage)).not.toContain(V1);
    await env.clearFaults();

    await env.addFaults({ listener: 'keyvault', method: 'PUT', path: '/secrets/*', status: 400, body: { error: { code: 'BadParameter', message: 'Property value is too long.' } } });
    const bad = await expectPermanent(store.setSecret('kv-ic-shared-prd', 'Mailgun-ApiKey', V1, {}), /400 BadParameter: Property value is too long/, [V1]);
    expect(JSON.stringify(bad)).not.toContain(V1);
  });
});
