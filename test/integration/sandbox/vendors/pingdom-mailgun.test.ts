import { HttpStatusError } from '../../../../shared/adapters/http/https';
import { createMailgunClient, type MailgunClient } from '../../../../shared/adapters/mailgun/client';
import { createPingdomClient, type PingdomClient } from '../../../../shared/adapters/pingdom/client';
import type { MailgunSnapshot } from '../../../../sandbox/mailgun/service';
import type { PingdomSnapshot } from '../../../../sandbox/pingdom/service';
import { useVendorSandbox } from './harness';

const env = useVendorSandbox();
let pingdom: PingdomClient;
let mailgun: MailgunClient;

beforeAll(() => {
  pingdom = createPingdomClient({ apiToken: 'pingdom-sandbox-token-mw-automation', baseUrl: `${env.sandbox.urls.pingdom}/api/3.1`, caPem: env.sandbox.caPem, maxRetries: 0 });
  mailgun = createMailgunClient({ apiKey: 'mailgun-sandbox-admin-key-0001', baseUrl: env.sandbox.urls.mailgun, caPem: env.sandbox.caPem, maxRetries: 0 });
});

describe('simulated Pingdom over HTTPS', () => {
  it('puts the public checks in maintenance for the window, ends it early, and deletes it', async () => {
    const checks = await pingdom.listChecks();
    const ids = checks.filter((c) => /invoicecloud\.com$/.test(c.hostname) && c.name.includes('.')).map((c) => c.id);
    expect(ids).toEqual([5101, 5102, 5103]);
    const now = env.clock.now();
    const id = await pingdom.createMaintenance({ description: 'Monthly maintenance 2025-06-22', from: new Date(now), to: new Date(now + 4 * 3600_000), uptimeIds: ids });

    let state = await env.state<PingdomSnapshot>('pingdom');
    expect(state.checks.filter((c) => c.inMaintenance).map((c) => c.id)).toEqual(ids);
    expect((await pingdom.listChecks()).find((c) => c.id === 5101)?.status).toBe('paused');

    env.clock.advance(3600_000);
    await pingdom.updateMaintenance(id, { to: new Date(env.clock.now()) });
    state = await env.state<PingdomSnapshot>('pingdom');
    expect(state.checks.some((c) => c.inMaintenance)).toBe(false);
    expect((await pingdom.getMaintenance(id))?.to).toBe(Math.floor(env.clock.now() / 1000));

    expect(await pingdom.deleteMaintenance(id)).toBe(true);
    expect(await pingdom.getMaintenance(id)).toBeUndefined();
    expect(await pingdom.deleteMaintenance(id)).toBe(false);
  });

  it("rejects unknown checks and bad tokens with Pingdom's error body", async () => {
    const err = (await pingdom.createMaintenance({ description: 'x', from: new Date(env.clock.now()), to: new Date(env.clock.now() + 60_000), uptimeIds: [42] }).catch((e: unknown) => e)) as HttpStatusError;
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err.status).toBe(400);
    expect(err.body).toMatchObject({ error: { statuscode: 400, statusdesc: 'Bad Request' } });
    const bad = createPingdomClient({ apiToken: 'wrong-token-123', baseUrl: `${env.sandbox.urls.pingdom}/api/3.1`, caPem: env.sandbox.caPem, maxRetries: 0 });
    const authErr = (await bad.listChecks().catch((e: unknown) => e)) as HttpStatusError;
    expect(authErr.status).toBe(401);
  });
});

describe('simulated Mailgun keys API over HTTPS', () => {
  it('rotates a sending key: create returns the secret once, the new key authenticates, the old one is deleted', async () => {
    const before = await mailgun.listKeys({ kind: 'domain' });
    expect(before.map((k) => k.id)).toEqual(['5c2e88d0-19ab4f31']);
    const { key, secret } = await mailgun.createKey({ role: 'sending', kind: 'domain', domainName: 'mg.invoicecloud.com', description: 'IIS sending key 2025-06' });
    expect(secret.length).toBeGreaterThan(20);
    expect(key).not.toHaveProperty('secret');

    const listed = await mailgun.listKeys({ kind: 'domain' });
    expect(listed.map((k) => k.id)).toEqual(['5c2e88d0-19ab4f31', key.id]);
    expect(JSON.stringify(listed)).not.toContain(secret);

    expect(await mailgun.deleteKey('5c2e88d0-19ab4f31')).toBe(true);
    const state = await env.state<MailgunSnapshot>('mailgun');
    expect(state.keys.map((k) => k.id)).toEqual(['3a9f01c2-77e14b20', key.id]);
    expect(state.deleted.map((d) => d.id)).toEqual(['5c2e88d0-19ab4f31']);
    const everything = JSON.stringify({ state: await env.state('mailgun'), calls: await env.calls({ listener: 'mailgun' }) });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('mailgun-sandbox-admin-key-0001');

    const sendingClient = createMailgunClient({ apiKey: secret, baseUrl: env.sandbox.urls.mailgun, caPem: env.sandbox.caPem, maxRetries: 0 });
    expect((await sendingClient.createKey({ role: 'admin' }).catch((e: unknown) => e)) as HttpStatusError).toMatchObject({ status: 403 });
    const deletedClient = createMailgunClient({ apiKey: 'mailgun-sandbox-sending-key-0001', baseUrl: env.sandbox.urls.mailgun, caPem: env.sandbox.caPem, maxRetries: 0 });
    expect((await deletedClient.listDomains().catch((e: unknown) => e)) as HttpStatusError).toMatchObject({ status: 401, body: 'Forbidden' });
    expect((await mailgun.listDomains()).map((d) => d.name)).toEqual(['mg.invoicecloud.com', 'notifications.invoicecloud.com']);
  });

  it('validates create input with Mailgun-style messages', async () => {
    const err = (await mailgun.createKey({ role: 'sending', kind: 'domain', domainName: 'unknown.example' }).catch((e: unknown) => e)) as HttpStatusError;
    expect(err.status).toBe(404);
    expect(err.body).toEqual({ message: 'Domain not found' });
  });
});
