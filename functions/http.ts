import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { durableControl } from '../shared/api/durableControl';
import { checkBrowserRequest } from '../shared/api/csrf';
import { statusPage } from '../shared/api/pageRoute';
import { getReport } from '../shared/api/reportRoute';
import { slackInteraction } from '../shared/api/slack';
import { abortWindow, answerCanary, decideApproval, emergencyPage, listWindows, startWindow, tickManualStep, windowStatus, type ApiDeps, type ApiRequest, type ApiResponse } from '../shared/api/windows';
import { services } from '../shared/composition';

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

function deps(client: DurableClient): ApiDeps {
  const s = services();
  return { store: s.store, windows: s.windows, clock: s.clock, identity: s.config.identity, durable: durableControl(client) };
}

type Handler = (deps: ApiDeps, req: ApiRequest) => Promise<ApiResponse>;

/**
 * Registers one API route: function key required (unless the request signs itself), a browser's
 * POST only from the status page itself (csrf.ts), errors other than the user's become a logged 500.
 */
function route(name: string, methods: ('GET' | 'POST')[], path: string, handler: Handler, authLevel: 'function' | 'anonymous' = 'function'): void {
  app.http(name, {
    methods,
    route: path,
    authLevel,
    extraInputs: [df.input.durableClient()],
    handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      try {
        const req = await toApiRequest(request);
        if (methods.includes('POST') && authLevel === 'function') {
          const refused = checkBrowserRequest(req);
          if (refused) return refused;
        }
        return await handler(deps(df.getClient(context)), req);
      } catch (error) {
        context.error(`${name} failed: ${(error as Error).message}`);
        return { status: 500, jsonBody: { error: { code: 'InternalError', message: 'the request could not be completed; see the function logs', invocationId: context.invocationId } } };
      }
    },
  });
}

route('listWindows', ['GET'], 'windows', (d) => listWindows(d));
route('getWindow', ['GET'], 'windows/{windowId}', (d, r) => windowStatus(d, r.params.windowId ?? ''));
route('windowPage', ['GET'], 'windows/{windowId}/page', statusPage);
route('windowReport', ['GET'], 'windows/{windowId}/runs/{runId}/report.{format}', getReport);
route('startWindow', ['POST'], 'windows/{windowId}/start', startWindow);
route('abortWindow', ['POST'], 'windows/{windowId}/abort', abortWindow);
route('decideApproval', ['POST'], 'windows/{windowId}/approvals/{gateId}', decideApproval);
route('tickManualStep', ['POST'], 'windows/{windowId}/steps/{stepId}/complete', tickManualStep);
route('answerCanary', ['POST'], 'windows/{windowId}/canary/{stepId}/answers', answerCanary);
route('emergencyPage', ['POST'], 'windows/{windowId}/maintenance-page/{pageId}', emergencyPage);
// Slack cannot send a function key: the handler trusts only requests signed with the app's signing secret.
route('slackInteractions', ['POST'], 'slack/interactions', (d, r) => slackInteraction(d, services().slack, r), 'anonymous');
