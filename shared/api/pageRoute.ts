import { LATEST_PREFLIGHT_MARK, parseLatest } from '../preflight/latest';
import { csrfFor } from './csrf';
import { callerOf, personOf } from './identity';
import { renderStatusPage } from './page';
import { windowStatus, type ApiDeps, type ApiRequest, type ApiResponse, type WindowStatusView } from './windows';

/**
 * Pages rendered per shared status answer (statusCache.ts: one view object per window for about a
 * second) and viewer: two hundred pollers of a page cost one render a second per viewer, not two
 * hundred. Keyed by the view object, so an entry goes when the cache lets its answer go.
 */
const rendered = new WeakMap<object, Map<string, Buffer[]>>();
/** The latest pre-flight read once per shared status answer too (a storage read per poll otherwise); as fresh as the answer. */
const preflights = new WeakMap<object, Promise<string | undefined>>();
const MAX_VIEWERS = 64;
/** Where the page carries its CSRF token; replaced by each request's own token. */
const TOKEN_SLOT = 'mwcsrftokenslot0000000000000000000000000000';

/**
 * `GET /api/windows/{id}/page`: the status page for whoever asks. The caller (App Service
 * authentication on Azure, the local identity header in a rehearsal) decides whether approval
 * buttons are shown; the approval API checks again whatever the page showed.
 */
export async function statusPage(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const windowId = req.params.windowId ?? '';
  const status = await windowStatus(deps, windowId);
  if (status.status !== 200) return status;
  const view = status.jsonBody as WindowStatusView;
  const caller = callerOf(req.headers, deps.identity);
  let mark = preflights.get(view);
  if (!mark) {
    const read = deps.store.getMark(windowId, LATEST_PREFLIGHT_MARK);
    preflights.set(view, (mark = read));
    // A failed read is nobody's answer: the next poller reads again.
    read.catch(() => {
      if (preflights.get(view) === read) preflights.delete(view);
    });
  }
  const preflight = parseLatest(await mark);
  // The page differs per viewer and per latest pre-flight (rare); the rest is the shared view.
  const viewerKey = `${caller ? caller.id : ''}|${preflight ? JSON.stringify(preflight) : ''}`;
  let byViewer = rendered.get(view);
  if (!byViewer) rendered.set(view, (byViewer = new Map()));
  let parts = byViewer.get(viewerKey);
  if (parts === undefined) {
    let person: string | undefined;
    if (caller && view.revision) {
      const runbook = await deps.store.getRunbook(windowId, view.revision);
      person = runbook ? personOf(runbook, caller) : undefined;
    }
    const html = renderStatusPage(view, { ...(caller ? { viewer: { id: caller.id, ...(person ? { person } : {}) } } : {}), csrfToken: TOKEN_SLOT, ...(preflight ? { preflight } : {}) });
    // Kept as UTF-8 bytes around the token's places: each request joins bytes, not 70 KB of text.
    parts = html.split(TOKEN_SLOT).map((text) => Buffer.from(text));
    // Bounded: a shared view lives about a second (statusCache.ts); a flood of names renders anew.
    if (byViewer.size < MAX_VIEWERS) byViewer.set(viewerKey, parts);
  }
  const csrf = csrfFor(req);
  const token = Buffer.from(csrf.token);
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'set-cookie': csrf.setCookie,
      // Everything is inline; nothing may load from elsewhere, and no other site may frame the buttons.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    // The token is per request ([A-Za-z0-9_-], unchanged by HTML escaping), the rest per view and viewer.
    body: Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [token, part]))),
  };
}
