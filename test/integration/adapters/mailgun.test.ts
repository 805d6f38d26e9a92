import { MailgunKeyClient } from '../../../shared/adapters/mailgun/keys';
import type { MailgunSnapshot } from '../../../sandbox/mailgun/service';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const ADMIN_KEY = 'mailgun-sandbox-admin-key-0001';
const OLD_SENDING_KEY = 'mailgun-sandbox-sending-key-0001';
const env = useAdapterSandbox();
let keys: MailgunKeyClient;

function client(apiKey = ADMIN_KEY, domainName = 'mg.invoicecloud.com'): MailgunKeyClient {
  return new MailgunKeyClient({ apiKey, baseUrl: env.sandbox.urls.mailgun, caPem: env.sandbox.caPem, maxRetries: 0, keys: { role: 'sending', kind: 'domain', domainName } });
}

beforeAll(() => {
  keys = client();
});

describe('MailgunKeyClient against the simulated Mailgun', () => {
  it('rotates the sending key: create (secret once), verify with the new secret, delete the old key', async () => {
    expect(await keys.listKeys()).toEqual([{ id: '5c2e88d0-19ab4f31', description: 'IIS web servers sending key' }]);
    const created = await keys.createKey('IIS sending key 2025-06');
    expect(created.secret.length).toBeGreaterThan(20);
    expect(await keys.listKeys()).toEqual([
      { id: '5c2e88d0-19ab4f31', description: 'IIS web servers sending key' },
      { id: created.id, description: 'IIS sending key 2025-06' },
    ]);

    const verifyCallsBefore = (await env.calls({ listener: 'mailgun', method: 'GET', path: '/v4/domains' })).length;
    expect(await keys.verifyKey(created.secret)).toBe(true);
    const verifyCalls = (await env.calls({ listener: 'mailgun', method: 'GET', path: '/v4/domains' })).slice(verifyCallsBefore);
    // A sending key may not list domains: 403 proves it authenticated.
    expect(verifyCalls.map((c) => c.status)).toEqual([403]);

    expect(await keys.verifyKey(OLD_SENDING_KEY)).toBe(true);
    await keys.deleteKey('5c2e88d0-19ab4f31');
    await keys.deleteKey('5c2e88d0-19ab4f31');
    expect(await keys.verifyKey(OLD_SENDING_KEY)).toBe(false);
    expect(await keys.verifyKey('not-a-key')).toBe(false);
    expect(await keys.verifyKey(ADMIN_KEY)).toBe(true);

    const state = await env.state<MailgunSnapshot>('mailgun');
    expect(state.keys.map((k) => k.id)).toEqual(['3a9f01c2-77e14b20', created.id]);
    expect(state.deleted.map((d) => d.id)).toEqual(['5c2e88d0-19ab4f31']);
    const everything = JSON.stringify({ state, calls: await env.calls({ listener: 'mailgun' }) });
    expect(everything).not.toContain(created.secret);
    expect(everything).not.toContain(ADMIN_KEY);
  });

  it('reports permanent and transient failures without the secret in the message', async () => {
    await expectPermanent(client(ADMIN_KEY, 'unknown.example').createKey('x'), /^mailgun: could not create a key: 404 Domain not found$/, [ADMIN_KEY]);
    await expectPermanent(client('bad-admin-key-value').listKeys(), /^mailgun: could not list keys: 401 Forbidden$/, ['bad-admin-key-value']);
    expect(() => new MailgunKeyClient({ apiKey: ADMIN_KEY, baseUrl: env.sandbox.urls.mailgun, keys: { role: 'sending', kind: 'domain' } })).toThrow(TypeError);

    await env.addFaults({ listener: 'mailgun', method: 'GET', path: '/v4/domains', status: 503, count: 1 });
    const err = await expectTransient(keys.verifyKey('some-secret-value-xyz'), 'mailgun', 503);
    expect(err.message).not.toContain('some-secret-value-xyz');
    await env.addFaults({ listener: 'mailgun', method: 'POST', path: '/v1/keys', status: 500, count: 1 });
    const before = (await env.state<MailgunSnapshot>('mailgun')).keys.length;
    await expectTransient(keys.createKey('during an outage'), 'mailgun', 500);
    expect((await env.state<MailgunSnapshot>('mailgun')).keys).toHaveLength(before);
  });
});
