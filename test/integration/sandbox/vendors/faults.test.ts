import type { CallRecord } from '../../../../sandbox/core';
import type { CloudflareSnapshot } from '../../../../sandbox/cloudflare/service';
import type { ConsulSnapshot } from '../../../../sandbox/consul/service';
import type { DevOpsSnapshot } from '../../../../sandbox/devops/service';
import type { MailgunSnapshot } from '../../../../sandbox/mailgun/service';
import type { PingdomSnapshot } from '../../../../sandbox/pingdom/service';
import type { SlackSnapshot } from '../../../../sandbox/slack/service';
import { createCloudflareClient } from '../../../../shared/adapters/cloudflare/client';
import { createConsulClient } from '../../../../shared/adapters/consul/client';
import { createDevOpsConnection } from '../../../../shared/adapters/devops/client';
import { createMailgunClient } from '../../../../shared/adapters/mailgun/client';
import { createPingdomClient } from '../../../../shared/adapters/pingdom/client';
import { createSlackClient } from '../../../../shared/adapters/slack/client';
import { useVendorSandbox, VENDOR_LISTENERS } from './harness';

const env = useVendorSandbox();

/**
 * Stands in for the app's activity retry policy on calls the SDK never retries (Azure DevOps
 * POSTs): retry a transient 503 a few times. The sandbox faults before the handler runs, so a
 * faulted POST created nothing and a retry is safe.
 */
async function withActivityRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status !== 503 || i >= attempts) throw e;
    }
  }
}

