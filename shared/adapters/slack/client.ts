import { LogLevel, WebClient, type RetryOptions } from '@slack/web-api';
import { createHttpsFetch } from '../http/https';

/** Options for {@link createSlackClient}; nothing is read from the environment. */
export interface SlackClientOptions {
  /** Bot token (xoxb-...). */
  token: string;
  /** Web API base with a trailing slash; default `https://slack.com/api/`; the sandbox's is `<url>/api/`. */
  apiUrl?: string;
  /** Extra CA (PEM) to trust, e.g. the simulated estate's. */
  caPem?: string;
  /** The SDK's retry policy; default five retries (its default of ten over ~30 minutes is too long for a window step). */
  retryConfig?: RetryOptions;
  /** Fail at once on 429 instead of waiting Retry-After (lets the orchestrator schedule the wait). Default false. */
  rejectRateLimitedCalls?: boolean;
  timeoutInMs?: number;
}

/** Creates the Slack Web API client the app uses. */
export function createSlackClient(options: SlackClientOptions): WebClient {
  return new WebClient(options.token, {
    slackApiUrl: options.apiUrl ?? 'https://slack.com/api/',
    retryConfig: options.retryConfig ?? { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30000 },
    rejectRateLimitedCalls: options.rejectRateLimitedCalls ?? false,
    logLevel: LogLevel.ERROR,
    ...(options.timeoutInMs !== undefined ? { timeout: options.timeoutInMs } : {}),
    ...(options.caPem ? { fetch: createHttpsFetch({ caPem: options.caPem }) } : {}),
  });
}
