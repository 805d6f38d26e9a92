/**
 * The Durable Functions HTTP management API under `/runtime/webhooks/durabletask/`
 * (the extension's HttpApiHandler), which is also what `df.getClient(context)` calls
 * through `rpcBaseUrl`. Status codes follow the extension (reference, section 4).
 */
import type { RuntimeStatus } from './history';
import { TaskHubError, type TaskHub } from './taskHub';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask';

/** A minimal request/response pair the host's HTTP server hands over. */
export interface ApiRequest {
  method: string;
  /** Path below the webhook prefix, without a leading slash (e.g. `instances/abc`). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Origin the caller used (`http://127.0.0.1:7071`), for the URLs in responses. */
  origin: string;
  /** The request URL as the caller sent it (the extension's running-status Location). */
  url?: string;
}

/** What the API answers. */
export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The check-status payload (`createCheckStatusResponse`, start responses). */
export function managementUrls(origin: string, hub: string, instanceId: string): Record<string, string> {
  const base = `${origin}${WEBHOOK_PREFIX}/instances/${encodeURIComponent(instanceId)}`;
  const qs = `taskHub=${encodeURIComponent(hub)}&connection=Storage`;
  return {
    id: instanceId,
    purgeHistoryDeleteUri: `${base}?${qs}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${qs}`,
    statusQueryGetUri: `${base}?${qs}`,
    terminatePostUri: `${base}/terminate?reason={text}&${qs}`,
    suspendPostUri: `${base}/suspend?reason={text}&${qs}`,
    resumePostUri: `${base}/resume?reason={text}&${qs}`,
    restartPostUri: `${base}/restart?${qs}`,
    rewindPostUri: `${base}/rewind?reason={text}&${qs}`,
  };
}

