import { CSRF_HEADER, checkBrowserRequest, csrfFor } from '../../../shared/api/csrf';

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] ?? null });
const token = 'T'.repeat(43);

describe('browser requests that change a window', () => {
  it('lets through requests without browser markers (the CLI, the rehearsal, scripts)', () => {
    expect(checkBrowserRequest({ headers: headers({ 'x-mw-user': 'marcus-lee', host: 'app' }) })).toBeUndefined();
    expect(checkBrowserRequest({ headers: headers({ authorization: 'Bearer x' }) })).toBeUndefined();
  });

  it('lets through the status page: same origin, the header token equal to the cookie', () => {
    expect(checkBrowserRequest({ headers: headers({ origin: 'https://app.example', host: 'app.example', 'sec-fetch-site': 'same-origin', cookie: `a=b; mw-csrf=${token}`, [CSRF_HEADER]: token }) })).toBeUndefined();
  });

  it('refuses a cross-site request, whatever it carries', () => {
    const r = checkBrowserRequest({ headers: headers({ origin: 'https://evil.example', host: 'app.example', 'sec-fetch-site': 'cross-site', cookie: `mw-csrf=${token}`, [CSRF_HEADER]: token }) });
    expect(r).toMatchObject({ status: 403, jsonBody: { error: { code: 'CrossSiteRequest' } } });
    // An old browser without Sec-Fetch-Site still sends Origin.
    expect(checkBrowserRequest({ headers: headers({ origin: 'https://evil.example', host: 'app.example', cookie: `mw-csrf=${token}`, [CSRF_HEADER]: token }) })).toMatchObject({ status: 403 });
    expect(checkBrowserRequest({ headers: headers({ origin: 'null', host: 'app.example', cookie: 'x=y' }) })).toMatchObject({ status: 403 });
  });

  it('refuses a same-origin request without the token, or with one that is not the cookie\'s', () => {
    const base = { origin: 'http://127.0.0.1:7071', host: '127.0.0.1:7071', 'sec-fetch-site': 'same-origin', cookie: `mw-csrf=${token}` };
    expect(checkBrowserRequest({ headers: headers(base) })).toMatchObject({ status: 403, jsonBody: { error: { code: 'CsrfTokenMissing' } } });
    expect(checkBrowserRequest({ headers: headers({ ...base, [CSRF_HEADER]: 'U'.repeat(43) }) })).toMatchObject({ status: 403 });
    expect(checkBrowserRequest({ headers: headers({ ...base, cookie: 'other=1', [CSRF_HEADER]: token }) })).toMatchObject({ status: 403 });
  });

  it('keeps a caller\'s well-formed token and makes a new one otherwise; the cookie is SameSite=Strict and HttpOnly', () => {
    expect(csrfFor({ headers: headers({ cookie: `mw-csrf=${token}` }) }).token).toBe(token);
    const fresh = csrfFor({ headers: headers({ cookie: 'mw-csrf=short' }) });
    expect(fresh.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh.setCookie).toBe(`mw-csrf=${fresh.token}; Path=/; SameSite=Strict; HttpOnly`);
    expect(csrfFor({ headers: headers({ 'x-forwarded-proto': 'https' }) }).setCookie).toMatch(/; Secure$/);
  });
});
