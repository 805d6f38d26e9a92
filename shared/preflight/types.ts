import type { Ports } from '../ports';
import type { WindowDef } from '../window/schema';

/**
 * One thing the pre-flight found: which window field it comes from (`phases[1].steps[3].pipeline`),
 * how bad it is, and what to do. `error`: the window will fail on it; `warn`: look before the weekend.
 */
export interface Finding {
  severity: 'error' | 'warn';
  /** The check that found it (credentials, resources, permissions, pools, page, chat, pipelines, secrets). */
  check: CheckName;
  field: string;
  message: string;
}

export const CHECK_NAMES = ['credentials', 'resources', 'permissions', 'pools', 'page', 'chat', 'pipelines', 'secrets'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** The outcome of one pre-flight: what was looked at, what was found. */
export interface PreflightReport {
  windowId: string;
  title: string;
  timeZone: string;
  displayZones: string[];
  /** When it ran (epoch ms; rendered in the window's zones). */
  ranAtMs: number;
  /** How many things each check looked at. */
  checked: Record<CheckName, number>;
  findings: Finding[];
  errors: number;
  warnings: number;
}

/** What the checks need: the window, the ports (read-only methods only) and a few settings. */
export interface PreflightContext {
  window: WindowDef;
  ports: Pick<Ports, 'compute' | 'pools' | 'secrets' | 'dns' | 'chat' | 'pipelines' | 'uptime' | 'mail' | 'consul' | 'probes' | 'access'>;
  /** Where alert processing rules live (`/subscriptions/…/resourceGroups/…`), when configured. */
  alertRulesScope?: string;
  /** Now, epoch ms (expiry is judged against the window's end). */
  nowMs: number;
  /** The window's planned end, epoch ms: a credential expiring before it is an error. */
  endsAtMs: number;
}

/** Adds findings and counts; every check gets one. */
export interface Recorder {
  error(check: CheckName, field: string, message: string): void;
  warn(check: CheckName, field: string, message: string): void;
  count(check: CheckName, n?: number): void;
}

/** A check: reads through the ports, records what it finds, never throws for a vendor's answer. */
export type Check = (ctx: PreflightContext, out: Recorder) => Promise<void>;

/** A vendor error as one line (adapters already name the vendor and the action). */
export function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
