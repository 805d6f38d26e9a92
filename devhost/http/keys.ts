/**
 * Function keys and `authLevel` checks for the local host's HTTP triggers.
 *
 * Azure keeps keys in its secret store; Core Tools disables key checks locally. The local host checks them, with
 * keys taken from a `Keys` section of local.settings.json (outside `Values`, so keys never become app settings
 * or environment variables of the app):
 *
 * ```json
 * {
 *   "IsEncrypted": false,
 *   "Values": { "FUNCTIONS_WORKER_RUNTIME": "node" },
 *   "Keys": {
 *     "master": "local-master-key",
 *     "host": { "default": "local-host-key" },
 *     "system": { "durabletask_extension": "local-system-key" },
 *     "functions": { "startWindow": { "default": "local-start-key" } }
 *   }
 * }
 * ```
 *
 * Every part is optional; with no `Keys` section, `function` and `admin` routes refuse every request (401).
 * Function names match case-insensitively, as in the host.
 *
 * The check mirrors azure-functions-host (`AuthenticationLevelHandler.GetAuthorizationKeyInfoAsync`,
 * `SecretManager.GetAuthorizationLevelAsync`): the key comes from the `x-functions-key` header, else the `code`
 * query parameter (the header wins even when it is wrong or empty; the first value is used); it is compared with
 * the master key (grants admin), then system keys (system), host keys (function), then the function's own keys
 * (function); a request passes when the granted level is at least the route's (anonymous < function < system <
 * admin), so the master key opens every route and a system key opens function-level routes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** `authLevel` of an HTTP trigger (`system` is used by extension webhooks such as the Durable HTTP API). */
export type AuthLevel = 'anonymous' | 'function' | 'system' | 'admin';

