import type { SandboxResponse } from '../core/types';

/**
 * Cloudflare's v4 error envelope. Errors always carry a 4xx/5xx status: the SDK resolves a 200
 * with `success:false` to `null` instead of throwing, which would hide the failure.
 */
export function cloudflareError(status: number, code: number, message: string): SandboxResponse {
  return { status, body: { success: false, errors: [{ code, message }], messages: [], result: null } };
}

/** The error codes the simulator uses, named once. */
export const CloudflareErrors = {
  missingAuth: () => cloudflareError(401, 10000, 'Authentication error'),
  invalidToken: () => cloudflareError(403, 9109, 'Invalid access token'),
  forbidden: () => cloudflareError(403, 10000, 'Authentication error'),
  zoneNotFound: (zoneId: string) =>
    cloudflareError(404, 7003, `Could not route to /zones/${zoneId}, perhaps your object identifier is invalid?`),
  recordNotFound: () => cloudflareError(404, 81044, 'Record does not exist.'),
  identicalRecord: () => cloudflareError(400, 81058, 'An identical record already exists.'),
  cnameConflict: () => cloudflareError(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.'),
  invalidContent: (message: string) => cloudflareError(400, 9005, message),
  badRequest: (message: string) => cloudflareError(400, 1004, message),
  purgeBody: () =>
    cloudflareError(400, 1012, 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"'),
  badPaging: (message: string) => cloudflareError(400, 1001, message),
} as const;
