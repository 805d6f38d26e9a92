import { mkdtempSync, rmSync } from 'fs';
import https from 'https';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { ensureTls } from '../../../sandbox/core/tls';
import { createHttpsFetch, IDLE_SOCKET_MS } from '../../../shared/adapters/http/https';

/**
 * The vendor client closes a kept-alive socket that sat idle, before a server would: a request
 * on a socket the server is closing is lost as "socket hang up", whatever its method.
 */

let server: https.Server;
let dir: string;
let caPem: string;
let connections = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mw-idle-'));
  const tls = await ensureTls(dir);
  caPem = tls.caPem;
  server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (_req, res) => res.end('ok'));
  // A server that never closes idle sockets: only the client can.
  server.keepAliveTimeout = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

it('reuses a socket between close calls and opens a new one after it sat idle', async () => {
  const f = createHttpsFetch({ caPem });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  expect(await (await f(url)).text()).toBe('ok');
  expect(await (await f(url, { method: 'POST', body: 'x' })).text()).toBe('ok');
  expect(connections).toBe(1);
  await new Promise((r) => setTimeout(r, IDLE_SOCKET_MS + 1_500));
  expect(await (await f(url, { method: 'POST', body: 'x' })).text()).toBe('ok');
  expect(connections).toBe(2);
});
