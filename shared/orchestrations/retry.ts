import * as df from 'durable-functions';

/**
 * Named retry policies, in one place. Durable retries retry every failure and lose
 * the error class, so activities throw only for transient trouble and return
 * `{ ok: false }` for permanent failures; the SDKs' own retries are capped low in
 * the adapters so the attempts do not multiply.
 */
function policy(firstRetryMs: number, attempts: number, maxRetryMs: number): df.RetryOptions {
  const options = new df.RetryOptions(firstRetryMs, attempts);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = maxRetryMs;
  return options;
}

export const RetryPolicies = {
  /** Vendor calls that change something: a few patient attempts. */
  vendorWrite: () => policy(5_000, 5, 60_000),
  /** Reads and polls: retried quickly, the monitor loop polls again anyway. */
  vendorRead: () => policy(2_000, 4, 30_000),
  /** Our own storage (window record, ledger): must not be lost. */
  store: () => policy(1_000, 8, 30_000),
  /** Chat messages: worth a retry, never worth stopping a window for. */
  chat: () => policy(3_000, 4, 60_000),
  /** Restore inverses: the last line of defence, so the most patient. */
  restore: () => policy(10_000, 6, 120_000),
};