/** The `durableClient` input binding data (BindingHelper). */
export function durableClientData(origin: string, hub: string): Record<string, unknown> {
  const base = `${origin}${WEBHOOK_PREFIX}`;
  const qs = `taskHub=${encodeURIComponent(hub)}&connection=Storage`;
  const mgmt = managementUrls(origin, hub, 'INSTANCEID');
  return {
    taskHubName: hub,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${qs}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${qs}`,
    },
    managementUrls: mgmt,
    baseUrl: base,
    requiredQueryStringParameters: qs,
    rpcBaseUrl: `${base}/`,
  };
}

const STATUS_NAMES: RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended', 'Canceled'];

/** TryGetIEnumerableQueryParameterValue: comma-separated statuses; values that are not statuses are skipped. */
function parseStatuses(value: string | null): RuntimeStatus[] | undefined {
  if (!value) return undefined;
  const out: RuntimeStatus[] = [];
  for (const raw of value.split(',')) {
    const match = STATUS_NAMES.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
    if (match) out.push(match);
  }
  return out.length > 0 ? out : undefined;
}

/** `DateTime.TryParse` of a query value (TryGetDateTimeQueryParameterValue): an unparsable value counts as absent. */
function parseTime(value: string | null): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Thrown with the response to send as it is. */
class ApiResponseError extends Error {
  constructor(readonly response: ApiResponse) {
    super(typeof response.body === 'object' ? JSON.stringify(response.body) : String(response.status));
  }
}

/** A JSON body (none: undefined); unparsable JSON is the extension's 400 "Invalid JSON content". */
function parseJsonBody(req: ApiRequest): unknown {
  const text = req.body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiResponseError(exceptionResponse(400, 'Newtonsoft.Json.JsonReaderException', (err as Error).message, 'Invalid JSON content'));
  }
}

/**
 * The extension's error bodies (HttpRequestMessageExtensions): `{Message}`, or with an
 * exception `{Message, ExceptionMessage, ExceptionType, StackTrace}`, where Message is
 * HandleRequestAsync's wording for ArgumentException (400) or any other exception (500).
 */
export function exceptionResponse(status: number, exceptionType: string, exceptionMessage: string, message?: string): ApiResponse {
  const outer = message ?? (status === 400 ? 'One or more of the arguments submitted is incorrect' : 'Something went wrong while processing your request');
  return { status, body: { Message: outer, ExceptionMessage: exceptionMessage, ExceptionType: exceptionType, StackTrace: null } };
}

function errorResponse(err: TaskHubError): ApiResponse {
  // `CreateResponse(status)` without content: 404/410 and friends have empty bodies.
  if (err.message === '') return { status: err.status };
  if (err.exceptionType) return exceptionResponse(err.status, err.exceptionType, err.message);
  return { status: err.status, body: { Message: err.message } };
}

/**
 * `CreateCheckStatusResponse` (HttpApiHandler.CreateCheckStatusResponseMessage): 202, the
 * management URLs without `rewindPostUri`, Location = statusQueryGetUri, Retry-After 10.
 */
export function checkStatusResponse(origin: string, hub: string, instanceId: string): ApiResponse {
  const urls = managementUrls(origin, hub, instanceId);
  const body = {
    id: instanceId,
    statusQueryGetUri: urls.statusQueryGetUri,
    sendEventPostUri: urls.sendEventPostUri,
    terminatePostUri: urls.terminatePostUri,
    purgeHistoryDeleteUri: urls.purgeHistoryDeleteUri,
    restartPostUri: urls.restartPostUri,
    suspendPostUri: urls.suspendPostUri,
    resumePostUri: urls.resumePostUri,
  };
  return { status: 202, headers: { Location: urls.statusQueryGetUri ?? '', 'Retry-After': '10' }, body };
}

/** `bool.TryParse` of a query value: undefined when absent or not a boolean. */
function queryBool(value: string | null): boolean | undefined {
  if (value === null) return undefined;
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** Handle one management API request. */
export async function handleManagementRequest(hub: TaskHub, req: ApiRequest): Promise<ApiResponse> {
  try {
    return await route(hub, req);
  } catch (err) {
    if (err instanceof TaskHubError) return errorResponse(err);
    if (err instanceof ApiResponseError) return err.response;
    throw err;
  }
}

async function route(hub: TaskHub, req: ApiRequest): Promise<ApiResponse> {
  const parts = req.path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [head, a, b, c] = parts;
  const method = req.method.toUpperCase();

  if (head === 'orchestrators' && a && parts.length <= 3) {
    if (method !== 'POST') return { status: 404 };
    const id = await hub.startNew(a, b, parseJsonBody(req), req.query.get('version') ?? '');
    return checkStatusResponse(req.origin, hub.name, id);
  }

  if (head === 'entities' && parts.length <= 3) return entityRoute(hub, req, method, a, b);

  if (head === 'instances' && parts.length <= 3 && b !== 'raiseEvent') {
    if (!a) {
      if (method === 'GET') return listInstances(hub, req);
      if (method === 'DELETE') return purgeByFilter(hub, req);
      return { status: 404 };
    }
    if (!b) {
      if (method === 'GET') return instanceStatus(hub, req, a);
      if (method === 'DELETE') {
        // HandleDeleteHistoryByIdRequestAsync: any status is purged; unknown is an empty 404.
        const n = await hub.purge(a);
        return n === 0 ? { status: 404 } : { status: 200, body: { instancesDeleted: n } };
      }
      return { status: 404 };
    }
    if (method !== 'POST') return { status: 404 };
    const op = b.toLowerCase();
    if (op === 'terminate' || op === 'suspend' || op === 'resume') {
      await hub.control(a, op, req.query.get('reason'));
      return { status: 202 };
    }
    if (op === 'rewind') {
      await hub.rewind(a, req.query.get('reason'));
      return { status: 202 };
    }
    if (op === 'restart') return restart(hub, req, a);
    return { status: 404 };
  }

  if (head === 'instances' && b === 'raiseEvent' && c && parts.length === 4) {
    if (method !== 'POST') return { status: 404 };
    // HandleRaiseEventRequestAsync: the instance is checked before the body.
    hub.assertCanRaise(a ?? '');
    const mediaType = String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') return { status: 400, body: { Message: 'Only application/json request content is supported' } };
    await hub.raiseEvent(a ?? '', c, parseJsonBody(req) ?? null);
    return { status: 202 };
  }

  return { status: 404 };
}

/** HandleGetStatusRequestAsync (one instance): 202 + Location (the request's own URL) + Retry-After 5 while running. */
function instanceStatus(hub: TaskHub, req: ApiRequest, id: string): ApiResponse {
  const flag = (name: string, dflt: boolean): boolean => queryBool(req.query.get(name)) ?? dflt;
  const status = hub.getStatus(id, { showHistory: flag('showHistory', false), showHistoryOutput: flag('showHistoryOutput', false), showInput: flag('showInput', true) });
  if (!status) return { status: 404 };
  const running = status.runtimeStatus === 'Running' || status.runtimeStatus === 'Pending' || status.runtimeStatus === 'ContinuedAsNew' || status.runtimeStatus === 'Suspended';
  if (running) return { status: 202, headers: { Location: req.url ?? `${req.origin}${WEBHOOK_PREFIX}/${req.path}`, 'Retry-After': '5' }, body: status };
  if (status.runtimeStatus === 'Failed' && flag('returnInternalServerErrorOnFailure', false)) return { status: 500, body: status };
  return { status: 200, body: status };
}

/** HandleGetStatusRequestAsync (all): filters, 100 a page (OrchestrationStatusQueryCondition.PageSize). */
function listInstances(hub: TaskHub, req: ApiRequest): ApiResponse {
  const all = hub.listInstances({
    createdFrom: parseTime(req.query.get('createdTimeFrom')),
    createdTo: parseTime(req.query.get('createdTimeTo')),
    statuses: parseStatuses(req.query.get('runtimeStatus')),
    instanceIdPrefix: req.query.get('instanceIdPrefix') ?? undefined,
  });
  const showInput = queryBool(req.query.get('showInput')) ?? true;
  return page(showInput ? all : all.map((s) => ({ ...s, input: null })), req, 100);
}

/**
 * HandleDeleteHistoryWithFiltersRequestAsync: `createdTimeFrom` is required (400 with a JSON
 * string body), `createdTimeTo` defaults to now, nothing deleted is an empty 404.
 */
async function purgeByFilter(hub: TaskHub, req: ApiRequest): Promise<ApiResponse> {
  const createdFrom = parseTime(req.query.get('createdTimeFrom'));
  if (createdFrom === undefined) return { status: 400, body: "Please provide value for 'createdTimeFrom' parameter." };
  const createdTo = parseTime(req.query.get('createdTimeTo'));
  const statuses = parseStatuses(req.query.get('runtimeStatus'));
  const n = await hub.purgeMany({ createdFrom, ...(createdTo !== undefined ? { createdTo } : {}), ...(statuses ? { statuses } : {}) });
  return n === 0 ? { status: 404 } : { status: 200, body: { instancesDeleted: n } };
}

/** HandleRestartInstanceRequestAsync -> DurableClient.RestartAsync(instanceId, restartWithNewInstanceId = true). */
async function restart(hub: TaskHub, req: ApiRequest, id: string): Promise<ApiResponse> {
  const status = hub.getStatus(id, { showInput: true });
  if (!status) {
    // The extension's message, spelling included.
    return exceptionResponse(400, 'System.ArgumentException', `An orchestrastion with the instanceId ${id} was not found.`, 'InstanceId does not match a valid orchestration instance.');
  }
  const sameId = queryBool(req.query.get('restartWithNewInstanceId')) === false;
  const newId = await hub.startNew(status.name, sameId ? id : undefined, status.input === null ? undefined : status.input);
  return checkStatusResponse(req.origin, hub.name, newId);
}

/** `entities/{entityName?}/{entityKey?}` (HttpApiHandler: EntityRoute and its handlers). */
async function entityRoute(hub: TaskHub, req: ApiRequest, method: string, name: string | undefined, key: string | undefined): Promise<ApiResponse> {
  if (method === 'GET') {
    if (!key) return listEntities(hub, req, name);
    // HandleGetEntityRequestAsync: `$` stands for the empty key.
    const { exists, state } = hub.readEntityState(name ?? '', key === '$' ? '' : key);
    return exists ? { status: 200, body: state } : { status: 404 };
  }
  if (method !== 'POST' && method !== 'DELETE') return { status: 404 };
  // HandlePostEntityOperationRequestAsync: DELETE signals `delete`; POST signals `op`.
  if (!name) return { status: 400, body: { Message: "Invalid entity id: entity name must not be a null or empty string. (Parameter 'entityName')" } };
  const op = method === 'DELETE' ? 'delete' : (req.query.get('op') ?? '');
  let input: unknown;
  if (req.body.length > 0) {
    const text = req.body.toString('utf8');
    const mediaType = String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType === 'application/json') {
      try {
        input = JSON.parse(text);
      } catch (err) {
        return { status: 400, body: { Message: `Could not parse JSON content: ${(err as Error).message}` } };
      }
    } else {
      // Any other media type is passed on as a string.
      input = text;
    }
  }
  await hub.signalEntity(name, key ?? '', op, input);
  return { status: 202 };
}

/** HandleListEntitiesRequestAsync: existing entities, 100 a page (EntityQuery.PageSize), state only with fetchState=true. */
function listEntities(hub: TaskHub, req: ApiRequest, name: string | undefined): ApiResponse {
  const all = hub.listEntities({
    ...(name ? { name } : {}),
    lastOperationFrom: parseTime(req.query.get('lastOperationTimeFrom')),
    lastOperationTo: parseTime(req.query.get('lastOperationTimeTo')),
  });
  const fetchState = queryBool(req.query.get('fetchState')) === true;
  const items = all.map((e) => ({ entityId: { name: e.name, key: e.key }, lastOperationTime: new Date(e.lastOperationTime).toISOString(), state: fetchState ? e.state : null }));
  return page(items, req, 100);
}

/** One page of a listing; `x-ms-continuation-token` is always sent, empty on the last page (as the extension adds a null token). */
function page<T>(items: T[], req: ApiRequest, defaultSize: number): ApiResponse {
  const topText = req.query.get('top');
  const top = topText !== null && /^\d+$/.test(topText.trim()) && Number(topText) > 0 ? Number(topText) : defaultSize;
  const token = req.headers['x-ms-continuation-token'];
  const offset = typeof token === 'string' && /^\d+$/.test(token) ? Number(token) : 0;
  const next = offset + top < items.length ? String(offset + top) : '';
  return { status: 200, headers: { 'x-ms-continuation-token': next }, body: items.slice(offset, offset + top) };
}
