import type { StepState } from '../orchestrations/contracts';
import type { ReportFormat, WindowStore } from '../store/windowStore';
import type { WindowSource } from '../window/source';
import { runIdOf } from './details';
import { renderReportHtml, renderReportMarkdown } from './report';
import { windowStatus, type ApiDeps, type ApiRequest, type ApiResponse, type WindowStatusView } from './windows';

/** Where a run's report is served: relative to the app, or absolute when the public address is known. */
export function reportPath(windowId: string, runId: string, format: ReportFormat, publicUrl?: string): string {
  const path = `/api/windows/${encodeURIComponent(windowId)}/runs/${runId}/report.${format}`;
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${path}` : path;
}

/**
 * The final status of a run, from the record alone (an activity has no durable client): the
 * window's end state and the states of steps that never ran come from the orchestrator.
 */
async function finalView(store: WindowStore, windows: WindowSource, windowId: string, final: { state: string; steps: Record<string, StepState> }): Promise<WindowStatusView | undefined> {
  const run = await store.getRun(windowId);
  const now = run?.finishedAt ? Date.parse(run.finishedAt) : 0;
  const deps: ApiDeps = {
    store,
    windows,
    clock: { now: async () => now },
    // The report reads the record only; nobody is calling.
    identity: { mode: 'local-header', header: 'x-none' },
    engineers: { ids: [], appRole: '' },
    durable: {
      getStatus: async () => ({ runtimeStatus: 'Completed', customStatus: { state: final.state, steps: final.steps } }),
      startNew: async () => {
        throw new Error('read-only');
      },
      raiseEvent: async () => 'missing',
    },
  };
  const status = await windowStatus(deps, windowId);
  return status.status === 200 ? (status.jsonBody as WindowStatusView) : undefined;
}

/** Renders and stores both formats of a finished run's report; returns where they are served. */
export async function writeReport(
  store: WindowStore,
  windows: WindowSource,
  input: { windowId: string; state: string; steps: Record<string, StepState> },
  publicUrl?: string,
): Promise<{ runId: string; html: string; md: string } | undefined> {
  const view = await finalView(store, windows, input.windowId, input);
  const run = await store.getRun(input.windowId);
  if (!view || !run) return undefined;
  const runId = runIdOf(run);
  await store.saveReport(input.windowId, runId, 'md', renderReportMarkdown(view));
  await store.saveReport(input.windowId, runId, 'html', renderReportHtml(view));
  return { runId, html: reportPath(input.windowId, runId, 'html', publicUrl), md: reportPath(input.windowId, runId, 'md', publicUrl) };
}

/**
 * `GET /api/windows/{id}/runs/{run}/report.{md|html}`: the stored report of a run (`latest` for
 * the last one). While a run is still going, its report is rendered from the live status and
 * says so in its outcome line; it is stored once the window ends.
 */
export async function getReport(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const windowId = req.params.windowId ?? '';
  const format = req.params.format;
  if (format !== 'md' && format !== 'html') return { status: 404, jsonBody: { error: { code: 'NotFound', message: `format: "${format ?? ''}" is not one of md, html`, field: 'format' } } };
  const run = await deps.store.getRun(windowId);
  if (!run && !(await deps.windows.read(windowId))) return { status: 404, jsonBody: { error: { code: 'WindowNotFound', message: `no window "${windowId}"` } } };
  const wanted = req.params.runId === 'latest' && run ? runIdOf(run) : (req.params.runId ?? '');
  if (!/^\d{14}$/.test(wanted)) return { status: 404, jsonBody: { error: { code: 'RunNotFound', message: `run: "${req.params.runId ?? ''}" is not a run id (14 digits) or "latest"`, field: 'run' } } };
  const type = format === 'md' ? 'text/markdown; charset=utf-8' : 'text/html; charset=utf-8';
  const headers = { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" };
  const stored = await deps.store.getReport(windowId, wanted, format);
  if (stored !== undefined) return { status: 200, headers, body: stored };
  if (!run || runIdOf(run) !== wanted) return { status: 404, jsonBody: { error: { code: 'ReportNotFound', message: `window "${windowId}" has no report for run ${wanted}` } } };
  const status = await windowStatus(deps, windowId);
  if (status.status !== 200) return status;
  const view = status.jsonBody as WindowStatusView;
  return { status: 200, headers, body: format === 'md' ? renderReportMarkdown(view) : renderReportHtml(view) };
}
