import type { RouteHandler, Router, SandboxRequest, SandboxResponse } from '../core/types';
import { ArmErrors } from './errors';
import type { AzureModel } from './model';
import { bearerOf } from './tokens';

/** api-version strings ARM accepts: date, optionally '-preview'. */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

/** Audiences the ARM listener accepts (modular clients ask management.azure.com; classic ones their endpoint). */
export function armAudiences(model: AzureModel): string[] {
  return ['https://management.azure.com', 'https://management.core.windows.net', model.baseUrl('arm').replace(/\/$/, '')];
}

/** Request context for ARM handlers after the common checks. */
export interface ArmRequest extends SandboxRequest {
  apiVersion: string;
}

/**
 * Registers an ARM route behind ARM's common checks: bearer token from the local token endpoint
 * for an ARM audience, an api-version, the estate's subscription. Any well-formed api-version is
 * accepted so the installed SDKs (arm-compute 24.x/25.x, arm-network 36.x/39.x) all work.
 */
export function armRoute(router: Router, model: AzureModel, method: string, pattern: string, handler: (req: ArmRequest) => SandboxResponse | Promise<SandboxResponse>): void {
  const wrapped: RouteHandler = (req) => {
    const token = bearerOf(req.headers.authorization);
    if (!token) return ArmErrors.authenticationFailed();
    const claims = model.tokens.verify(token);
    if (!claims) return ArmErrors.invalidToken('The signature is not valid.');
    if (!armAudiences(model).includes(claims.aud.replace(/\/$/, ''))) return ArmErrors.invalidAudience();
    const apiVersion = req.query.get('api-version');
    if (!apiVersion) return ArmErrors.missingApiVersion();
    if (!API_VERSION.test(apiVersion)) return ArmErrors.invalidApiVersion(apiVersion);
    const sub = req.params.sub;
    if (sub !== undefined && sub.toLowerCase() !== model.subscriptionId.toLowerCase()) return ArmErrors.subscriptionNotFound(sub);
    model.advance();
    return handler({ ...req, apiVersion });
  };
  router.route(method, pattern, wrapped);
}

/** Absolute URL on the ARM listener (pollers and nextLinks keep absolute URLs). */
export function armUrl(model: AzureModel, path: string, query: Record<string, string>): string {
  const qs = new URLSearchParams(query).toString();
  return `${model.baseUrl('arm')}${path}${qs ? `?${qs}` : ''}`;
}

/** Paging for list operations: `$skiptoken` is an offset; nextLink is absolute. */
export function page<T>(model: AzureModel, req: ArmRequest, items: T[], pageSize: number): { value: T[]; nextLink?: string } {
  const offset = Number.parseInt(req.query.get('$skiptoken') ?? '0', 10) || 0;
  const value = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length ? { value, nextLink: armUrl(model, req.path, { 'api-version': req.apiVersion, $skiptoken: String(next) }) } : { value };
}

/** Parses an ISO-8601 duration (PT4H, PT235M, P1DT2H30M) to milliseconds; undefined if malformed. */
export function parseIsoDuration(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text === 'PT') return undefined;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60000 + Number(s) * 1000;
}