describe('10% transient failures on every route of the vendor listeners', () => {
  it('the clients still reach the right final state, and the call log shows the retries', async () => {
    const added = await env.addFaults(VENDOR_LISTENERS.map((listener) => ({ listener, probability: 0.1, status: 503, retryAfter: 0 })));
    expect(added.status).toBe(201);
    const { urls, caPem, caFile } = env.sandbox;

    // Cloudflare: maintenance page on www/my/sso, then restore and purge (the SDK retries 5xx itself).
    const cf = createCloudflareClient({ apiToken: 'cf-sandbox-token-mw-automation', baseUrl: `${urls.cloudflare}/client/v4`, caPem, maxRetries: 4 });
    const zone = (await cf.zones.list({ name: 'invoicecloud.com' })).result[0];
    const zone_id = zone?.id ?? '';
    for (const target of ['icmaintenance.azurewebsites.net', 'pal.invoicecloud.com']) {
      for (const host of ['www', 'my', 'sso']) {
        const rec = (await cf.dns.records.list({ zone_id, type: 'CNAME', name: { exact: `${host}.invoicecloud.com` } })).result[0];
        if (!rec) throw new Error(`${host} not found`);
        await cf.dns.records.edit(rec.id, { zone_id, type: 'CNAME', name: rec.name, ttl: rec.ttl, content: target });
      }
    }
    await cf.cache.purge({ zone_id, purge_everything: true });

    // Slack: notices to each channel (the SDK's retry policy covers non-200 answers).
    const slack = createSlackClient({ token: 'xoxb-sandbox-0001-maintenance-bot', apiUrl: `${urls.slack}/api/`, caPem, retryConfig: { retries: 5, minTimeout: 0, maxTimeout: 1 } });
    const channels = ['dailyops', 'maintenance', 'engineering-maintenance', 'eng-monthlymaintenance', 'platform-support'];
    for (const channel of channels) await slack.chat.postMessage({ channel, text: `Maintenance starting (${channel})` });

    // Azure DevOps: discovery and GETs are retried by the client; run creation by the activity retry.
    const ado = createDevOpsConnection({ organizationUrl: `${urls.devops}/invoicecloud`, pat: 'ado-sandbox-pat-mw-automation-0001', caFile, maxRetries: 4 });
    const pipelines = await withActivityRetry(() => ado.getPipelinesApi());
    const runIds: number[] = [];
    for (const id of [110, 111, 112]) {
      const run = await withActivityRetry(() => pipelines.runPipeline({}, 'Platform', id));
      runIds.push(run.id as number);
    }
    env.clock.advance(3600_000);
    for (const [i, id] of [110, 111, 112].entries()) expect((await pipelines.getRun('Platform', id, runIds[i] as number)).result).toBeDefined();

    // Pingdom, Mailgun, Consul: the typed clients retry 503 on every method.
    const pingdom = createPingdomClient({ apiToken: 'pingdom-sandbox-token-mw-automation', baseUrl: `${urls.pingdom}/api/3.1`, caPem, maxRetries: 4, retryDelayInMs: 1 });
    const windowId = await pingdom.createMaintenance({ description: 'window', from: new Date(env.clock.now()), to: new Date(env.clock.now() + 3600_000), uptimeIds: [5101, 5102, 5103] });
    const mailgun = createMailgunClient({ apiKey: 'mailgun-sandbox-admin-key-0001', baseUrl: urls.mailgun, caPem, maxRetries: 4, retryDelayInMs: 1 });
    const { key } = await mailgun.createKey({ role: 'sending', kind: 'domain', domainName: 'mg.invoicecloud.com' });
    await mailgun.deleteKey('5c2e88d0-19ab4f31');
    const consul = createConsulClient({ baseUrl: urls.consul, token: '0f6e2d1c-5b4a-4c3d-9e8f-7a6b5c4d3e2f', agentUrl: (n) => `https://${n}:8501`, agentConnectTo: urls.consul, caPem, maxRetries: 4, retryDelayInMs: 1 });
    await consul.putKv('haproxy/billpay/maintenance', 'true');
    for (const node of ['bp-apiui-01', 'bp-apiui-02']) await consul.setNodeMaintenance(node, true, 'window');

    await env.clearFaults();

    // Final state is exactly what a fault-free run gives.
    const cfState = await env.state<CloudflareSnapshot>('cloudflare');
    const records = cfState.zones[0]?.records ?? [];
    expect(['www', 'my', 'sso'].map((h) => records.find((r) => r.name === `${h}.invoicecloud.com`)?.content)).toEqual(['pal.invoicecloud.com', 'pal.invoicecloud.com', 'pal.invoicecloud.com']);
    expect(cfState.purges).toHaveLength(1);
    const slackState = await env.state<SlackSnapshot>('slack');
    expect(channels.map((c) => slackState.channels.find((x) => x.name === c)?.messages.length)).toEqual([1, 1, 1, 1, 1]);
    const devopsState = await env.state<DevOpsSnapshot>('devops');
    expect(devopsState.runs.map((r) => r.pipelineId)).toEqual([110, 111, 112]);
    const pingdomState = await env.state<PingdomSnapshot>('pingdom');
    expect(pingdomState.maintenance.map((w) => w.id)).toEqual([windowId]);
    const mailgunState = await env.state<MailgunSnapshot>('mailgun');
    expect(mailgunState.keys.map((k) => k.id)).toEqual(['3a9f01c2-77e14b20', key.id]);
    const consulState = await env.state<ConsulSnapshot>('consul');
    expect(consulState.maintenanceValue).toBe('true');
    expect(consulState.nodes.filter((n) => n.maintenance).map((n) => n.name)).toEqual(['bp-apiui-01', 'bp-apiui-02']);

    // The call log shows faults, each followed by a retry of the same request that succeeded.
    const calls: CallRecord[] = (await env.calls()).filter((c) => (VENDOR_LISTENERS as readonly string[]).includes(c.listener));
    const faulted = calls.filter((c) => c.faultId !== undefined);
    expect(faulted.length).toBeGreaterThanOrEqual(3);
    expect(new Set(faulted.map((c) => c.listener)).size).toBeGreaterThanOrEqual(3);
    for (const f of faulted) {
      expect(f.status).toBe(503);
      const retried = calls.find((c) => c.seq > f.seq && c.listener === f.listener && c.method === f.method && c.path === f.path && c.faultId === undefined);
      expect(retried?.status).toBeLessThan(500);
    }
  });
});
