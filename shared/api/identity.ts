import type { Runbook } from '../window/runbook';

/** Who is calling: App Service authentication on Azure, a configured header locally. */
export interface Caller {
  /** The identity as the platform gives it (an email / UPN, or the local header's value). */
  id: string;
  source: 'client-principal' | 'header';
}

export interface IdentityOptions {
  header: string;
  trustClientPrincipal: boolean;
}

interface ClientPrincipal {
  userDetails?: string;
  claims?: { typ: string; val: string }[];
}

/** Reads the caller from the request headers; undefined when anonymous. */
export function callerOf(headers: { get(name: string): string | null }, options: IdentityOptions): Caller | undefined {
  if (options.trustClientPrincipal) {
    const encoded = headers.get('x-ms-client-principal');
    if (encoded) {
      try {
        const principal = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as ClientPrincipal;
        const claim = (typ: string) => principal.claims?.find((c) => c.typ === typ)?.val;
        const id = principal.userDetails ?? claim('preferred_username') ?? claim('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress') ?? claim('name');
        if (id) return { id, source: 'client-principal' };
      } catch {
        return undefined;
      }
    }
    const name = headers.get('x-ms-client-principal-name');
    if (name) return { id: name, source: 'client-principal' };
  }
  const local = headers.get(options.header);
  return local && local.trim() ? { id: local.trim(), source: 'header' } : undefined;
}

/** The window's person id for a caller: matched by id or by email, case-insensitively. */
export function personOf(runbook: Pick<Runbook, 'people'>, caller: Caller | string): string | undefined {
  const who = (typeof caller === 'string' ? caller : caller.id).toLowerCase();
  for (const [id, person] of Object.entries(runbook.people)) {
    if (id.toLowerCase() === who || person.email?.toLowerCase() === who) return id;
  }
  return undefined;
}
