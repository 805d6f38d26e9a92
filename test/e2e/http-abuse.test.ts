import { startLiveWindow, type LiveWindow } from './liveWindow';

/**
 * Abuse of every route of a live app: malformed JSON, wrong types, extra fields, bodies over
 * the limit (3 MB and 21 MB), control characters, path traversal and very long ids, wrong
 * methods and content types, missing or wrong keys and identities. Never a 500, never a hang,
 * always a 4xx whose body says what is wrong, and nothing changes: the run, its events, every
 * orchestration and the estate are as before.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

let live: LiveWindow;
beforeAll(async () => {
  live = await startLiveWindow();
});
afterAll(async () => {
  await live?.stop();
});

interface Probe {
  what: string;
  method: string;
  route: string;
  body?: string | Buffer;
  contentType?: string | null;
  key?: string | null;
  user?: string | null;
  /** A field the error must name. */
  field?: string;
}

const w = 'e2e-mini';
const POST_ROUTES: { route: string; valid: object }[] = [
  { route: `windows/${w}/start`, valid: { mode: 'rehearsal' } },
  { route: `windows/${w}/abort`, valid: { reason: 'probe' } },
  { route: `windows/${w}/approvals/go-ahead`, valid: { decision: 'approve' } },
  { route: `windows/${w}/steps/page-up/complete`, valid: { outcome: 'done' } },
  { route: `windows/${w}/canary/page-up/answers`, valid: { team: 'x', ok: true } },
  { route: `windows/${w}/maintenance-page/public`, valid: { action: 'up', reason: 'probe' } },
  { route: `windows/${w}/revisions`, valid: { text: 'id: e2e-mini\n' } },
];

function probes(): Probe[] {
  const out: Probe[] = [];
  const big = (bytes: number) => JSON.stringify({ reason: 'x'.repeat(bytes) });
  for (const { route, valid } of POST_ROUTES) {
    const first = Object.keys(valid)[0]!;
    out.push(
      { what: 'malformed JSON', method: 'POST', route, body: '{"reason": ' },
      { what: 'wrong type', method: 'POST', route, body: JSON.stringify({ ...valid, [first]: 12 }), field: first },
      { what: 'extra field', method: 'POST', route, body: JSON.stringify({ ...valid, sneaky: true }) },
      { what: 'a field far too long', method: 'POST', route, body: JSON.stringify({ ...valid, [first]: 'y'.repeat(1_500_000) }) },
      { what: 'a 3 MB body', method: 'POST', route, body: big(3_000_000) },
      { what: 'a 21 MB body', method: 'POST', route, body: big(21_000_000) },
      { what: 'control characters', method: 'POST', route, body: JSON.stringify({ ...valid, [first]: '\u0000\u001b[31mred\u0007' }) },
      { what: 'text/plain', method: 'POST', route, body: JSON.stringify(valid), contentType: 'text/plain' },
      { what: 'no content type', method: 'POST', route, body: JSON.stringify(valid), contentType: null },
      { what: 'no function key', method: 'POST', route, body: JSON.stringify(valid), key: null },
      { what: 'a wrong function key', method: 'POST', route, body: JSON.stringify(valid), key: 'not-the-key' },
      { what: 'nobody named', method: 'POST', route, body: JSON.stringify(valid), user: null },
      { what: 'PUT', method: 'PUT', route, body: JSON.stringify(valid) },
      { what: 'DELETE', method: 'DELETE', route },
    );
  }
  for (const id of ['..%2F..%2Fetc%2Fpasswd', '..', '%00', 'a'.repeat(5000), 'w%0d%0aSet-Cookie:x=1', '%E2%80%AEgate', 'windows%5C..%5Cx']) {
    out.push({ what: `odd id ${id.slice(0, 20)}`, method: 'GET', route: `windows/${id}` });
    out.push({ what: `odd id ${id.slice(0, 20)} on start`, method: 'POST', route: `windows/${id}/start`, body: '{}' });
    out.push({ what: `odd gate ${id.slice(0, 20)}`, method: 'POST', route: `windows/${w}/approvals/${id}`, body: '{"decision":"approve"}' });
  }
  out.push({ what: 'unknown window', method: 'GET', route: 'windows/no-such-window' });
  out.push({ what: 'Slack unsigned', method: 'POST', route: 'slack/interactions', body: 'payload=%7B%7D', contentType: 'application/x-www-form-urlencoded', key: null });
  out.push({ what: 'Slack JSON', method: 'POST', route: 'slack/interactions', body: '{}', key: null });
  out.push({ what: 'Slack 3 MB', method: 'POST', route: 'slack/interactions', body: `payload=${'x'.repeat(3_000_000)}`, contentType: 'application/x-www-form-urlencoded', key: null });
  return out;
}

async function send(p: Probe): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = {};
  if (p.key !== null) headers['x-functions-key'] = p.key ?? live.masterKey;
  if (p.user !== null) headers['x-mw-user'] = p.user ?? 'mallory';
  if (p.body !== undefined && p.contentType !== null) headers['content-type'] = p.contentType ?? 'application/json';
  // A hang is a failure: every request must be answered within 30 s.
  const r = await fetch(`${live.hostUrl}/api/${p.route}`, { method: p.method, headers, ...(p.body !== undefined ? { body: p.body } : {}), signal: AbortSignal.timeout(30_000) });
  return { status: r.status, body: await r.text() };
}

describe('HTTP abuse of every route', () => {
  it('answers each with a clear 4xx, never a 500 or a hang, and changes nothing', async () => {
    const before = await live.glance();
    const bad: string[] = [];
    let count = 0;
    for (const p of probes()) {
      const r = await send(p);
      count++;
      if (r.status < 400 || r.status >= 500) bad.push(`${p.what} ${p.method} /api/${p.route.slice(0, 60)} → ${r.status} ${r.body.slice(0, 200)}`);
      // The app's refusals say why in words; the host's own 401/404 carry no body, as Azure's do.
      if (r.body) {
        const error = (JSON.parse(r.body) as { error?: { message?: string; field?: string } }).error;
        if (!error?.message) bad.push(`${p.what}: no error message in ${r.body.slice(0, 200)}`);
        if (p.field && r.status === 400 && !error?.message?.includes(p.field)) bad.push(`${p.what}: the error does not name ${p.field}: ${error?.message ?? ''}`);
      }
    }
    expect(bad).toEqual([]);
    expect(count).toBeGreaterThan(100);
    expect(await live.glance()).toEqual(before);
  });
});
