import { statusPage } from '../../../shared/api/pageRoute';
import { StatusCache } from '../../../shared/api/statusCache';
import { fakeDeps, request } from './fakes';

/** The status page is rendered once per shared status answer and viewer; each request still gets its own CSRF token. */

const tokenOf = (body: unknown) => /<meta name="mw-csrf" content="([^"]*)">/.exec(String(body))?.[1];
const cookieOf = (headers: Record<string, string> | undefined) => /mw-csrf=([^;]+)/.exec(headers?.['set-cookie'] ?? '')?.[1];

test('pollers sharing a status answer get the same page, each with the token of its own cookie', async () => {
  const { deps } = fakeDeps({ mode: 'local-header' });
  deps.statusCache = new StatusCache();
  const a = await statusPage(deps, request({ windowId: 'w1' }, {}));
  const b = await statusPage(deps, request({ windowId: 'w1' }, { cookie: `mw-csrf=${'k'.repeat(43)}` }));
  expect(a.status).toBe(200);
  expect(tokenOf(a.body)).toBe(cookieOf(a.headers as Record<string, string>));
  expect(tokenOf(b.body)).toBe('k'.repeat(43));
  expect(tokenOf(a.body)).not.toBe(tokenOf(b.body));
  expect(String(a.body).replace(tokenOf(a.body)!, 'T')).toBe(String(b.body).replace(tokenOf(b.body)!, 'T'));
  expect(String(a.body)).not.toContain('mwcsrftokenslot');
});

test('another viewer gets the page rendered for them, not the first viewer\'s', async () => {
  const { deps } = fakeDeps({ mode: 'local-header' });
  deps.statusCache = new StatusCache();
  const anonymous = await statusPage(deps, request({ windowId: 'w1' }, {}));
  const named = await statusPage(deps, request({ windowId: 'w1' }, { 'x-mw-user': 'rehearsal-runner' }));
  expect(String(named.body)).toContain('you are rehearsal-runner');
  expect(String(anonymous.body)).not.toContain('you are');
  // And the first viewer's page is still theirs after another's was rendered.
  expect(String((await statusPage(deps, request({ windowId: 'w1' }, {}))).body)).not.toContain('you are');
});

test('the latest pre-flight is read once per shared status answer, and again once the answer is renewed', async () => {
  const { deps, changes } = fakeDeps({ mode: 'local-header' });
  let now = 0;
  deps.statusCache = new StatusCache({ nowMs: () => now });
  const reads: string[] = [];
  const getMark = deps.store.getMark.bind(deps.store);
  deps.store.getMark = (w, key) => (reads.push(key), getMark(w, key));
  await Promise.all(Array.from({ length: 20 }, () => statusPage(deps, request({ windowId: 'w1' }, {}))));
  expect(reads).toEqual(['preflight:latest']);
  // A pre-flight run after it shows once the shared answer is renewed, not before.
  changes.marks.set('w1/preflight:latest', JSON.stringify({ ranAtMs: Date.parse('2025-06-21T13:00:00Z'), zones: ['America/New_York'], by: 'eng@example.com', errors: 1, warnings: 0, findings: [], more: 0 }));
  expect(String((await statusPage(deps, request({ windowId: 'w1' }, {}))).body)).not.toContain('Latest pre-flight');
  now = 1000;
  expect(reads).toHaveLength(1);
  const renewed = String((await statusPage(deps, request({ windowId: 'w1' }, {}))).body);
  expect(reads).toHaveLength(2);
  expect(renewed).toContain('Latest pre-flight');
});

test('a failed pre-flight read is not kept: the next poller reads again', async () => {
  const { deps } = fakeDeps({ mode: 'local-header' });
  deps.statusCache = new StatusCache();
  let fail = true;
  const getMark = deps.store.getMark.bind(deps.store);
  deps.store.getMark = (w, key) => (fail ? Promise.reject(new Error('storage down')) : getMark(w, key));
  await expect(statusPage(deps, request({ windowId: 'w1' }, {}))).rejects.toThrow('storage down');
  fail = false;
  expect((await statusPage(deps, request({ windowId: 'w1' }, {}))).status).toBe(200);
});
