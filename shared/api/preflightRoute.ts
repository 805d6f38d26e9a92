import type { PreflightReport } from '../preflight';
import { renderPreflightText } from '../preflight';
import { LATEST_PREFLIGHT_MARK, latestOf } from '../preflight/latest';
import { loadWindowText } from '../window/load';
import type { WindowDef } from '../window/schema';
import { error, requireAllowed, type ApiDeps, type ApiRequest, type ApiResponse } from './windows';

/** Runs a pre-flight of a window with the app's own ports (composition builds it). */
export type RunPreflight = (window: WindowDef) => Promise<PreflightReport>;

/**
 * `POST /api/windows/{id}/preflight` (platform engineers): the window's current revision checked
 * against the estate with read-only calls. 200 with the report (`text` is what `mw preflight`
 * prints), also when it found errors: the request worked, the estate did not pass. Kept as the
 * window's latest pre-flight for its status page.
 */
export async function preflightRoute(deps: ApiDeps & { preflight?: RunPreflight }, req: ApiRequest): Promise<ApiResponse> {
  const windowId = req.params.windowId ?? '';
  const who = requireAllowed(deps, req, { kind: 'preflight' });
  if (!who.ok) return who.response;
  if (!deps.preflight) return error(404, 'PreflightNotConfigured', 'this app cannot run a pre-flight');
  const file = windowId ? await deps.windows.read(windowId) : undefined;
  if (!file) return error(404, 'WindowNotFound', `no window "${windowId}"`);
  const loaded = loadWindowText(file.text, file.file);
  if (!loaded.window) return error(409, 'InvalidWindow', `the window has ${loaded.problems.length} problem(s); run mw validate`, { problems: loaded.problems.slice(0, 100) });
  const report = await deps.preflight(loaded.window);
  // The status page shows the latest one.
  await deps.store.setMark(windowId, LATEST_PREFLIGHT_MARK, latestOf(report, who.caller.id));
  return { status: 200, jsonBody: { ...report, revision: file.revision, by: who.caller.id, text: renderPreflightText(report) } };
}