/** Keys the local host accepts, normalised by {@link resolveKeys}. */
export interface FunctionKeys {
  /** Grants admin, valid for every route. */
  readonly master: string | undefined;
  /** Host function keys by name, valid for every function-level route. */
  readonly host: Readonly<Record<string, string>>;
  /** System keys by name (e.g. `durabletask_extension`). */
  readonly system: Readonly<Record<string, string>>;
  /** Per-function keys by lower-cased function name, then key name. */
  readonly functions: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The parts of an incoming request that carry a key. Header names may be in any case. */
export interface KeyedRequest {
  readonly query: URLSearchParams | Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** Outcome of {@link checkAuthorization}; never contains a key value. */
export interface AuthorizationResult {
  readonly authorized: boolean;
  /** The level the presented key grants (`anonymous` when none or no match). */
  readonly grantedLevel: AuthLevel;
  /** Which key matched, e.g. `_master`, `host/default`, `function/default`, `system/durabletask_extension`. */
  readonly keyName?: string;
  /** Why the request was refused, for the 401 log line. */
  readonly reason?: string;
}

const LEVEL_RANK: Record<AuthLevel, number> = { anonymous: 0, function: 2, system: 3, admin: 4 };

const keyValueSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .regex(/^\S+$/, { error: 'must not contain whitespace' });
const namedKeysSchema = z.record(z.string().min(1, { error: 'key names must not be empty' }), keyValueSchema);

/** The `Keys` section of local.settings.json. */
export const localKeysSchema = z.strictObject({
  master: keyValueSchema.optional(),
  host: namedKeysSchema.optional(),
  system: namedKeysSchema.optional(),
  functions: z.record(z.string().min(1, { error: 'function names must not be empty' }), namedKeysSchema).optional(),
});
export type LocalKeys = z.infer<typeof localKeysSchema>;

const settingsSchema = z.looseObject({ Keys: localKeysSchema.optional() });

/**
 * Reads the `Keys` section from a parsed local.settings.json object.
 * @throws TypeError naming each offending field (never echoing a key value).
 */
export function resolveKeys(settings: unknown): FunctionKeys {
  const parsed = settingsSchema.safeParse(settings ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['local.settings.json', ...i.path.map(String)].join('.')}: ${i.message}`);
    throw new TypeError(`invalid function keys: ${problems.join('; ')}`);
  }
  const keys = parsed.data.Keys ?? {};
  const functions: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
  for (const [name, named] of Object.entries(keys.functions ?? {})) {
    const lower = name.toLowerCase();
    if (lower in functions) {
      throw new TypeError(`invalid function keys: local.settings.json.Keys.functions.${name}: another entry differs only in letter case`);
    }
    functions[lower] = Object.freeze({ ...named });
  }
  // Frozen all the way down: checkAuthorization keeps the keys' digests for the object's lifetime.
  return Object.freeze({ master: keys.master, host: Object.freeze({ ...keys.host }), system: Object.freeze({ ...keys.system }), functions: Object.freeze(functions) });
}

/**
 * Decides whether a request may call a function with the given `authLevel`. Comparisons run in constant time
 * over SHA-256 digests, against every configured key, so neither a key's content nor its length leaks.
 */
export function checkAuthorization(authLevel: AuthLevel, request: KeyedRequest, keys: FunctionKeys, functionName: string): AuthorizationResult {
  if (!(authLevel in LEVEL_RANK)) {
    throw new RangeError(`authLevel: '${String(authLevel)}' is not one of anonymous, function, system, admin`);
  }
  const presented = presentedKey(request);
  const granted = presented ? grantedBy(presented, keys, functionName) : undefined;
  const grantedLevel = granted?.level ?? 'anonymous';
  if (LEVEL_RANK[grantedLevel] >= LEVEL_RANK[authLevel]) {
    return { authorized: true, grantedLevel, ...(granted ? { keyName: granted.keyName } : {}) };
  }
  const reason =
    presented === undefined
      ? `'${functionName}' requires a key (authLevel ${authLevel}) in the x-functions-key header or the code query parameter`
      : granted === undefined
        ? `the key presented for '${functionName}' matches no configured key`
        : `'${functionName}' requires authLevel ${authLevel}; the presented ${granted.keyName} key grants ${grantedLevel}`;
  return { authorized: false, grantedLevel, ...(granted ? { keyName: granted.keyName } : {}), reason };
}

function presentedKey(request: KeyedRequest): string | undefined {
  const header = firstValue(lookup(request.headers, 'x-functions-key'));
  // Presence decides, as in the host: an empty header still hides the query parameter.
  const value = header ?? firstValue(lookup(request.query, 'code'));
  return value === undefined || value.length === 0 ? undefined : value;
}

function lookup(source: KeyedRequest['query'] | KeyedRequest['headers'], name: string): string | readonly string[] | undefined {
  if (source instanceof URLSearchParams) {
    // ASP.NET's query collection ignores case in parameter names.
    const values = [...source.entries()].filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
    return values.length > 0 ? values : undefined;
  }
  if (typeof Headers !== 'undefined' && source instanceof Headers) {
    return source.get(name) ?? undefined;
  }
  const record = source as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

interface Grant {
  level: AuthLevel;
  keyName: string;
}

function grantedBy(presented: string, keys: FunctionKeys, functionName: string): Grant | undefined {
  const digest = sha256(presented);
  let match: Grant | undefined;
  for (const [grant, value] of candidatesFor(keys, functionName)) {
    // Compare against every key (no early exit) and keep the first match, which is the host's order.
    if (timingSafeEqual(digest, value) && match === undefined) match = grant;
  }
  return match;
}

/** The configured keys' digests in the host's order, per function, for keys {@link resolveKeys} froze (hashed once, not per request). */
const digestsByKeys = new WeakMap<FunctionKeys, Map<string, Array<[Grant, Buffer]>>>();

function candidatesFor(keys: FunctionKeys, functionName: string): Array<[Grant, Buffer]> {
  const lower = functionName.toLowerCase();
  const frozen = Object.isFrozen(keys) && Object.isFrozen(keys.host) && Object.isFrozen(keys.system) && Object.isFrozen(keys.functions) && (keys.functions[lower] === undefined || Object.isFrozen(keys.functions[lower]));
  let byFunction = frozen ? digestsByKeys.get(keys) : undefined;
  if (frozen && !byFunction) digestsByKeys.set(keys, (byFunction = new Map()));
  let candidates = byFunction?.get(lower);
  if (!candidates) {
    candidates = [];
    if (keys.master !== undefined) candidates.push([{ level: 'admin', keyName: '_master' }, sha256(keys.master)]);
    for (const [name, value] of Object.entries(keys.system)) candidates.push([{ level: 'system', keyName: `system/${name}` }, sha256(value)]);
    for (const [name, value] of Object.entries(keys.host)) candidates.push([{ level: 'function', keyName: `host/${name}` }, sha256(value)]);
    for (const [name, value] of Object.entries(keys.functions[lower] ?? {})) candidates.push([{ level: 'function', keyName: `function/${name}` }, sha256(value)]);
    byFunction?.set(lower, candidates);
  }
  return candidates;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
