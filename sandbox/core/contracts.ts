import { promises as fs } from 'fs';
import path from 'path';
import { parse } from 'yaml';

/**
 * The vendors' published API specs (sandbox/specs/, OpenAPI 3.0, trimmed to what the app and the
 * simulated estate use) checked against every request the estate receives and every response it
 * sends, with openapi-backend (https://github.com/openapistack/openapi-backend, Ajv underneath).
 * Every object the specs describe is closed (no field the spec does not name), every query
 * parameter must be declared, and a path no spec knows is a violation too.
 */

/** One way a call broke its vendor's spec. */
export interface ContractViolation {
  where: 'request' | 'response';
  /** The spec's operationId, or `METHOD path` when no operation matched. */
  operation: string;
  /** Where in the request or response: `query.enable`, `requestBody.properties`, `path`. */
  field: string;
  /** What the spec says, e.g. `must be boolean`, `unknown field "zz"`. */
  rule: string;
}

/** What a check found: the operation and spec that cover the call, and any violation. */
export interface ContractCheck {
  spec?: string;
  operation?: string;
  violations: ContractViolation[];
}

/** A request or response as the sandbox core saw it. */
export interface CheckedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  rawBody: Buffer;
  /** The sandbox route that handled it (a trailing `*` is one path parameter in the spec). */
  route?: string;
}

export interface CheckedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Where a spec came from, from its `info.x-source`. */
export interface SpecSource {
  file: string;
  title: string;
  version: string;
  source: Record<string, unknown>;
  operations: { method: string; path: string; operationId: string }[];
}

// ---------------------------------------------------------------- openapi-backend, loaded lazily

interface AjvError {
  instancePath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}
interface OasOperation {
  operationId?: string;
  method: string;
  path: string;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}
interface ValidationResult {
  valid: boolean;
  errors?: AjvError[] | null;
}
interface OpenApiBackendLike {
  init(): Promise<unknown>;
  matchOperation(req: { method: string; path: string; headers: Record<string, string> }): OasOperation | undefined;
  validateRequest(req: { method: string; path: string; headers: Record<string, string>; query: Record<string, string | string[]>; body?: unknown }, operation: OasOperation): ValidationResult;
  validateResponse(body: unknown, operation: OasOperation, statusCode: number): ValidationResult;
}
type OpenApiBackendClass = new (opts: Record<string, unknown>) => OpenApiBackendLike;

/** The package the validation needs; named once so the error can say what to install. */
export const VALIDATOR_PACKAGE = 'openapi-backend';

