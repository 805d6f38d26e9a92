import http from 'http';
import https from 'https';
import net from 'net';
import tls from 'tls';
import { TransientVendorError } from '../../ports/operations';
import type { ProbeClient, ProbeRequest, ProbeResult } from '../../ports/probes';
import { networkErrorCode } from './errors';

const VENDOR = 'probe';

/**
 * Sends every probe to one listener instead of the URL's host, keeping the URL's host in the
 * Host header: how local runs reach simulated web servers whose names (ic-web5.icprod.local)
 * resolve nowhere. TLS is verified against the listener's own address.
 */
export interface ProbeConnectOverride {
  /** Where to connect, e.g. `https://127.0.0.1:7450`; its scheme wins over the probe URL's. */
  baseUrl: string;
  /** The path (and query) to send for a probe URL; default: the URL's own. */
  path?: (url: URL) => string;
}

/** Options for {@link HttpProbeClient}. */
export interface HttpProbeClientOptions {
  /** Extra CA (PEM) to trust for https probes, e.g. the simulated estate's or an internal CA. */
  caPem?: string;
  connectOverride?: ProbeConnectOverride;
  /** Most of a body read to look for `expectBody`. Default 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * The override for the simulated estate's probes listener: every probe goes there with its own
 * path and query, and the URL's host stays in the Host header, by which the listener picks the
 * server (`https://ic-web5.icprod.local/healthcheck.aspx` reaches IC-Web5's `/healthcheck.aspx`)
 * or another simulated site, as a real request to that host would.
 */
export function simulatedWebServersOverride(probesBaseUrl: string): ProbeConnectOverride {
  return { baseUrl: probesBaseUrl };
}

/** Why a connected request failed, in words for the report (never a credential: probes send none). */
function describeFailure(e: unknown, timeoutInMs: number): string {
  const name = (e as { name?: unknown } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no response within ${timeoutInMs} ms`;
  const code = (e as { code?: unknown } | undefined)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * {@link ProbeClient} on node:http(s): one request per probe on a fresh connection, no
 * redirects followed (a 302 is a status like any other), timeouts through AbortSignal. A check
 * that fails — wrong status, missing text, TLS refused, reset, slow — is `{ ok: false, reason }`;
 * only "could not connect at all" (refused, unresolvable, unreachable, no TCP connection within
 * the timeout) throws {@link TransientVendorError}, because a durable retry may then succeed.
 */
export class HttpProbeClient implements ProbeClient {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent = new http.Agent({ keepAlive: false });
  private readonly override?: { url: URL; path?: (url: URL) => string };

  constructor(private readonly options: HttpProbeClientOptions = {}) {
    this.httpsAgent = new https.Agent({ keepAlive: false, ...(options.caPem ? { ca: options.caPem } : {}) });
    if (options.connectOverride) {
      const url = new URL(options.connectOverride.baseUrl);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`connectOverride.baseUrl must be http(s), not ${url.protocol}`);
      this.override = { url, ...(options.connectOverride.path ? { path: options.connectOverride.path } : {}) };
    }
  }

  async probe(request: ProbeRequest): Promise<ProbeResult> {
    let target: URL;
    try {
      target = new URL(request.url);
    } catch {
      throw new TypeError(`url is not a valid URL: '${request.url}'`);
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new TypeError(`url must be http(s), not ${target.protocol}`);
    if (!(request.timeoutInMs > 0)) throw new RangeError(`timeoutInMs must be positive, not ${request.timeoutInMs}`);
    if (request.expectStatus.length === 0) throw new RangeError('expectStatus must list at least one status');

    const connectTo = this.override?.url ?? target;
    const secure = connectTo.protocol === 'https:';
    const connectHost = connectTo.hostname.replace(/^\[|\]$/g, '');
    const path = this.override?.path ? this.override.path(target) : `${target.pathname}${target.search}`;
    const signal = AbortSignal.timeout(request.timeoutInMs);
    const maxBody = this.options.maxBodyBytes ?? 1024 * 1024;

    const options: https.RequestOptions = {
      method: request.method,
      host: connectHost,
      port: connectTo.port || (secure ? 443 : 80),
      path,
      headers: { Host: target.host, 'User-Agent': 'mw-probe/1', Accept: '*/*', ...(request.method === 'POST' ? { 'Content-Length': '0' } : {}) },
      signal,
      agent: secure ? this.httpsAgent : this.httpAgent,
      ...(secure && this.override
        ? {
            // The listener's certificate names its own address, not the simulated host in the Host header.
            servername: net.isIP(connectHost) ? '' : connectHost,
            checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(connectHost, cert),
          }
        : {}),
    };

    return new Promise<ProbeResult>((resolve, reject) => {
      let connected = false;
      let settled = false;
      const finish = (result: ProbeResult) => {
        if (!settled) {
          settled = true;
          resolve(result);
        }
      };
      const fail = (e: unknown) => {
        if (settled) return;
        if (!connected && (networkErrorCode(e) || signal.aborted)) {
          settled = true;
          const why = signal.aborted ? `no connection within ${request.timeoutInMs} ms` : (networkErrorCode(e) ?? 'failed');
          reject(new TransientVendorError(VENDOR, `could not connect to ${connectTo.host} for ${target.host}: ${why}`));
          return;
        }
        finish({ ok: false, reason: describeFailure(e, request.timeoutInMs) });
      };
      const req = (secure ? https : http).request(options, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < maxBody) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('error', fail);
        res.on('end', () => {
          if (!request.expectStatus.includes(status)) {
            finish({ ok: false, status, reason: `status ${status}, expected ${request.expectStatus.join(' or ')}` });
            return;
          }
          const text = Buffer.concat(chunks).subarray(0, maxBody).toString('utf8');
          if (request.expectBody !== undefined && !text.includes(request.expectBody)) {
            finish({ ok: false, status, reason: `body does not contain '${request.expectBody}'` });
            return;
          }
          if (request.rejectBody !== undefined && text.includes(request.rejectBody)) {
            finish({ ok: false, status, reason: `body still contains '${request.rejectBody}'` });
            return;
          }
          if (request.expectHeader !== undefined && res.headers[request.expectHeader.toLowerCase()] === undefined) {
            finish({ ok: false, status, reason: `no ${request.expectHeader} header` });
            return;
          }
          finish({ ok: true, status });
        });
      });
      req.on('socket', (socket) => {
        // A reused socket is already connected; a fresh one reports its TCP connect.
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('error', fail);
      // Whatever stage the request is in when time runs out, the probe settles.
      signal.addEventListener('abort', () => fail(signal.reason), { once: true });
      req.end();
    });
  }
}
