import type { SandboxResponse } from '../core/types';

/** Azure DevOps' error envelope (`$id`, `message`, `typeName`, `typeKey`, `errorCode`, `eventId`). */
export function devopsError(status: number, typeKey: string, message: string, headers?: Record<string, string>): SandboxResponse {
  return {
    status,
    ...(headers ? { headers } : {}),
    body: {
      $id: '1',
      innerException: null,
      message,
      typeName: `Microsoft.Azure.Pipelines.WebApi.${typeKey}, Microsoft.Azure.Pipelines.WebApi`,
      typeKey,
      errorCode: 0,
      eventId: 3000,
    },
  };
}

/** The errors the simulator uses, named once. */
export const DevOpsErrors = {
  unauthorized: () =>
    devopsError(401, 'UnauthorizedRequestException', "TF400813: The user '' is not authorized to access this resource.", {
      'WWW-Authenticate': 'Basic realm="https://dev.azure.com/"',
    }),
  noApiVersion: (method: string) =>
    devopsError(
      400,
      'VssVersionNotSpecifiedException',
      `No api-version was supplied for the "${method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
    ),
  projectNotFound: (project: string) =>
    devopsError(404, 'ProjectDoesNotExistWithNameException', `TF200016: The following project does not exist: ${project}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`),
  pipelineNotFound: (id: string) => devopsError(404, 'PipelineNotFoundException', `Pipeline with id ${id} not found.`),
  runNotFound: (id: string) => devopsError(404, 'PipelineRunNotFoundException', `Run with id ${id} not found.`),
  buildNotFound: (id: string) => devopsError(404, 'BuildNotFoundException', `Build with id ${id} not found.`),
  badRequest: (typeKey: string, message: string) => devopsError(400, typeKey, message),
} as const;