/** Whether the validator package can be found (synchronously, for tests that need it). */
export function validatorInstalled(): boolean {
  try {
    require.resolve(VALIDATOR_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

/** openapi-backend's class, or undefined when the package is not installed. */
export async function loadValidator(): Promise<OpenApiBackendClass | undefined> {
  try {
    // A variable specifier: the type-check does not require the package to be present.
    const name: string = VALIDATOR_PACKAGE;
    const mod = (await import(name)) as { OpenAPIBackend?: OpenApiBackendClass; default?: { OpenAPIBackend?: OpenApiBackendClass } };
    return mod.OpenAPIBackend ?? mod.default?.OpenAPIBackend;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- spec loading

/** Which spec files describe each listener's API (`probes` is the simulated web sites, not a vendor API). */
export const LISTENER_SPECS: Record<string, string[]> = {
  arm: ['azure-network.yaml', 'azure-compute.yaml', 'azure-alertsmanagement.yaml', 'azure-arm-async-operations.yaml', 'azure-authorization.yaml'],
  login: ['azure-identity.yaml'],
  keyvault: ['azure-keyvault-secrets.yaml'],
  cloudflare: ['cloudflare.yaml'],
  slack: ['slack.yaml', 'slack-response-url.yaml'],
  devops: ['azure-devops.yaml'],
  pingdom: ['pingdom.yaml'],
  mailgun: ['mailgun.yaml'],
  consul: ['consul.yaml'],
  opsgenie: ['opsgenie.yaml'],
};

/** The folder of the specs. */
export function specsDir(): string {
  // sandbox/core → sandbox/specs (from dist/sandbox/core too: the YAML is read from the source tree).
  const fromSource = path.resolve(__dirname, '..', 'specs');
  return fromSource.includes(`${path.sep}dist${path.sep}`) ? path.resolve(__dirname, '..', '..', '..', 'sandbox', 'specs') : fromSource;
}

type Json = Record<string, unknown>;

/**
 * Closes every object schema that names its properties and says nothing about others: the specs
 * list what a vendor accepts and sends, and a field they do not list is a violation. `x-open: true`
 * leaves a schema open where a spec was trimmed to "any object".
 */
function closeSchema(node: unknown): void {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return;
  const schema = node as Json;
  const props = schema.properties;
  if (props && typeof props === 'object' && schema.additionalProperties === undefined && !schema.allOf && !schema.oneOf && !schema.anyOf && !schema['x-open']) {
    schema.additionalProperties = false;
  }
  if (props && typeof props === 'object') for (const child of Object.values(props as Json)) closeSchema(child);
  if (schema.items) closeSchema(schema.items);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') closeSchema(schema.additionalProperties);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach(closeSchema);
}

/**
 * Folds `allOf` members into the schema (properties and required merged): a closed member would
 * otherwise refuse the fields its siblings add. Members are `$ref`s into components.schemas or inline.
 */
function flattenAllOf(doc: Json): void {
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const resolve = (node: Json): Json => {
    const ref = typeof node.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(node.$ref)?.[1] : undefined;
    return ref && schemas[ref] ? schemas[ref] : node;
  };
  const done = new Set<Json>();
  const fold = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(fold);
    const schema = node as Json;
    if (done.has(schema)) return;
    done.add(schema);
    for (const value of Object.values(schema)) fold(value);
    if (!Array.isArray(schema.allOf)) return;
    const members = (schema.allOf as Json[]).map(resolve);
    for (const m of members) fold(m);
    if (members.some((m) => m.oneOf || m.anyOf || m['x-open'])) return;
    const properties: Json = {};
    const required = new Set<string>();
    for (const m of [...members, schema]) {
      Object.assign(properties, (m.properties ?? {}) as Json);
      for (const r of (m.required ?? []) as string[]) required.add(r);
    }
    delete schema.allOf;
    schema.type = 'object';
    schema.properties = properties;
    if (required.size > 0) schema.required = [...required];
  };
  fold(doc);
}

/** Every schema in a document: components.schemas, and each `schema` under paths and components. */
function closeObjects(doc: Json): void {
  for (const schema of Object.values((doc.components as Json | undefined)?.schemas ?? {})) closeSchema(schema);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === 'schema') closeSchema(value);
      else if (key !== 'schemas') walk(value);
    }
  };
  walk(doc.paths);
  walk(doc.components);
}

/** The path prefix of the spec's first server (`/client/v4`, `/{organization}`), as a regular expression. */
function basePattern(spec: Json): RegExp | undefined {
  const url = ((spec.servers as { url?: string }[] | undefined)?.[0]?.url ?? '').replace(/^https?:\/\/[^/]+/, '');
  const trimmed = url.replace(/\/$/, '');
  if (!trimmed) return undefined;
  const escaped = trimmed.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}(?=/|$)`);
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head'];

interface LoadedSpec {
  file: string;
  /** Literal path segments of the spec by lower case: Azure's services match paths case-insensitively. */
  literals: Map<string, string>;
  api: OpenApiBackendLike;
  base?: RegExp;
  source: SpecSource;
  /** Declared query parameters per operationId (path and operation level). */
  query: Map<string, Set<string>>;
  /**
   * Operations matched so far by `METHOD path`: openapi-backend rebuilds its operation list and a
   * regular expression per path template on every match, which was a tenth of a rehearsal's CPU.
   */
  matched: Map<string, OasOperation | null>;
}

/** Enough distinct paths for a large estate; past it the memo starts again rather than grow. */
const MAX_MATCHED = 50_000;

function matchOperation(spec: LoadedSpec, method: string, relative: string, headers: Record<string, string>): OasOperation | undefined {
  const key = `${method} ${relative}`;
  const known = spec.matched.get(key);
  if (known !== undefined) return known ?? undefined;
  const operation = spec.api.matchOperation({ method, path: relative, headers });
  if (spec.matched.size >= MAX_MATCHED) spec.matched.clear();
  spec.matched.set(key, operation ?? null);
  return operation;
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** An Ajv error as field and rule. */
function describeError(e: AjvError, where: 'request' | 'response'): { field: string; rule: string } {
  const pointer = (e.instancePath ?? '').split('/').filter((p) => p).join('.');
  const field = where === 'response' ? `response${pointer ? `.${pointer}` : ''}` : pointer || 'request';
  if (e.keyword === 'additionalProperties') return { field, rule: `unknown field "${String(e.params?.additionalProperty ?? '')}"` };
  if (e.keyword === 'enum') return { field, rule: `must be one of ${short(e.params?.allowedValues)}` };
  return { field, rule: e.message ?? e.keyword };
}

/** Every spec in sandbox/specs, ready to check calls. */
export class ContractBook {
  private constructor(private readonly specs: Map<string, LoadedSpec[]>) {}

  /**
   * Loads and initialises the specs; throws when the validator package is missing or (with
   * `validateDocuments`, as the specs' own test does) a spec is not valid OpenAPI 3.0.
   */
  static async load(dir = specsDir(), listeners = LISTENER_SPECS, options: { validateDocuments?: boolean } = {}): Promise<ContractBook> {
    const Backend = await loadValidator();
    if (!Backend) throw new Error(`contract validation needs the npm package ${VALIDATOR_PACKAGE} (npm install ${VALIDATOR_PACKAGE})`);
    const out = new Map<string, LoadedSpec[]>();
    for (const [listener, files] of Object.entries(listeners)) {
      const loaded: LoadedSpec[] = [];
      for (const file of files) {
        const definition = parse(await fs.readFile(path.join(dir, file), 'utf8')) as Json;
        flattenAllOf(definition);
        closeObjects(definition);
        const info = (definition.info ?? {}) as Json;
        const operations: SpecSource['operations'] = [];
        const query = new Map<string, Set<string>>();
        const parameters = ((definition.components as Json | undefined)?.parameters ?? {}) as Record<string, { name: string; in: string }>;
        const param = (x: { name: string; in: string; $ref?: string }) => (x.$ref ? (parameters[x.$ref.replace('#/components/parameters/', '')] ?? x) : x);
        for (const [p, item] of Object.entries((definition.paths ?? {}) as Record<string, Json>)) {
          const shared = ((item.parameters as { name: string; in: string }[] | undefined) ?? []).map(param).filter((x) => x.in === 'query').map((x) => x.name);
          for (const method of METHODS) {
            const op = item[method] as Json | undefined;
            if (!op) continue;
            const id = String(op.operationId ?? `${method.toUpperCase()} ${p}`);
            operations.push({ method: method.toUpperCase(), path: p, operationId: id });
            const own = ((op.parameters as { name: string; in: string }[] | undefined) ?? []).map(param).filter((x) => x.in === 'query').map((x) => x.name);
            query.set(id, new Set([...shared, ...own]));
          }
        }
        const api = new Backend({ definition, strict: true, validate: true, quick: !options.validateDocuments, ajvOpts: { strict: false, allErrors: true, validateFormats: false } });
        await api.init();
        const literals = new Map<string, string>();
        for (const o of operations) for (const seg of o.path.split('/')) if (seg && !seg.includes('{')) literals.set(seg.toLowerCase(), seg);
        loaded.push({
          file,
          literals,
          api,
          ...(basePattern(definition) ? { base: basePattern(definition)! } : {}),
          source: { file, title: String(info.title ?? file), version: String(info.version ?? ''), source: (info['x-source'] ?? {}) as Json, operations },
          query,
          matched: new Map(),
        });
      }
      out.set(listener, loaded);
    }
    return new ContractBook(out);
  }

  /** Every spec's provenance and operations, by listener. */
  sources(): Record<string, SpecSource[]> {
    return Object.fromEntries([...this.specs].map(([listener, specs]) => [listener, specs.map((s) => s.source)]));
  }

  /** Whether the listener speaks a vendor API at all (probes are the estate's own web sites). */
  covers(listener: string): boolean {
    return this.specs.has(listener);
  }

  /** Checks one call; a listener without specs is not checked. */
  check(listener: string, req: CheckedRequest, res?: CheckedResponse): ContractCheck {
    const specs = this.specs.get(listener);
    if (!specs) return { violations: [] };
    // A trailing wildcard route (Consul KV keys) is one path parameter in the spec.
    let reqPath = req.path;
    if (req.route?.endsWith('/*')) {
      const prefix = req.route.slice(0, -1);
      const literal = prefix.split('/').every((seg) => !seg.startsWith(':'));
      if (literal && reqPath.startsWith(prefix) && reqPath.length > prefix.length) reqPath = prefix + encodeURIComponent(reqPath.slice(prefix.length));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    for (const spec of specs) {
      const stripped = spec.base ? reqPath.replace(spec.base, '') || '/' : reqPath;
      if (spec.base && stripped === reqPath) continue;
      const relative = stripped
        .split('/')
        .map((seg) => spec.literals.get(seg.toLowerCase()) ?? seg)
        .join('/');
      const operation = matchOperation(spec, req.method.toLowerCase(), relative, headers);
      if (!operation) continue;
      const id = operation.operationId ?? `${req.method} ${operation.path}`;
      const violations: ContractViolation[] = [];
      const query: Record<string, string | string[]> = {};
      for (const key of new Set(req.query.keys())) {
        const all = req.query.getAll(key);
        query[key] = all.length > 1 ? all : (all[0] ?? '');
      }
      const declared = spec.query.get(id) ?? new Set<string>();
      for (const key of Object.keys(query)) if (!declared.has(key)) violations.push({ where: 'request', operation: id, field: `query.${key}`, rule: 'unknown query parameter' });
      const hasBody = req.rawBody.length > 0;
      if (hasBody && !operation.requestBody) violations.push({ where: 'request', operation: id, field: 'requestBody', rule: 'the operation takes no body' });
      const text = req.body === undefined && hasBody ? req.rawBody.toString('utf8') : req.body;
      const result = spec.api.validateRequest({ method: req.method.toLowerCase(), path: relative, headers, query, ...(hasBody ? { body: text } : {}) }, operation);
      // Refused for want of a token, a request is answered before its body is read. Key Vault
      // answers a request without a token with a 401 challenge naming the authority
      // (https://learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses),
      // and the Azure SDK sends that first request with its body held back (keyvault-common).
      const challenged = res?.status === 401 && headers.authorization === undefined;
      for (const e of result.errors ?? []) {
        const d = describeError(e, 'request');
        if (challenged && d.rule === "must have required property 'requestBody'") continue;
        // Query values were checked above for presence; Ajv still checks their types and formats.
        violations.push({ where: 'request', operation: id, ...d });
      }
      if (res) violations.push(...checkResponse(spec, operation, id, res));
      return { spec: spec.file, operation: id, violations };
    }
    return { violations: [{ where: 'request', operation: `${req.method} ${req.path}`, field: 'path', rule: `no ${listener} spec has ${req.method} ${req.path}` }] };
  }
}

/** The response against the status the spec declares for it (or its default). */
function checkResponse(spec: LoadedSpec, operation: OasOperation, id: string, res: CheckedResponse): ContractViolation[] {
  const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>;
  const declared = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default;
  if (!declared) return [{ where: 'response', operation: id, field: 'status', rule: `status ${res.status} is not a response the spec declares (${Object.keys(responses).join(', ')})` }];
  const type = (Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '').split(';')[0]?.trim() ?? '';
  // Objects go out as JSON (the core adds the content type); text only when it says it is JSON.
  let body = res.body;
  if (body === undefined || body === '' || Buffer.isBuffer(body)) return [];
  if (typeof body === 'string') {
    if (!type.includes('json')) return [];
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return [{ where: 'response', operation: id, field: 'response', rule: 'not JSON although it says so' }];
    }
  }
  if (!declared.content) return [{ where: 'response', operation: id, field: 'response', rule: `status ${res.status} has no body in the spec` }];
  if (!Object.keys(declared.content).some((t) => t.includes('json'))) return [];
  const result = spec.api.validateResponse(body, operation, res.status);
  return (result.errors ?? []).map((e) => ({ where: 'response' as const, operation: id, ...describeError(e, 'response') }));
}
