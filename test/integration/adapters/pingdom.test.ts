import { createPingdomClient } from '../../../shared/adapters/pingdom/client';
import { PingdomUptimeClient } from '../../../shared/adapters/pingdom/uptime';
import type { PingdomSnapshot } from '../../../sandbox/pingdom/service';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const TOKEN = 'pingdom-sandbox-token-mw-automation';
const env = useAdapterSandbox();
let uptime: PingdomUptimeClient;

function client(token = TOKEN): PingdomUptimeClient {
  return new PingdomUptimeClient(createPingdomClient({ apiToken: token, baseUrl: `${env.sandbox.urls.pingdom}/api/3.1`, caPem: env.sandbox.caPem, maxRetries: 0 }));
}

const nowS = () => Math.floor(env.clock.now() / 1000);

beforeAll(() => {
  uptime = client();
});

describe('PingdomUptimeClient against the simulated Pingdom', () => {
  it('finds check ids by name, hostname or id, in order and once each; unknown names are one clear error', async () => {
    expect(await uptime.findCheckIds(['www.invoicecloud.com', 'MY.invoicecloud.com', 5103, '5101'])).toEqual([5101, 5102, 5103]);
    await expectPermanent(uptime.findCheckIds(['www.invoicecloud.com', 'nope', 42]), /^pingdom: no uptime check named 'nope', '42'$/);
  });

  it('puts checks in maintenance once even when retried, ends it early, and ends it again harmlessly', async () => {
    const ids = await uptime.findCheckIds(['www.invoicecloud.com', 'my.invoicecloud.com']);
    const from = nowS();
    const id = await uptime.startMaintenance('Monthly maintenance 2025-06-22', ids, from, from + 4 * 3600);
    expect(await uptime.startMaintenance('Monthly maintenance 2025-06-22', [...ids].reverse(), from, from + 4 * 3600)).toBe(id);
    let state = await env.state<PingdomSnapshot>('pingdom');
    expect(state.maintenance).toHaveLength(1);
    expect(state.checks.filter((c) => c.inMaintenance).map((c) => c.id)).toEqual([5101, 5102]);

    env.clock.advance(90 * 60_000);
    await uptime.endMaintenance(id, nowS());
    state = await env.state<PingdomSnapshot>('pingdom');
    expect(state.checks.some((c) => c.inMaintenance)).toBe(false);
    expect(state.maintenance.find((w) => w.id === id)).toMatchObject({ from, to: from + 90 * 60, active: false });

    const writes = (await env.calls({ listener: 'pingdom' })).filter((c) => c.method !== 'GET').length;
    await uptime.endMaintenance(id, nowS() + 60);
    expect((await env.calls({ listener: 'pingdom' })).filter((c) => c.method !== 'GET')).toHaveLength(writes);
  });

  it('deletes a window that is ended before it began, and ignores one already gone', async () => {
    const start = nowS() + 3600;
    const id = await uptime.startMaintenance('Later window', [5103], start, start + 3600);
    await uptime.endMaintenance(id, nowS());
    expect((await env.state<PingdomSnapshot>('pingdom')).maintenance.some((w) => w.id === id)).toBe(false);
    await uptime.endMaintenance(id, nowS());
  });

  it('checks its arguments and maps vendor errors', async () => {
    await expect(uptime.startMaintenance('x', [5101], nowS(), nowS())).rejects.toThrow(RangeError);
    await expect(uptime.startMaintenance('x', [], nowS(), nowS() + 60)).rejects.toThrow(RangeError);
    await expectPermanent(uptime.startMaintenance('x', [42], nowS(), nowS() + 60), /^pingdom: could not start maintenance: 400 Invalid parameter value: unknown check id\(s\) 42$/);
    await expectPermanent(client('wrong-token-123').findCheckIds(['www.invoicecloud.com']), /pingdom: could not list checks: 401 Invalid token/, ['wrong-token-123']);

    await env.addFaults({ listener: 'pingdom', method: 'POST', path: '/api/3.1/maintenance', status: 503, count: 1 });
    const before = (await env.state<PingdomSnapshot>('pingdom')).maintenance.length;
    await expectTransient(uptime.startMaintenance('Outage', [5101], nowS(), nowS() + 60), 'pingdom', 503);
    expect((await env.state<PingdomSnapshot>('pingdom')).maintenance).toHaveLength(before);
  });
});
