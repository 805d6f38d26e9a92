import net from 'net';
import { HttpProbeClient, simulatedWebServersOverride } from '../../../shared/adapters/http/probe';
import type { ProbeRequest } from '../../../shared/ports/probes';
import { expectTransient, useAdapterSandbox } from './harness';

const env = useAdapterSandbox();
let probes: HttpProbeClient;

function request(url: string, extra: Partial<ProbeRequest> = {}): ProbeRequest {
  return { url, method: 'GET', expectStatus: [200], timeoutInMs: 5000, ...extra };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(() => {
  probes = new HttpProbeClient({ caPem: env.sandbox.caPem, connectOverride: simulatedWebServersOverride(env.sandbox.urls.probes) });
});

describe('HttpProbeClient against the simulated web servers', () => {
  it("routes window URLs to the right simulated server by host name, path kept, so one server's failure shows on its own probe only", async () => {
    expect(await probes.probe(request('https://ic-web5.icprod.local/healthcheck.aspx', { expectBody: 'OK' }))).toEqual({ ok: true, status: 200 });
    await env.addFaults({ kind: 'vm', vm: 'IC-Web3', fault: 'unhealthy' });
    expect(await probes.probe(request('https://ic-web3.icprod.local/healthcheck.aspx', { expectBody: 'OK' }))).toEqual({ ok: false, status: 503, reason: 'status 503, expected 200' });
    expect(await probes.probe(request('https://IC-Web4.icprod.local/MyIIS/Account/Login', { expectStatus: [200, 302] }))).toEqual({ ok: true, status: 200 });
    // HEAD and the consul window's plain-http URLs reach the same listener.
    expect(await probes.probe(request('http://ic-web5.icprod.local/', { method: 'HEAD' }))).toEqual({ ok: true, status: 200 });
    // The JSON health answer by host, and a site that is not a VM (the 06-22 connection checks).
    expect(await probes.probe(request('https://ic-web7.icprod.local/health', { expectBody: '"status":"Healthy"' }))).toEqual({ ok: true, status: 200 });
    expect(await probes.probe(request('https://www2.invoicecloud.com/MyIIS/Account/Login', { expectStatus: [200, 302] }))).toEqual({ ok: true, status: 200 });

    const calls = (await env.calls({ listener: 'probes' })).slice(-6);
    expect(calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ['GET', '/healthcheck.aspx', 200],
      ['GET', '/healthcheck.aspx', 503],
      ['GET', '/MyIIS/Account/Login', 200],
      ['HEAD', '/', 200],
      ['GET', '/health', 200],
      ['GET', '/MyIIS/Account/Login', 200],
    ]);
  });

  it('fails a check, without throwing, on a missing text, an unknown server or path, a slow answer or an untrusted certificate', async () => {
    expect(await probes.probe(request('https://ic-web1.icprod.local/healthcheck.aspx', { expectBody: 'Healthy' }))).toEqual({ ok: false, status: 200, reason: "body does not contain 'Healthy'" });
    expect(await probes.probe(request('https://ic-web99.icprod.local/'))).toMatchObject({ ok: false, status: 404 });
    expect(await probes.probe(request('https://ic-web1.icprod.local/NoSuchApp/'))).toMatchObject({ ok: false, status: 404 });

    await env.addFaults({ listener: 'probes', path: '/', latencyMs: 700, count: 1 });
    expect(await probes.probe(request('https://ic-web2.icprod.local/', { timeoutInMs: 150 }))).toEqual({ ok: false, reason: 'no response within 150 ms' });

    const untrusting = new HttpProbeClient({ connectOverride: simulatedWebServersOverride(env.sandbox.urls.probes) });
    const refused = await untrusting.probe(request('https://ic-web2.icprod.local/'));
    expect(refused.ok).toBe(false);
    expect(refused.reason).toMatch(/certificate/i);
  });

  it('probes a URL directly (no override) with the CA, by the /{vm}/health route', async () => {
    const direct = new HttpProbeClient({ caPem: env.sandbox.caPem });
    expect(await direct.probe(request(`${env.sandbox.urls.probes}/IC-Web7/health`, { expectBody: '"server":"IC-Web7"' }))).toEqual({ ok: true, status: 200 });
    expect(await direct.probe(request(`${env.sandbox.urls.probes}/IC-Web7/health`, { expectStatus: [204] }))).toEqual({ ok: false, status: 200, reason: 'status 200, expected 204' });
  });

  it('throws TransientVendorError only when it cannot connect at all', async () => {
    const port = await closedPort();
    const nowhere = new HttpProbeClient({ caPem: env.sandbox.caPem, connectOverride: { baseUrl: `https://127.0.0.1:${port}` } });
    const err = await expectTransient(nowhere.probe(request('https://ic-web1.icprod.local/healthcheck.aspx')), 'probe');
    expect(err.message).toMatch(/could not connect to 127\.0\.0\.1:\d+ for ic-web1\.icprod\.local: ECONNREFUSED/);
    await expectTransient(new HttpProbeClient().probe(request('https://host.invalid/', { timeoutInMs: 2000 })), 'probe');
    await expect(probes.probe(request('ftp://ic-web1/'))).rejects.toThrow(TypeError);
    await expect(probes.probe(request('https://ic-web1/', { timeoutInMs: 0 }))).rejects.toThrow(RangeError);
  });
});
