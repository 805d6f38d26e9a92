import type { Runbook } from '../window/runbook';

/**
 * Who is calling. On Azure only App Service authentication (Easy Auth) says so: it injects
 * `X-MS-CLIENT-PRINCIPAL*` after validating the caller's Entra token, and "external requests
 * aren't allowed to set these headers, so they're present only if App Service sets them"
 * (https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities).
 * Locally there is no Easy Auth, so a plain header names the caller; that mode is refused on Azure.
 */
export interface Caller {
  /** The identity as the platform gives it: the UPN / email on Azure, the local header's value locally. */
  id: string;
  /** Entra object id (the `oid` claim), when App Service authentication gives one. */
  objectId?: string;
  /** Entra app roles granted to the caller (the principal's role claims). */
  roles: string[];
  source: 'app-service' | 'header';
}

/**
 * `app-service`: the caller comes only from App Service authentication's client principal (Azure).
 * `local-header`: the caller is whatever the configured header says (the local host, rehearsals and tests).
 */
export type IdentityMode = 'app-service' | 'local-header';

export interface IdentityOptions {
  mode: IdentityMode;
  /** The local header (local-header mode only). */
  header: string;
}

/** The decoded `X-MS-CLIENT-PRINCIPAL` (App Service's claims-mapped shape). */
interface ClientPrincipal {
  auth_typ?: string;
  name_typ?: string;
  role_typ?: string;
  claims?: { typ: string; val: string }[];
  /** Static Web Apps' shape carries the name here. */
  userDetails?: string;
}

const CLAIM = {
  objectId: ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'],
  name: ['preferred_username', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn', 'upn', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'email'],
  roles: ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'],
};

/** Reads the caller from the request headers; undefined when anonymous (answer 401). */
export function callerOf(headers: { get(name: string): string | null }, options: IdentityOptions): Caller | undefined {
  return options.mode === 'app-service' ? fromClientPrincipal(headers) : fromLocalHeader(headers, options.header);
}

function fromClientPrincipal(headers: { get(name: string): string | null }): Caller | undefined {
  const encoded = headers.get('x-ms-client-principal');
  if (!encoded) return undefined;
  let principal: ClientPrincipal;
  try {
    principal = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as ClientPrincipal;
  } catch {
    return undefined;
  }
  const claims = Array.isArray(principal.claims) ? principal.claims.filter((c) => typeof c?.typ === 'string' && typeof c.val === 'string') : [];
  const first = (types: (string | undefined)[]) => claims.find((c) => types.includes(c.typ))?.val;
  const objectId = first(CLAIM.objectId) ?? headers.get('x-ms-client-principal-id') ?? undefined;
  const id = first([principal.name_typ, ...CLAIM.name]) ?? principal.userDetails ?? headers.get('x-ms-client-principal-name') ?? objectId;
  if (!id) return undefined;
  const roleTypes = [principal.role_typ, ...CLAIM.roles];
  const roles = claims.filter((c) => roleTypes.includes(c.typ)).map((c) => c.val);
  return { id, ...(objectId ? { objectId } : {}), roles, source: 'app-service' };
}

function fromLocalHeader(headers: { get(name: string): string | null }, header: string): Caller | undefined {
  const local = headers.get(header)?.trim();
  return local ? { id: local, roles: [], source: 'header' } : undefined;
}

/**
 * The window's person id for a caller. On Azure a person is matched by Entra object id or by
 * UPN/email, case-insensitively; the local header may also name the person's id in the window.
 */
export function personOf(runbook: Pick<Runbook, 'people'>, caller: Caller | string): string | undefined {
  const c: Caller = typeof caller === 'string' ? { id: caller, roles: [], source: 'header' } : caller;
  const who = c.id.toLowerCase();
  const oid = c.objectId?.toLowerCase();
  for (const [id, person] of Object.entries(runbook.people)) {
    if (oid && person.entraObjectId?.toLowerCase() === oid) return id;
    if (person.upn?.toLowerCase() === who || person.email?.toLowerCase() === who) return id;
    if (c.source === 'header' && id.toLowerCase() === who) return id;
  }
  return undefined;
}
