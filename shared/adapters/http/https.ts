import http from 'http';
import https from 'https';
import net from 'net';
import tls from 'tls';
import type { z } from 'zod';

/** Options for {@link createHttpsFetch}. */
export interface HttpsFetchOptions {
  /** Extra CA certificate(s) to trust (PEM), e.g. the simulated estate's CA. Omit to use Node's default trust. */
  caPem?: string;
  /**
   * Connect every request to this origin instead of the URL's host, keeping the URL's host in the
   * Host header (TLS is verified against the origin's own address): how local runs reach simulated
   * machines whose names resolve nowhere, such as each Consul node's agent.
   */
  connectTo?: string;
}

/** How long a kept-alive socket may sit idle before the client closes it: undici's default keepAliveTimeout. */
export const IDLE_SOCKET_MS = 4_000;

/**
 * A WHATWG `fetch` built on Node's `https` module, trusting an explicit CA. The SDKs that take a
 * `fetch` (cloudflare, @slack/web-api) need it because Node's global fetch accepts a CA only
 * through an undici dispatcher, and undici is not a dependency of this project.
 */
export function createHttpsFetch(options: HttpsFetchOptions = {}): typeof fetch {
  // An idle socket is closed after IDLE_SOCKET_MS, and sooner when the server's Keep-Alive hint says
  // so (Node honours the hint only when the agent has a timeout): reusing a socket the server is
  // closing loses the request as "socket hang up".
  const agent = new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, ...(options.caPem ? { ca: options.caPem } : {}) });
  const connectTo = options.connectTo ? new URL(options.connectTo) : undefined;
  if (connectTo && connectTo.protocol !== 'https:' && connectTo.protocol !== 'http:') throw new TypeError(`connectTo must be http(s), not ${connectTo.protocol}`);
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers ?? request?.headers);
    const signal = init?.signal ?? request?.signal ?? undefined;
    let payload: Buffer | undefined;
    const body = init?.body ?? (request && request.body ? await request.arrayBuffer() : undefined);
    if (body !== undefined && body !== null) {
      // Response serialises every BodyInit (string, URLSearchParams, FormData, Blob, buffers, streams) and its content type.
      const serialised = new Response(body as ConstructorParameters<typeof Response>[0]);
      payload = Buffer.from(await serialised.arrayBuffer());
      const type = serialised.headers.get('content-type');
      if (type && !headers.has('content-type')) headers.set('content-type', type);
    }
    if (payload) headers.set('content-length', String(payload.length));
    signal?.throwIfAborted();
    return new Promise<Response>((resolve, reject) => {
      const outgoing: Record<string, string> = {};
      headers.forEach((value, key) => {
        outgoing[key] = value;
      });
      const target = connectTo ?? url;
      const secure = target.protocol === 'https:';
      const connectHost = target.hostname.replace(/^\[|\]$/g, '');
      const route: https.RequestOptions = connectTo
        ? {
            host: connectHost,
            port: connectTo.port || (secure ? 443 : 80),
            path: `${url.pathname}${url.search}`,
            ...(secure
              ? {
                  // The listener's certificate names its own address, not the host in the Host header.
                  servername: net.isIP(connectHost) ? '' : connectHost,
                  checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(connectHost, cert),
                }
              : {}),
          }
        : {};
      if (connectTo) outgoing.host = url.host;
      const transport = secure ? https : http;
      const requestOptions: https.RequestOptions = { method, headers: outgoing, ...route, ...(secure ? { agent } : {}) };
      const onResponse = (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 500;
          const responseHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) v.forEach((x) => responseHeaders.append(k, x));
            else if (v !== undefined) responseHeaders.set(k, v);
          }
          const noBody = status === 204 || status === 304 || method === 'HEAD';
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        });
      };
      const req = connectTo ? transport.request(requestOptions, onResponse) : transport.request(url, requestOptions, onResponse);
      const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError'));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', reject);
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      req.end(payload);
    });
  };
  return fetchImpl as typeof fetch;
}

/** A non-2xx answer from a vendor API, with its parsed body; `transient` says whether a retry may help. */
export class HttpStatusError extends Error {
  constructor(
    readonly vendor: string,
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }

  /** 429 and 5xx: the vendor's outage or throttling, not our bug. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** Options for {@link JsonHttpsClient}. */
export interface JsonHttpsClientOptions {
  /** Vendor name used in errors, e.g. 'pingdom'. */
  vendor: string;
  /** Base URL without a trailing slash, e.g. 'https://api.pingdom.com/api/3.1'. */
  baseUrl: string;
  /** Headers sent with every request (authentication). */
  headers: Record<string, string>;
  /** Extra CA (PEM) to trust. */
  caPem?: string;
  /** See {@link HttpsFetchOptions.connectTo}. */
  connectTo?: string;
  /** Retries for transient answers (429, 503; and 500/502/504 or network errors on idempotent methods). Default 3. */
  maxRetries?: number;
  /** First retry delay; doubles each time, and Retry-After wins when sent. Default 500. */
  retryDelayInMs?: number;
  /** Per-request timeout. Default 30000. */
  timeoutInMs?: number;
  /** Builds the error message from a failed response's body. */
  describeError?: (status: number, body: unknown) => string;
}

/** One request for {@link JsonHttpsClient.request}. */
export interface JsonRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body, url-encoded form fields, or raw text. */
  json?: unknown;
  form?: Record<string, string | number | boolean | undefined>;
  text?: string;
  /** Validates the response body; its output is what `request` returns. */
  schema: z.ZodType<T>;
  /** Statuses that resolve to `undefined` instead of throwing (e.g. 404 for "absent"). */
  absentOn?: number[];
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
/** The longest wait between tries inside one call (a longer Retry-After goes back to the durable retry). */
const MAX_IN_CALL_WAIT_MS = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A small JSON-over-HTTPS client for vendors without an SDK we use (Pingdom, Mailgun, Consul):
 * explicit CA, bounded retries for transient answers, and zod-validated responses.
 */
export class JsonHttpsClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: JsonHttpsClientOptions) {
    this.fetchImpl = createHttpsFetch({ ...(options.caPem ? { caPem: options.caPem } : {}), ...(options.connectTo ? { connectTo: options.connectTo } : {}) });
  }

  /** Sends the request, retrying transient failures, and returns the validated body (or undefined for `absentOn`). */
  async request<T>(req: JsonRequest<T> & { absentOn: number[] }): Promise<T | undefined>;
  async request<T>(req: JsonRequest<T>): Promise<T>;
  async request<T>(req: JsonRequest<T>): Promise<T | undefined> {
    const url = new URL(this.options.baseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json', ...this.options.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(req.form)) if (v !== undefined) form.set(k, String(v));
      body = form.toString();
    } else if (req.text !== undefined) {
      headers['Content-Type'] = 'text/plain; charset=utf-8';
      body = req.text;
    }
    const maxRetries = this.options.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, { method: req.method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(this.options.timeoutInMs ?? 30000) });
      } catch (e) {
        if (attempt < maxRetries && IDEMPOTENT.has(req.method)) {
          await sleep(this.delay(attempt));
          continue;
        }
        throw e;
      }
      const textBody = await response.text();
      let parsed: unknown = textBody;
      try {
        parsed = textBody.length ? JSON.parse(textBody) : undefined;
      } catch {
        parsed = textBody;
      }
      if (response.ok) return req.schema.parse(parsed);
      if (req.absentOn?.includes(response.status)) return undefined;
      const retryable = response.status === 429 || response.status === 503 || (IDEMPOTENT.has(req.method) && response.status >= 500);
      const after = Number(response.headers.get('retry-after'));
      const wait = Number.isFinite(after) && response.headers.has('retry-after') ? after * 1000 : this.delay(attempt);
      // A long Retry-After is not waited out inside an activity: the error below is transient
      // (429/503), so the durable retry policy tries again later without holding a worker.
      if (retryable && attempt < maxRetries && wait <= MAX_IN_CALL_WAIT_MS) {
        await sleep(wait);
        continue;
      }
      const message = this.options.describeError?.(response.status, parsed) ?? `${this.options.vendor} ${req.method} ${req.path} failed with ${response.status}`;
      throw new HttpStatusError(this.options.vendor, response.status, parsed, message);
    }
  }

  private delay(attempt: number): number {
    return (this.options.retryDelayInMs ?? 500) * 2 ** attempt;
  }
}
