/**
 * Wire shapes derived from the SDKs' own model types, so the compiler checks every response the
 * sandbox builds against the typings the app's clients deserialize.
 *
 * The SDK models are client-side views of the JSON: dates are `Date` (strings on the wire) and
 * ARM resources are flattened (the wire nests most fields under `properties`). `Jsonify` and
 * `ArmWire` undo exactly those two transformations.
 */

/** The JSON form of an SDK model: `Date` becomes an ISO string, readonly is dropped. */
export type Jsonify<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonify<U>[]
    : T extends Record<string, unknown> | object
      ? { -readonly [K in keyof T]: Jsonify<T[K]> }
      : T;

/**
 * An ARM resource on the wire: the envelope keys stay at the top level, every other field of the
 * flattened client model goes under `properties`.
 */
export type ArmWire<T, Envelope extends keyof T> = Jsonify<Pick<T, Envelope>> & { properties?: Jsonify<Omit<T, Envelope>> };

/** Keys ARM keeps outside `properties` for tracked resources. */
export type TrackedEnvelope = 'id' | 'name' | 'type' | 'location' | 'tags';

/** ARM list page. */
export interface ArmList<T> {
  value: T[];
  nextLink?: string;
}
