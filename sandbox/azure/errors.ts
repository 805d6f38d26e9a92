import type { SandboxResponse } from '../core/types';

/**
 * ARM's error body: `{ error: { code, message } }`. The SDKs turn it into a RestError with
 * `.code` and `.statusCode`. Codes used here are the real service codes.
 */
export function armError(status: number, code: string, message: string, headers?: Record<string, string>): SandboxResponse {
  return { status, ...(headers ? { headers } : {}), body: { error: { code, message } } };
}

/** The ARM error factory, one function per error the simulated resources return. */
export const ArmErrors = {
  resourceNotFound: (type: string, name: string, rg: string) =>
    armError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`),
  resourceGroupNotFound: (rg: string) => armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`),
  subscriptionNotFound: (sub: string) => armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`),
  /** Network child resources report plain NotFound. */
  notFound: (message: string) => armError(404, 'NotFound', message),
  missingApiVersion: () =>
    armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."),
  invalidApiVersion: (v: string) =>
    armError(400, 'InvalidApiVersionParameter', `The api-version '${v}' is invalid. The supported versions are listed in the resource provider's registration.`),
  authenticationFailed: () =>
    armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
      'WWW-Authenticate': 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
    }),
  invalidToken: (reason: string) =>
    armError(401, 'InvalidAuthenticationToken', `The access token is invalid. ${reason}`, {
      'WWW-Authenticate': 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The access token is invalid."',
    }),
  invalidAudience: () =>
    armError(401, 'InvalidAuthenticationTokenAudience', 'The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences.'),
  invalidRequestContent: (message: string) => armError(400, 'InvalidRequestContent', message),
  invalidRequestFormat: (message: string) => armError(400, 'InvalidRequestFormat', message),
  badRequest: (code: string, message: string) => armError(400, code, message),
  operationNotAllowed: (message: string) => armError(409, 'OperationNotAllowed', message),
  conflict: (message: string) => armError(409, 'Conflict', message),
  anotherOperationInProgress: (resourceId: string, operationId: string) =>
    armError(
      409,
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${operationId}. Resource: ${resourceId}`,
    ),
  retryableAnotherOperation: (resourceId: string, retryAfterSeconds: number) =>
    armError(
      429,
      'RetryableErrorDueToAnotherOperation',
      `Operation is not allowed because another operation on this or dependent resource is in progress. Retry the operation after ${retryAfterSeconds} seconds. Resource: ${resourceId}`,
      { 'Retry-After': String(retryAfterSeconds) },
    ),
  operationNotFound: (id: string) => armError(404, 'NotFound', `The operation '${id}' was not found.`),
};

/** Key Vault's error body: `{ error: { code, message, innererror? } }`. */
export function kvError(status: number, code: string, message: string, inner?: string, headers?: Record<string, string>): SandboxResponse {
  return { status, ...(headers ? { headers } : {}), body: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } } };
}
