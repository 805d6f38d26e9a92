import { estateCredential, useHarness } from './harness';

const BASE = 27580;
const SECRET_VALUE = 'rotated-mailgun-key-7f3a9b';

describe('sandbox Key Vault through @azure/keyvault-secrets and the challenge flow', () => {
  const h = useHarness(BASE);

  test('set, get latest and by version, list versions (paged), disable the old version', async () => {
    const { secrets } = h.clients();
    const before = await secrets.getSecret('mailgun-api-key');
    expect(before.value).toBe('key-sandbox-0001');
    // The first request of a client is the unauthenticated challenge; the retry carries the token.
    const first = h.sandbox.calls({ listener: 'keyvault' });
    expect(first.map((c) => [c.status, c.authorized])).toEqual([
      [401, false],
      [200, true],
    ]);

    const set = await secrets.setSecret('mailgun-api-key', SECRET_VALUE, { contentType: 'text/plain', tags: { rotatedBy: 'mw' } });
    expect(set.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect((await secrets.getSecret('mailgun-api-key')).value).toBe(SECRET_VALUE);
    const old = before.properties.version ?? '';
    expect((await secrets.getSecret('mailgun-api-key', { version: old })).value).toBe('key-sandbox-0001');

    for (let i = 0; i < 30; i++) await secrets.setSecret('bulk-secret', `v${i}`);
    const versions: string[] = [];
    for await (const p of secrets.listPropertiesOfSecretVersions('bulk-secret')) versions.push(p.version ?? '');
    expect(versions).toHaveLength(30);
    expect(h.sandbox.calls({ listener: 'keyvault', method: 'GET', path: '/secrets/bulk-secret/versions' })).toHaveLength(2);

    const disabled = await secrets.updateSecretProperties('mailgun-api-key', old, { enabled: false });
    expect(disabled.enabled).toBe(false);
    await expect(secrets.getSecret('mailgun-api-key', { version: old })).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });

    const kv = h.state().keyvault.secrets['mailgun-api-key'];
    expect(kv?.versions.map((v) => v.enabled)).toEqual([false, true]);
    await expect(secrets.getSecret('no-such-secret')).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });

  test('secret values never appear in /_sandbox/state or /_sandbox/calls', async () => {
    const stateText = JSON.stringify((await h.control('GET', '/_sandbox/state')).body);
    const callsText = JSON.stringify((await h.control('GET', '/_sandbox/calls?listener=keyvault')).body);
    const loginCalls = JSON.stringify((await h.control('GET', '/_sandbox/calls?listener=login')).body);
    expect(callsText).toContain('[redacted]');
    for (const text of [stateText, callsText, loginCalls]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain('key-sandbox-0001');
      expect(text).not.toContain('sandbox-local-secret');
    }
  });

  test('a wrong client secret fails at the token endpoint with an Entra error', async () => {
    const credential = estateCredential(h.sandbox, 'not-the-secret');
    await expect(credential.getToken('https://management.azure.com/.default')).rejects.toThrow(/invalid_client|AADSTS7000215/);
    expect(h.sandbox.calls({ listener: 'login', method: 'POST' }).at(-1)?.status).toBe(401);
  });
});
