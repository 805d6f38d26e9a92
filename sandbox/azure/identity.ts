import type { Router, SandboxService, ServiceContext } from '../core/types';
import { azureModelFor, type AzureModel } from './model';
import { audienceOfScope } from './tokens';

/** Entra ID's OAuth error body. */
function oauthError(status: number, error: string, description: string): { status: number; body: unknown } {
  return { status, body: { error, error_description: description, error_codes: [], timestamp: new Date().toISOString() } };
}

/**
 * The local token endpoint: enough of Microsoft Entra ID for `ClientSecretCredential` with
 * `authorityHost` and `disableInstanceDiscovery: true` (OpenID discovery, then client credentials).
 */
export function registerIdentity(router: Router, model: AzureModel): void {
  const knownTenant = (t: string): boolean => t.toLowerCase() === model.tenantId.toLowerCase() || t === 'organizations' || t === 'common';

  router.route('GET', '/:tenant/v2.0/.well-known/openid-configuration', (req) => {
    const tenant = req.params.tenant ?? '';
    if (!knownTenant(tenant)) return oauthError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
    const base = `${model.baseUrl('login')}/${model.tenantId}`;
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
      },
    };
  });
  router.route('GET', '/:tenant/discovery/v2.0/keys', () => ({ status: 200, body: { keys: [] } }));

  router.route('POST', '/:tenant/oauth2/v2.0/token', (req) => {
    const tenant = req.params.tenant ?? '';
    if (!knownTenant(tenant)) return oauthError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
    const form = (req.body ?? {}) as Record<string, string>;
    if (form.grant_type !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${form.grant_type ?? ''}'.`);
    let clientId = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (basic?.[1]) {
      const [id, s] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = clientId ?? id;
      secret = secret ?? s;
    }
    const client = model.estate?.clients.find((c) => c.clientId === clientId);
    if (!client) return oauthError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId ?? ''}' was not found in the directory '${model.tenantId}'.`);
    if (client.clientSecret !== secret) return oauthError(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`);
    const scope = form.scope ?? '';
    if (!scope.includes('/.default')) return oauthError(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`);
    const token = model.tokens.issue({ aud: audienceOfScope(scope), tid: model.tenantId, appid: client.clientId, iat: Math.floor(Date.now() / 1000) });
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token } };
  });
}

/** The 'login' listener's service. */
export function createLoginService(ctx: ServiceContext): SandboxService {
  const model = azureModelFor(ctx);
  return {
    name: 'login',
    register: (router) => registerIdentity(router, model),
    snapshot: () => ({ tenantId: model.tenantId, clients: model.estate?.clients.map((c) => c.clientId) ?? [] }),
  };
}
