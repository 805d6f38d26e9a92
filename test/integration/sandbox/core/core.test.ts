import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import http from 'http';
import https from 'https';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { HttpClockFollower } from '../../../../sandbox/core/clock';
import type { ControlTarget } from '../../../../sandbox/core/extensions';
import { PathRouter } from '../../../../sandbox/core/router';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/core/sandbox';
import type { SandboxService } from '../../../../sandbox/core/types';
import { EstateError, loadEstateFile } from '../../../../sandbox/estate/load';
import { reusedAfterIdle } from '../../../support/keepAlive';

function call(ca: string, method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('PathRouter', () => {
  test('captures params, prefers literal segments, matches literals case-insensitively, supports rest and any-method', () => {
    const r = new PathRouter();
    const h = (name: string) => () => ({ status: 200, body: name });
    r.route('GET', '/secrets/:name/:version', h('version'));
    r.route('GET', '/secrets/:name/versions', h('versions'));
    r.route('*', '/files/*', h('rest'));
    expect(r.match('GET', '/secrets/a/versions')?.pattern).toBe('/secrets/:name/versions');
    expect(r.match('GET', '/Secrets/a%20b/v1')?.params).toEqual({ name: 'a b', version: 'v1' });
    expect(r.match('DELETE', '/files/a/b/c')?.params['*']).toBe('a/b/c');
    expect(r.match('POST', '/secrets/a/b')).toBeUndefined();
  });
});

describe('sandbox core over HTTPS', () => {
  let sb: RunningSandbox;
  let stateDir: string;
  let now = Date.UTC(2025, 5, 22, 8, 0, 0);
  let applied = 0;
  const echo: SandboxService = {
    name: 'pingdom',
    register: (router) => {
      router.route('POST', '/api/3.1/echo/:id', (req) => ({ status: 200, body: { id: req.params.id, body: req.body } }));
      router.route('GET', '/api/3.1/text', () => ({ status: 200, body: 'plain' }));
      // A write with an effect to look for: how many times it was applied.
      router.route('PUT', '/api/3.1/counter', () => ({ status: 200, body: { applied: ++applied } }));
    },
    snapshot: () => ({ echo: true }),
  };

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'mw-sbx-core-'));
    sb = await startSandbox({ basePort: 0, stateDir, estate: { other: { kept: 1 } }, clock: { now: () => now }, services: { pingdom: () => echo } });
  });
  afterAll(async () => {
    await sb.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('serves the service, logs the call with a redacted body and the virtual time', async () => {
    const res = await call(sb.caPem, 'POST', `${sb.urls.pingdom}/api/3.1/echo/7`, 'token=abc&name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ id: '7', body: { token: 'abc', name: 'x' } });
    const [rec] = sb.calls({ listener: 'pingdom', method: 'POST' });
    expect(rec).toMatchObject({ path: '/api/3.1/echo/7', status: 200, route: '/api/3.1/echo/:id', time: '2025-06-22T08:00:00.000Z', body: { token: '[redacted]', name: 'x' } });
    expect((await call(sb.caPem, 'GET', `${sb.urls.pingdom}/api/3.1/text`)).text).toBe('plain');
    expect((await call(sb.caPem, 'GET', `${sb.urls.pingdom}/nope`)).status).toBe(404);
  });

  test('keeps an idle kept-alive connection open: a client reusing it never races the estate closing it', async () => {
    // Longer than Node's default server keepAliveTimeout (5 s), which closed it before.
    expect(await reusedAfterIdle(`${sb.urls.pingdom}/api/3.1/text`, 6_000, sb.caPem)).toEqual([false, true]);
  });

  test('the control API filters calls and validates its query', async () => {
    const ok = await call(sb.caPem, 'GET', `${sb.urls.control}/_sandbox/calls?listener=pingdom&path=/api/3.1/echo/*`);
    expect((JSON.parse(ok.text) as { value: unknown[] }).value).toHaveLength(1);
    const bad = await call(sb.caPem, 'GET', `${sb.urls.control}/_sandbox/calls?since=-1`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { field: 'since' } });
  });

  test('faults: count, Retry-After, vendor-shaped default body, latency-only, removal by id', async () => {
    const post = await call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/faults`, JSON.stringify({ listener: 'pingdom', method: 'POST', path: '/api/3.1/echo/*', status: 429, retryAfter: 3, count: 1 }), { 'content-type': 'application/json' });
    expect(post.status).toBe(201);
    const first = await call(sb.caPem, 'POST', `${sb.urls.pingdom}/api/3.1/echo/1`, '{}', { 'content-type': 'application/json' });
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('3');
    expect(JSON.parse(first.text)).toEqual({ error: { code: 'TooManyRequests', message: 'Injected fault: too many requests.' } });
    expect((await call(sb.caPem, 'POST', `${sb.urls.pingdom}/api/3.1/echo/1`, '{}', { 'content-type': 'application/json' })).status).toBe(200);

    const slow = await call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/faults`, JSON.stringify({ listener: 'pingdom', latencyMs: 50 }), { 'content-type': 'application/json' });
    const id = (JSON.parse(slow.text) as { value: { id: string }[] }).value[0]?.id ?? '';
    expect((await call(sb.caPem, 'GET', `${sb.urls.pingdom}/api/3.1/text`)).status).toBe(200);
    expect(sb.calls({ listener: 'pingdom' }).at(-1)?.faultId).toBeUndefined();
    expect((await call(sb.caPem, 'DELETE', `${sb.urls.control}/_sandbox/faults/${id}`)).status).toBe(204);
    expect((await call(sb.caPem, 'DELETE', `${sb.urls.control}/_sandbox/faults/${id}`)).status).toBe(404);
  });

  test('faults: a connection reset before the request (not applied) or after it (applied, reply lost)', async () => {
    const addFault = (spec: unknown) => call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/faults`, JSON.stringify(spec), { 'content-type': 'application/json' });
    const put = () => call(sb.caPem, 'PUT', `${sb.urls.pingdom}/api/3.1/counter`);
    const start = applied;
    expect((await addFault({ listener: 'pingdom', method: 'PUT', reset: 'before', count: 1 })).status).toBe(201);
    await expect(put()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(applied).toBe(start);
    expect(sb.calls({ listener: 'pingdom', method: 'PUT' }).at(-1)).toMatchObject({ status: 0, reset: 'before', faultId: expect.any(String) });

    expect((await addFault({ listener: 'pingdom', method: 'PUT', reset: 'after', count: 1 })).status).toBe(201);
    await expect(put()).rejects.toMatchObject({ code: 'ECONNRESET' });
    // Applied, and logged with the status whose reply was lost.
    expect(applied).toBe(start + 1);
    expect(sb.calls({ listener: 'pingdom', method: 'PUT' }).at(-1)).toMatchObject({ status: 200, reset: 'after', faultId: expect.any(String) });
    expect(JSON.parse((await put()).text)).toEqual({ applied: start + 2 });
    await call(sb.caPem, 'DELETE', `${sb.urls.control}/_sandbox/faults`);
  });

  test('faults: `every` fires on every Nth matching request only, counting only the requests it matches', async () => {
    expect((await call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/faults`, JSON.stringify({ listener: 'pingdom', method: 'PUT', path: '/api/3.1/counter', every: 2, status: 409 }), { 'content-type': 'application/json' })).status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await call(sb.caPem, 'PUT', `${sb.urls.pingdom}/api/3.1/counter`)).status);
      // Requests the fault does not match do not move its count.
      expect((await call(sb.caPem, 'GET', `${sb.urls.pingdom}/api/3.1/text`)).status).toBe(200);
    }
    expect(statuses).toEqual([200, 409, 200, 409, 200]);
    const listed = JSON.parse((await call(sb.caPem, 'GET', `${sb.urls.control}/_sandbox/faults`)).text) as { value: { fired: number; matched: number }[] };
    expect(listed.value[0]).toMatchObject({ fired: 2, matched: 5 });
    await call(sb.caPem, 'DELETE', `${sb.urls.control}/_sandbox/faults`);
  });

  test('faults: a reset with a status, an unknown reset or every 0 is refused, naming the field', async () => {
    const bad = async (spec: unknown) => {
      const res = await call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/faults`, JSON.stringify(spec), { 'content-type': 'application/json' });
      expect(res.status).toBe(400);
      return (JSON.parse(res.text) as { error: { field: string } }).error.field;
    };
    expect(await bad({ listener: 'pingdom', status: 500, reset: 'after' })).toBe('reset');
    expect(await bad({ listener: 'pingdom', reset: 'during' })).toBe('reset');
    expect(await bad({ listener: 'pingdom', status: 500, every: 0 })).toBe('every');
  });

  test('state shows each service under its name plus the sandbox clock; reset clears calls', async () => {
    now += 60_000;
    const state = JSON.parse((await call(sb.caPem, 'GET', `${sb.urls.control}/_sandbox/state`)).text) as { sandbox: { now: string }; pingdom: unknown };
    expect(state.sandbox.now).toBe('2025-06-22T08:01:00.000Z');
    expect(state.pingdom).toEqual({ echo: true });
    expect((await call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/reset`, '{"bogus":1}', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/reset`)).status).toBe(200);
    expect(sb.calls()).toHaveLength(0);
  });
});

test('HttpClockFollower follows the devhost clock endpoint and never goes backwards', async () => {
  let reading = { now: '2025-06-21T23:00:00.000Z', nowMs: Date.UTC(2025, 5, 21, 23), speed: 0, skipping: true };
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(reading));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/devhost/clock`;
  const follower = new HttpClockFollower(url, { pollIntervalInMs: 60_000 });
  try {
    await follower.start();
    expect(follower.now()).toBe(Date.UTC(2025, 5, 21, 23));
    reading = { ...reading, nowMs: Date.UTC(2025, 5, 22, 4, 30) };
    await follower.refresh();
    expect(follower.now()).toBe(Date.UTC(2025, 5, 22, 4, 30));
    reading = { ...reading, nowMs: Date.UTC(2025, 5, 22, 1) };
    await follower.refresh();
    expect(follower.now()).toBe(Date.UTC(2025, 5, 22, 4, 30));
  } finally {
    follower.stop();
    server.close();
  }
});

test('estate files are validated with the failing field named', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mw-estate-'));
  try {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'azure:\n  tenantId: not-a-guid\n');
    await expect(loadEstateFile(file)).rejects.toThrow(EstateError);
    await expect(loadEstateFile(file)).rejects.toThrow(/azure\.tenantId: expected a GUID/);
    const pools = path.join(dir, 'pools.yaml');
    writeFileSync(
      pools,
      [
        'azure:',
        '  tenantId: 7c1e5a0f-3d2b-4e8a-9f61-2b7d0c4e9a11',
        '  subscriptionId: 3f2a9c1e-8b4d-4c6a-a1e7-5d9b0f2c7e34',
        '  clients: [{ clientId: a, clientSecret: b }]',
        '  virtualNetwork: { name: v, resourceGroup: r, subnet: s }',
        '  virtualMachines: [{ name: W1, resourceGroup: r, role: web, privateIp: 10.0.0.1 }]',
        '  loadBalancers: [{ name: lb, resourceGroup: r, frontendIp: 10.0.0.9, backendPools: [{ name: p, members: [W2] }] }]',
        '  keyVault: { name: kv }',
        'slack: { channels: [x] }',
      ].join('\n'),
    );
    await expect(loadEstateFile(pools)).rejects.toThrow(/azure\.loadBalancers\.0\.backendPools\.0\.members\.0: unknown VM W2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('service control routes (ControlTarget)', () => {
  test('are served under /_sandbox/<service>/ on every listener, and may not claim anything else', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'mw-sbx-control-'));
    let pokes = 0;
    const poker: SandboxService & ControlTarget = {
      name: 'pingdom',
      register: () => undefined,
      registerControl: (router) => router.route('POST', '/_sandbox/pingdom/poke', () => ({ status: 200, body: { pokes: ++pokes } })),
      snapshot: () => ({ pokes }),
    };
    const sb = await startSandbox({ basePort: 0, stateDir, estate: {}, services: { pingdom: () => poker } });
    try {
      expect(JSON.parse((await call(sb.caPem, 'POST', `${sb.urls.control}/_sandbox/pingdom/poke`)).text)).toEqual({ pokes: 1 });
      expect(JSON.parse((await call(sb.caPem, 'POST', `${sb.urls.slack}/_sandbox/pingdom/poke`)).text)).toEqual({ pokes: 2 });
      expect((await call(sb.caPem, 'GET', `${sb.urls.control}/_sandbox/pingdom/poke`)).status).toBe(404);
      expect(sb.state()['pingdom']).toEqual({ pokes: 2 });
    } finally {
      await sb.stop();
    }
    const greedy: SandboxService & ControlTarget = { ...poker, registerControl: (router) => router.route('GET', '/_sandbox/state', () => ({ status: 200 })) };
    await expect(startSandbox({ basePort: 0, stateDir, estate: {}, services: { pingdom: () => greedy } })).rejects.toThrow('must start with /_sandbox/pingdom/');
    rmSync(stateDir, { recursive: true, force: true });
  });
});
