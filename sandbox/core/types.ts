/**
 * The contract between the sandbox core and every simulated vendor service
 * (see the sandbox contract shared by the engineers building sandbox/).
 * Services depend only on these types; the core owns transport, call log, faults and auth.
 */
import type { IncomingHttpHeaders } from 'http';

/**
 * Source of (possibly virtual) time. Same shape as devhost's clock: the sandbox never imports
 * devhost internals, so the interface is restated here.
 */
export interface ClockSource {
  /** Current (virtual) time, epoch milliseconds. */
  now(): number;
  /** Brings now() up to date before a request is served (a clock read across processes); never rejects. */
  sync?(): Promise<void>;
}

/** A request as a service handler sees it, after routing and body parsing. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Values captured by the route pattern, e.g. '/zones/:zoneId/dns_records/:recordId'. */
  params: Record<string, string>;
  rawBody: Buffer;
  /** Parsed JSON, or a plain object for form-encoded bodies, else undefined. */
  body: unknown;
}

/** What a handler returns; objects and arrays in `body` are sent as JSON. */
export interface SandboxResponse {
  /** HTTP status; 0 drops the connection without an answer (nothing listens at that address). */
  status: number;
  headers?: Record<string, string>;
  body?: unknown /* JSON */ | string | Buffer;
}

/** A route handler: may be async. Thrown errors become a 500 in the vendor-neutral shape. */
export type RouteHandler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

/** Registers handlers on one listener. Patterns use `:name` segments and an optional trailing `*`. */
export interface Router {
  route(method: string, pattern: string, handler: RouteHandler): void;
}

/** What every service receives when the sandbox builds it. */
export interface ServiceContext {
  /** { now(): number } epoch ms, virtual when the devhost drives it. */
  clock: ClockSource;
  /** The parsed estate YAML; each service validates its own section with zod. */
  estate: Readonly<Record<string, unknown>>;
  /** e.g. baseUrl('cloudflare') -> 'https://127.0.0.1:7444' */
  baseUrl(service: string): string;
  /** Deterministic, counter-based ids. */
  newId(prefix: string): string;
}

/** One simulated vendor (or part of one), mounted on the listener named `name`. */
export interface SandboxService {
  /** 'cloudflare', 'slack', ... = the listener name (see LISTENERS in sandbox/core/ports.ts). */
  readonly name: string;
  register(router: Router): void;
  /** JSON for /_sandbox/state under state[name]: never secret values (metadata only). */
  snapshot(): unknown;
  /** Optional: full state for persistence across a restart, and its restore. */
  save?(): unknown;
  load?(saved: unknown): void;
  /**
   * Optional, instead of save/load: the state in parts (a VM, an operation...), for a service
   * whose state is large and of which a write changes little. The estate saves before it answers
   * every write, and writes only the parts that changed (sandbox/core/persistence.ts).
   */
  parts?: PartedState;
}

/** A service's state as parts, each JSON text under a stable key. */
export interface PartedState {
  /** Every part. */
  all(): Map<string, string>;
  /**
   * Every part that may have changed since the last all()-and-changed() or changed() call, with
   * its text now (null: removed). It may list parts that did not change; it must not miss one.
   */
  changed(): Map<string, string | null>;
  /** Replaces the whole state with these parts (parsed). */
  load(parts: Map<string, unknown>): void;
  /** Applies one part over the loaded state (null removes it). */
  loadPart(key: string, value: unknown): void;
}

/** Builds a service from the shared context. */
export type ServiceFactory = (ctx: ServiceContext) => SandboxService;
