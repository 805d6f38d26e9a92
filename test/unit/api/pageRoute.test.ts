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
