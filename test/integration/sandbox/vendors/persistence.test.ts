import { promises as fs } from 'fs';
import os from 'os';
import path from 'path';
import type { CloudflareSnapshot } from '../../../../sandbox/cloudflare/service';
import type { ConsulSnapshot } from '../../../../sandbox/consul/service';
import type { DevOpsSnapshot } from '../../../../sandbox/devops/service';
import type { MailgunSnapshot } from '../../../../sandbox/mailgun/service';
import type { SlackSnapshot } from '../../../../sandbox/slack/service';
import { createCloudflareClient } from '../../../../shared/adapters/cloudflare/client';
import { createConsulClient } from '../../../../shared/adapters/consul/client';
import { createDevOpsConnection } from '../../../../shared/adapters/devops/client';
import { createMailgunClient } from '../../../../shared/adapters/mailgun/client';
import { createSlackClient } from '../../../../shared/adapters/slack/client';
import { ManualClock, startVendorSandbox } from './harness';

describe('vendor state survives a sandbox restart', () => {
  it('keeps DNS edits, messages, runs, created keys (still usable) and Consul maintenance', async () => {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mw-vendors-restart-'));
    const clock = new ManualClock();
    const first = await startVendorSandbox({ stateDir, clock });
    const { urls, caPem, caFile } = first.sandbox;
    const cf = createCloudflareClient({ apiToken: 'cf-sandbox-token-mw-automation', baseUrl: `${urls.cloudflare}/client/v4`, caPem, maxRetries: 0 });
    const zone_id = (await cf.zones.list()).result[0]?.id ?? '';
    const www = (await cf.dns.records.list({ zone_id, name: { exact: 'www.invoicecloud.com' } })).result[0];
    if (!www) throw new Error('www missing');
    await cf.dns.records.edit(www.id, { zone_id, type: 'CNAME', name: www.name, ttl: www.ttl, content: 'icmaintenance.azurewebsites.net' });
    await createSlackClient({ token: 'xoxb-sandbox-0001-maintenance-bot', apiUrl: `${urls.slack}/api/`, caPem, retryConfig: { retries: 0 } }).chat.postMessage({ channel: 'dailyops', text: 'before restart' });
    const ado = createDevOpsConnection({ organizationUrl: `${urls.devops}/invoicecloud`, pat: 'ado-sandbox-pat-mw-automation-0001', caFile, maxRetries: 0 });
    const run = await (await ado.getPipelinesApi()).runPipeline({}, 'Platform', 101);
    const { secret } = await createMailgunClient({ apiKey: 'mailgun-sandbox-admin-key-0001', baseUrl: urls.mailgun, caPem, maxRetries: 0 }).createKey({ role: 'admin', description: 'rotated' });
    await createConsulClient({ baseUrl: urls.consul, token: '0f6e2d1c-5b4a-4c3d-9e8f-7a6b5c4d3e2f', agentUrl: (n) => `https://${n}:8501`, agentConnectTo: urls.consul, caPem, maxRetries: 0 }).setNodeMaintenance('bp-apiui-01', true, 'restart test');
    await first.stop();

    const second = await startVendorSandbox({ stateDir, clock });
    try {
      const cfState = await second.state<CloudflareSnapshot>('cloudflare');
      expect(cfState.zones[0]?.records.find((r) => r.id === www.id)?.content).toBe('icmaintenance.azurewebsites.net');
      expect((await second.state<SlackSnapshot>('slack')).channels.find((c) => c.name === 'dailyops')?.messages.map((m) => m.text)).toEqual(['before restart']);
      expect((await second.state<DevOpsSnapshot>('devops')).runs.map((r) => r.id)).toEqual([run.id]);
      expect((await second.state<ConsulSnapshot>('consul')).nodes.find((n) => n.name === 'bp-apiui-01')?.maintenance?.reason).toBe('restart test');
      const rotated = createMailgunClient({ apiKey: secret, baseUrl: second.sandbox.urls.mailgun, caPem: second.sandbox.caPem, maxRetries: 0 });
      expect((await rotated.listKeys()).length).toBe((await second.state<MailgunSnapshot>('mailgun')).keys.length);
    } finally {
      await second.stop();
      await fs.rm(stateDir, { recursive: true, force: true });
    }
  });
});
