import http from 'http';
import type { AddressInfo } from 'net';
import { z } from 'zod';
import { HttpStatusError, JsonHttpsClient } from '../../../shared/adapters/http/https';
import { isTransient } from '../../../shared/activities/outcome';

/**
 * Retries inside one vendor call are short: a throttled answer with a short Retry-After is tried
 * again in the call, a long one goes back to the durable retry policy at once (no activity waits
 * for minutes), as a transient error.
 */

let server: http.Server;
let answers: { status: number; retryAfter?: string }[] = [];
let calls = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    calls++;
    const a = answers.shift() ?? { status: 200 };
    res.writeHead(a.status, { 'content-type': 'application/json', ...(a.retryAfter !== undefined ? { 'retry-after': a.retryAfter } : {}) });
    res.end(JSON.stringify({ ok: a.status === 200 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  calls = 0;
});

function client(): JsonHttpsClient {
  const { port } = server.address() as AddressInfo;
  return new JsonHttpsClient({ vendor: 'test', baseUrl: 'https://vendor.example', connectTo: `http://127.0.0.1:${port}`, headers: {}, retryDelayInMs: 1 });
}

it('tries a throttled call again within the call when Retry-After is short', async () => {
  answers = [{ status: 429, retryAfter: '0' }, { status: 200 }];
  await expect(client().request({ method: 'GET', path: '/x', schema: z.object({ ok: z.boolean() }) })).resolves.toEqual({ ok: true });
  expect(calls).toBe(2);
});

it('hands a long Retry-After back to the durable retry as a transient error, without waiting', async () => {
  answers = [{ status: 429, retryAfter: '120' }];
  const error = await client()
    .request({ method: 'GET', path: '/x', schema: z.object({ ok: z.boolean() }) })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpStatusError);
  expect((error as HttpStatusError).status).toBe(429);
  expect(isTransient(error)).toBe(true);
  expect(calls).toBe(1);
});
