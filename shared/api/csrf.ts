import { randomBytes, timingSafeEqual } from 'crypto';
import type { ApiRequest, ApiResponse } from './windows';

/**
 * CSRF protection for the status page's buttons (OWASP CSRF Prevention Cheat Sheet: verify the
 * origin with standard headers, and a double-submit token in a SameSite cookie).
 *
 * On Azure the page's identity is App Service authentication's session cookie, which a browser
 * attaches to any request to the app, so a request a browser makes must prove it came from our
 * own page: same origin (Origin / Sec-Fetch-Site) and the token the page carries in a header,
 * matching the `mw-csrf` cookie set with the page. A cross-site page can neither read the
 * cookie nor set the header without a CORS preflight the app never answers.
 *
 * Requests with no browser markers (no Origin, no Sec-Fetch-Site, no Cookie: the CLI, the
 * rehearsal, scripts with a bearer token or the local identity header) carry no ambient
 * credentials for an attacker to ride on and pass unchanged.
 */
export const CSRF_COOKIE = 'mw-csrf';
export const CSRF_HEADER = 'x-mw-csrf';
const TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

function cookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** The caller's token (kept while it is well formed) and the Set-Cookie header that keeps it. */
export function csrfFor(req: Pick<ApiRequest, 'headers'>): { token: string; setCookie: string } {
  const existing = cookies(req.headers.get('cookie'))[CSRF_COOKIE];
  const token = existing && TOKEN.test(existing) ? existing : randomBytes(32).toString('base64url');
  const https = (req.headers.get('x-forwarded-proto') ?? '').toLowerCase() === 'https' || (req.headers.get('x-arr-ssl') ?? '') !== '';
  return { token, setCookie: `${CSRF_COOKIE}=${token}; Path=/; SameSite=Strict; HttpOnly${https ? '; Secure' : ''}` };
}

const refuse = (code: string, message: string): ApiResponse => ({ status: 403, jsonBody: { error: { code, message } } });

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Undefined when the request may go on; a 403 that says why when a browser request is not from our page. */
export function checkBrowserRequest(req: Pick<ApiRequest, 'headers'>): ApiResponse | undefined {
  const origin = req.headers.get('origin');
  const site = req.headers.get('sec-fetch-site');
  const cookieHeader = req.headers.get('cookie');
  if (!origin && !site && !cookieHeader) return undefined;
  if (site && site !== 'same-origin') return refuse('CrossSiteRequest', `a ${site} request may not change a window; use the status page or the mw command line`);
  if (origin) {
    const host = (req.headers.get('x-forwarded-host') ?? req.headers.get('host') ?? '').split(',')[0]!.trim().toLowerCase();
    let originHost = '';
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      // "null" or garbage: not our page.
    }
    if (!host || originHost !== host) return refuse('CrossSiteRequest', `origin ${origin} is not this app`);
  }
  const sent = req.headers.get(CSRF_HEADER) ?? '';
  const expected = cookies(cookieHeader)[CSRF_COOKIE] ?? '';
  if (!TOKEN.test(sent) || !expected || !sameText(sent, expected)) return refuse('CsrfTokenMissing', `send the ${CSRF_HEADER} header from the status page (reload the page if it is old)`);
  return undefined;
}
