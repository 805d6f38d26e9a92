/** HTTP triggers of the conformance app, served by the local host in a child process. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type HostProcess, spawnHost, uniqueHub } from '../../support/devhostProcess';
import { reusedAfterIdle } from '../../support/keepAlive';

let host: HostProcess;

beforeAll(async () => {
  // Keys live in local.settings.json (`Keys`), which is never committed: write one for this run.
  const settings = path.join(os.tmpdir(), `devhost-http-settings-${process.pid}.json`);
  fs.writeFileSync(settings, JSON.stringify({ IsEncrypted: false, Values: {}, Keys: { host: { default: 'k-default' }, functions: { secured: { default: 'k-secured' } } } }));
  host = await spawnHost({ taskHub: uniqueHub('http'), memory: true, args: ['--settings', settings] });
});

afterAll(async () => {
  await host.stop();
});

test('route template with a constraint, route prefix and query reach the handler', async () => {
  const res = await fetch(`${host.url}/api/hello/World?suffix=!`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('Hello, World!');
});

test('a value that violates a route constraint does not match (404)', async () => {
  expect((await fetch(`${host.url}/api/hello/W0rld`)).status).toBe(404);
  expect((await fetch(`${host.url}/api/items/abc`)).status).toBe(404);
});

test('optional int parameter, methods, body, status and headers go through the converters', async () => {
  const post = await fetch(`${host.url}/api/items/42`, { method: 'POST', body: 'payload' });
  expect(post.status).toBe(201);
  expect(post.headers.get('x-conformance')).toBe('items');
  expect(await post.json()).toEqual({ id: '42', method: 'POST', body: 'payload' });
  const list = await fetch(`${host.url}/api/items`);
  expect(await list.json()).toEqual({ id: null, method: 'GET', body: null });
  expect((await fetch(`${host.url}/api/items/1`, { method: 'DELETE' })).status).toBe(404);
  expect((await fetch(`${host.url}/api/hello/World`, { method: 'POST' })).status).toBe(404);
});

test('authLevel function: 401 without a valid key, 200 with the function key or the default key', async () => {
  expect((await fetch(`${host.url}/api/secured`)).status).toBe(401);
  expect((await fetch(`${host.url}/api/secured?code=wrong`)).status).toBe(401);
  expect((await fetch(`${host.url}/api/secured?code=k-secured`)).status).toBe(200);
  const viaHeader = await fetch(`${host.url}/api/secured`, { headers: { 'x-functions-key': 'k-default' } });
  expect(viaHeader.status).toBe(200);
  expect(await viaHeader.text()).toBe('secret');
});

test('the virtual clock is readable over HTTP in the documented shape', async () => {
  const res = await fetch(`${host.url}/admin/devhost/clock`);
  const body = (await res.json()) as { now: string; nowMs: number; speed: number; skipping: boolean };
  expect(res.status).toBe(200);
  expect(new Date(body.now).getTime()).toBe(body.nowMs);
  expect(body.speed).toBe(1);
  expect(body.skipping).toBe(true);
});

test('an idle kept-alive connection stays open until the client closes it (no race with a server-side idle close)', async () => {
  // Longer than Node's default server keepAliveTimeout (5 s), which closed it before.
  expect(await reusedAfterIdle(`${host.url}/api/hello/World`, 6_000)).toEqual([false, true]);
});
