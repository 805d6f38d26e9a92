import { WebApi, getPersonalAccessTokenHandler } from 'azure-devops-node-api';
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';

/** Options for {@link createDevOpsConnection}; nothing is read from the environment. */
export interface DevOpsConnectionOptions {
  /** Organization URL, e.g. `https://dev.azure.com/invoicecloud`; the sandbox's is `<url>/invoicecloud`. */
  organizationUrl: string;
  /** Personal access token (sent as Basic `PAT:<token>`). */
  pat: string;
  /**
   * Path of an extra CA (PEM) to trust, e.g. the simulated estate's `ca.pem`. The client only
   * accepts a file path (typed-rest-client reads it once).
   */
  caFile?: string;
  /** The client's own retries: only 502/503/504 on GET/OPTIONS/DELETE/HEAD. Default 3; 0 disables. */
  maxRetries?: number;
  socketTimeoutInMs?: number;
}

/**
 * Creates the azure-devops-node-api connection the app uses; `getPipelinesApi()` and
 * `getBuildApi()` do their discovery calls through it. Runs are POSTs, which the client never
 * retries: the app's activity retry policy covers them.
 */
export function createDevOpsConnection(options: DevOpsConnectionOptions): WebApi {
  const maxRetries = options.maxRetries ?? 3;
  const requestOptions: IRequestOptions = {
    allowRetries: maxRetries > 0,
    maxRetries,
    ...(options.caFile ? { cert: { caFile: options.caFile } } : {}),
    ...(options.socketTimeoutInMs !== undefined ? { socketTimeout: options.socketTimeoutInMs } : {}),
  };
  return new WebApi(options.organizationUrl, getPersonalAccessTokenHandler(options.pat), requestOptions);
}
