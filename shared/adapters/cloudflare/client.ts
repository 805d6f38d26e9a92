import Cloudflare from 'cloudflare';
import { createHttpsFetch } from '../http/https';

/** Options for {@link createCloudflareClient}; nothing is read from the environment. */
export interface CloudflareClientOptions {
  /** API token (Bearer) with DNS edit and cache purge on the zone. */
  apiToken: string;
  /** API base, default Cloudflare's `https://api.cloudflare.com/client/v4`; the sandbox's is `<url>/client/v4`. */
  baseUrl?: string;
  /** Extra CA (PEM) to trust, e.g. the simulated estate's. */
  caPem?: string;
  /** The SDK's own retries (408, 409, 429, 5xx; Retry-After honoured). Default 2. */
  maxRetries?: number;
  timeoutInMs?: number;
}

/** Creates the Cloudflare SDK client the app uses. */
export function createCloudflareClient(options: CloudflareClientOptions): Cloudflare {
  return new Cloudflare({
    apiToken: options.apiToken,
    // Set explicitly so the SDK does not pick other credentials up from the environment.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    baseURL: options.baseUrl ?? 'https://api.cloudflare.com/client/v4',
    maxRetries: options.maxRetries ?? 2,
    ...(options.timeoutInMs !== undefined ? { timeout: options.timeoutInMs } : {}),
    ...(options.caPem ? { fetch: createHttpsFetch({ caPem: options.caPem }) } : {}),
  });
}
