import { createHmac, timingSafeEqual } from 'crypto';

/** Claims carried by a sandbox access token. */
export interface TokenClaims {
  /** Audience: the resource part of the requested scope, e.g. 'https://management.azure.com'. */
  aud: string;
  tid: string;
  appid: string;
  /** Issue time, real epoch seconds. */
  iat: number;
}

/**
 * Issues and checks the opaque bearer tokens of the local token endpoint: claims plus an HMAC,
 * so ARM and Key Vault accept only tokens this sandbox issued, for the right audience. The key
 * is derived from the estate, so tokens cached by clients stay valid across resets and restarts
 * (this is a local simulator: the HMAC checks wiring, it does not protect anything).
 * Expiry is not enforced: clients refresh on real time while the sandbox may run on virtual time.
 */
export class TokenIssuer {
  private readonly key: Buffer;

  constructor(keyBase64: string) {
    this.key = Buffer.from(keyBase64, 'base64');
  }

  issue(claims: TokenClaims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** Tokens already checked: clients send the same cached token with every call (an HMAC each was 1 s of a 1,000-server rehearsal). */
  private readonly verified = new Map<string, TokenClaims>();

  /** The claims of a token this issuer signed, or undefined. */
  verify(token: string): TokenClaims | undefined {
    const known = this.verified.get(token);
    if (known) return { ...known };
    const claims = this.check(token);
    if (claims) {
      // A handful of clients, each with one token at a time: a small memo, started again when full.
      if (this.verified.size >= 256) this.verified.clear();
      this.verified.set(token, claims);
      return { ...claims };
    }
    return undefined;
  }

  private check(token: string): TokenClaims | undefined {
    const [payload, sig] = token.split('.');
    if (!payload || !sig) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** The bearer token of an Authorization header, if it has one. */
export function bearerOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer\s+(\S+)$/i.exec(value ?? '');
  return m?.[1];
}

/** The audience a scope asks for: 'https://x/.default' -> 'https://x'. */
export function audienceOfScope(scope: string): string {
  const first = scope.split(/\s+/).find((s) => s.endsWith('/.default')) ?? scope.split(/\s+/)[0] ?? '';
  return first.replace(/\/\.default$/, '').replace(/\/$/, '');
}
