/**
 * Durable HTTP (context.df.callHttp) as the extension runs it: the built-in
 * `BuiltIn::HttpActivity`, the 202 polling pattern (a durable timer of Retry-After seconds,
 * else 30 s, then GET Location), the response without content headers, and the failures.
 */
import { type HostProcess, type Status, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('callhttp'), args: ['--start', '2025-06-21T00:00:00Z'] });
});

afterAll(async () => {
  await host.stop();
});

type Event = NonNullable<Status['historyEvents']>[number];

async function run(input: Record<string, unknown>): Promise<Status> {
  const id = await startOrchestration(host, 'HttpCall', input);
  return waitFor(host, id);
}

test('a 202 with Location is polled on durable timers until the final response', async () => {
  const op = uniqueHub('op');
  const status = await run({ url: `${host.url}/api/operation/${op}` });
  expect(status.runtimeStatus).toBe('Completed');
  const out = status.output as { statusCode: number; content: string; headers: Record<string, string> };
  expect(out.statusCode).toBe(200);
  expect(JSON.parse(out.content)).toEqual({ status: 'done', polls: 3 });
  expect(out.headers['x-operation']).toBe(op);
  // DurableHttpResponse carries HttpResponseMessage.Headers, not the content headers.
  expect(Object.keys(out.headers).map((h) => h.toLowerCase())).not.toContain('content-type');

  const events = (status.historyEvents ?? []) as Event[];
  const calls = events.filter((e) => e.EventType === 'TaskCompleted');
  expect(calls.map((e) => e.FunctionName)).toEqual(['BuiltIn::HttpActivity', 'BuiltIn::HttpActivity', 'BuiltIn::HttpActivity']);
  expect(events.filter((e) => e.EventType === 'TimerFired')).toHaveLength(2);
  // Retry-After: 1 after the first 202; the 30 s default after the second, which has none.
  const gaps = [1, 2].map((i) => Date.parse(calls[i]?.ScheduledTime ?? '') - Date.parse(calls[i - 1]?.Timestamp ?? ''));
  expect(gaps[0]).toBeGreaterThanOrEqual(1000);
  expect(gaps[0]).toBeLessThan(30_000);
  expect(gaps[1]).toBeGreaterThanOrEqual(30_000);
});

test('enablePolling: false returns the 202 itself', async () => {
  const status = await run({ url: `${host.url}/api/operation/${uniqueHub('np')}`, enablePolling: false });
  const out = status.output as { statusCode: number; headers: Record<string, string> };
  expect(out.statusCode).toBe(202);
  expect(out.headers.location).toMatch(/\/api\/operation\//);
  expect(((status.historyEvents ?? []) as Event[]).filter((e) => e.EventType === 'TimerFired')).toHaveLength(0);
});

test('method, headers and body reach the service; an object body is sent as JSON text', async () => {
  const status = await run({ url: `${host.url}/api/echo`, method: 'PUT', body: { a: 1 }, headers: { 'content-type': 'application/json', 'x-probe': 'p1' } });
  const out = status.output as { statusCode: number; content: string; headers: Record<string, string> };
  expect(out.statusCode).toBe(200);
  expect(JSON.parse(out.content)).toEqual({ method: 'PUT', contentType: 'application/json', probe: 'p1', body: '{"a":1}' });
  expect(out.headers['x-echo']).toBe('yes');

  const plain = await run({ url: `${host.url}/api/echo`, method: 'POST', body: 'hello' });
  // No Content-Type given: the extension sends text/plain.
  expect(JSON.parse((plain.output as { content: string }).content)).toMatchObject({ contentType: 'text/plain', body: 'hello' });
});

test('a managed-identity token source fails the call clearly; so does an unreachable service', async () => {
  const identity = await run({ url: `${host.url}/api/echo`, method: 'POST', identity: true });
  expect((identity.output as { error: string }).error).toContain('is not available locally');
  const unreachable = await run({ url: 'http://127.0.0.1:1/nothing' });
  expect((unreachable.output as { error: string }).error).toContain('http://127.0.0.1:1/nothing failed');
});
