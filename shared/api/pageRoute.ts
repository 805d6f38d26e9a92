import { LATEST_PREFLIGHT_MARK, parseLatest } from '../preflight/latest';
import { csrfFor } from './csrf';
import { callerOf, personOf } from './identity';
import { renderStatusPage } from './page';
import { windowStatus, type ApiDeps, type ApiRequest, type ApiResponse, type WindowStatusView } from './windows';

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
  let person: string | undefined;
  if (caller && view.revision) {
    const runbook = await deps.store.getRunbook(windowId, view.revision);
    person = runbook ? personOf(runbook, caller) : undefined;
  }
  const preflight = parseLatest(await deps.store.getMark(windowId, LATEST_PREFLIGHT_MARK));
  const csrf = csrfFor(req);
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
    body: renderStatusPage(view, { ...(caller ? { viewer: { id: caller.id, ...(person ? { person } : {}) } } : {}), csrfToken: csrf.token, ...(preflight ? { preflight } : {}) }),
  };
}
