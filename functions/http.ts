import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { lazyDurableControl } from '../shared/api/durableControl';
import { checkBrowserRequest } from '../shared/api/csrf';
import { checkEdge } from '../shared/api/edge';
import { statusPage } from '../shared/api/pageRoute';
import { preflightRoute } from '../shared/api/preflightRoute';
import { listRevisions, publishWindow } from '../shared/api/publish';
import { getReport } from '../shared/api/reportRoute';
import { slackInteraction } from '../shared/api/slack';
import { abortWindow, answerCanary, decideApproval, emergencyPage, listWindows, startWindow, tickManualStep, windowStatus, type ApiDeps, type ApiRequest, type ApiResponse } from '../shared/api/windows';
import { services } from '../shared/composition';
import { appPreflight } from '../shared/preflight/app';
import { StatusCache, serializedOnce, wantsFresh } from '../shared/api/statusCache';
import { assertSafeIdentityMode } from '../shared/config';

// On Azure, a header-named caller would let anyone with a function key approve as anyone: refuse to load.
assertSafeIdentityMode();

async function toApiRequest(request: HttpRequest): Promise<ApiRequest> {
  const text = await request.text();
  let body: unknown;
  let invalidJson = false;
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      invalidJson = true;
    }
  }
  return { params: request.params, headers: request.headers, body, invalidJson, rawBody: text };
}

/** One per process: however many poll a window, its status is read at a fixed cost. */
const statusCache = new StatusCache();

function deps(context: InvocationContext): ApiDeps {
  const s = services();
  return { store: s.store, windows: s.windows, publisher: s.published, clock: s.clock, identity: s.config.identity, engineers: s.config.platformEngineers, durable: lazyDurableControl(() => df.getClient(context)), log: (message) => context.warn(message), statusCache };
}

type Handler = (deps: ApiDeps, req: ApiRequest) => Promise<ApiResponse>;

/**
 * Registers one API route: function key required (unless the request signs itself), a browser's
 * POST only from the status page itself (csrf.ts), errors other than the user's become a logged 500.
 */
function route(name: string, methods: ('GET' | 'POST')[], path: string, handler: Handler, caller: 'function-key' | 'slack-signed' = 'function-key'): void {
  app.http(name, {
    methods,
    route: path,
    authLevel: caller === 'slack-signed' ? 'anonymous' : 'function',
    extraInputs: [df.input.durableClient()],
    handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      try {
        const api = await toApiRequest(request);
        // A browser may change a window only from the status page (checked first: a forged form is a CSRF attempt, not a content-type mistake).
        const forged = request.method === 'POST' && caller === 'function-key' ? checkBrowserRequest(api) : undefined;
        if (forged) return forged;
        const refused = checkEdge({ params: request.params, method: request.method, contentType: request.headers.get('content-type'), bodyBytes: Buffer.byteLength(api.rawBody ?? ''), accepts: caller === 'slack-signed' ? 'form' : 'json' });
        if (refused) return refused;
        return await handler(deps(context), api);
      } catch (error) {
        context.error(`${name} failed: ${(error as Error).message}`);
        return { status: 500, jsonBody: { error: { code: 'InternalError', message: 'the request could not be completed; see the function logs', invocationId: context.invocationId } } };
      }
    },
  });
}

route('listWindows', ['GET'], 'windows', (d) => listWindows(d));
route('getWindow', ['GET'], 'windows/{windowId}', async (d, r) => serializedOnce(await windowStatus(d, r.params.windowId ?? '', { fresh: wantsFresh(r.headers) })));
route('windowPage', ['GET'], 'windows/{windowId}/page', statusPage);
route('windowReport', ['GET'], 'windows/{windowId}/runs/{runId}/report.{format}', getReport);
route('publishWindow', ['POST'], 'windows/{windowId}/revisions', publishWindow);
route('listRevisions', ['GET'], 'windows/{windowId}/revisions', listRevisions);
route('startWindow', ['POST'], 'windows/{windowId}/start', startWindow);
route('preflightWindow', ['POST'], 'windows/{windowId}/preflight', (d, r) => preflightRoute({ ...d, preflight: appPreflight(services()) }, r));
route('abortWindow', ['POST'], 'windows/{windowId}/abort', abortWindow);
route('decideApproval', ['POST'], 'windows/{windowId}/approvals/{gateId}', decideApproval);
route('tickManualStep', ['POST'], 'windows/{windowId}/steps/{stepId}/complete', tickManualStep);
route('answerCanary', ['POST'], 'windows/{windowId}/canary/{stepId}/answers', answerCanary);
route('emergencyPage', ['POST'], 'windows/{windowId}/maintenance-page/{pageId}', emergencyPage);
// Slack cannot send a function key: the handler trusts only requests signed with the app's signing secret.
route('slackInteractions', ['POST'], 'slack/interactions', (d, r) => slackInteraction(d, services().slack, r), 'slack-signed');
