import { StatusCache, serializedOnce, wantsFresh } from '../../../shared/api/statusCache';
import type { ApiResponse } from '../../../shared/api/windows';

/** However many read a window's status at once, it is computed once, and again only when old or asked for fresh. */

function counter() {
  const calls: string[] = [];
  const compute = (id: string) => () => {
    calls.push(id);
    return new Promise<ApiResponse>((resolve) => setImmediate(() => resolve({ status: 200, jsonBody: { id, n: calls.length } })));
  };
  return { calls, compute };
}

test('two hundred readers at once share one computation', async () => {
  const cache = new StatusCache();
  const { calls, compute } = counter();
  const answers = await Promise.all(Array.from({ length: 200 }, () => cache.get('w', compute('w'))));
  expect(calls).toEqual(['w']);
  expect(new Set(answers).size).toBe(1);
});

test('an answer is reused within its age, recomputed after it, and per window', async () => {
  let now = 0;
  const cache = new StatusCache({ maxAgeInMs: 1000, nowMs: () => now });
  const { calls, compute } = counter();
  await cache.get('a', compute('a'));
  now = 999;
  await cache.get('a', compute('a'));
  await cache.get('b', compute('b'));
  now = 1000;
  await cache.get('a', compute('a'));
  expect(calls).toEqual(['a', 'b', 'a']);
});

test('a fresh read always computes one that starts after it, and later readers share that one', async () => {
  const cache = new StatusCache();
  const { calls, compute } = counter();
  const first = cache.get('w', compute('w'));
  const fresh = cache.get('w', compute('w'), true);
  expect(fresh).not.toBe(first);
  expect(cache.get('w', compute('w'))).toBe(fresh);
  await Promise.all([first, fresh]);
  expect(calls).toEqual(['w', 'w']);
});

test('a failed computation is not kept', async () => {
  const cache = new StatusCache();
  await expect(cache.get('w', () => Promise.reject(new Error('storage down')))).rejects.toThrow('storage down');
  await expect(cache.get('w', () => Promise.resolve({ status: 200, jsonBody: 'ok' }))).resolves.toEqual({ status: 200, jsonBody: 'ok' });
});

test('remembers a bounded number of windows, so unknown ids cannot grow it', async () => {
  const cache = new StatusCache({ maxEntries: 2 });
  const { calls, compute } = counter();
  for (const id of ['a', 'b', 'c', 'a']) await cache.get(id, compute(id));
  expect(calls).toEqual(['a', 'b', 'c', 'a']);
  expect(() => new StatusCache({ maxEntries: 0 })).toThrow(RangeError);
});

test('Cache-Control no-cache or max-age=0 asks for the latest state', () => {
  const h = (v: string | null) => ({ get: (name: string) => (name === 'cache-control' ? v : null) });
  expect(wantsFresh(h('no-cache'))).toBe(true);
  expect(wantsFresh(h('private, max-age=0'))).toBe(true);
  expect(wantsFresh(h('max-age=60'))).toBe(false);
  expect(wantsFresh(h(null))).toBe(false);
});

describe('serializedOnce', () => {
  it('writes a shared answer\'s JSON once, as the bytes every reader gets, with the content type the library sets', () => {
    const shared: ApiResponse = { status: 200, jsonBody: { windowId: 'w', state: 'succeeded', note: 'café' } };
    const a = serializedOnce(shared);
    const b = serializedOnce(shared);
    expect(a.body).toBe(b.body);
    expect(JSON.parse(Buffer.from(a.body as Uint8Array).toString('utf8'))).toEqual(shared.jsonBody);
    expect(a.headers).toEqual({ 'content-type': 'application/json' });
    expect(a.jsonBody).toBeUndefined();
    // The shared answer itself is left as it was.
    expect(shared).toEqual({ status: 200, jsonBody: { windowId: 'w', state: 'succeeded', note: 'café' } });
  });

  it('keeps a content type and status already given, and another answer gets its own bytes', () => {
    const a = serializedOnce({ status: 404, jsonBody: { error: { code: 'WindowNotFound' } }, headers: { 'Content-Type': 'application/problem+json' } });
    expect(a.status).toBe(404);
    expect(a.headers).toEqual({ 'Content-Type': 'application/problem+json' });
    const b = serializedOnce({ status: 200, jsonBody: { windowId: 'x' } });
    expect(Buffer.from(b.body as Uint8Array).toString('utf8')).toBe('{"windowId":"x"}');
  });

  it('returns an answer without an object body as it is', () => {
    const text: ApiResponse = { status: 200, body: 'hello' };
    expect(serializedOnce(text)).toBe(text);
  });
});
