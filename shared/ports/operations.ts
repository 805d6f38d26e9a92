/**
 * Long-running vendor operations are started in one activity and checked in later
 * ones (a durable-timer loop in between), so the state between them is an opaque,
 * JSON-safe resume token — never an SDK object.
 */
export type OperationProgress<T> =
  | { state: 'running'; resumeToken: string }
  | { state: 'succeeded'; result: T }
  | { state: 'failed'; code: string; message: string };

/**
 * The one error an adapter throws on purpose: the vendor could not be reached or
 * answered with a transient failure, so a durable retry may succeed. Anything a
 * retry cannot fix is returned as a value (`{ ok: false, ... }` / `state: 'failed'`).
 */
export class TransientVendorError extends Error {
  constructor(
    readonly vendor: string,
    message: string,
    readonly statusCode?: number,
  ) {
    super(`${vendor}: ${message}`);
    this.name = 'TransientVendorError';
  }
}
