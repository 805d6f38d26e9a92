import { z } from 'zod';
import type { PreflightReport } from './types';

/** Where the latest pre-flight of a window is kept (the store's marks), for the status page. */
export const LATEST_PREFLIGHT_MARK = 'preflight:latest';

/** A table property holds 32K characters: the first findings, each message cut, and how many more. */
const MAX_FINDINGS = 50;
const MAX_MESSAGE = 300;

const Latest = z.object({
  ranAtMs: z.number(),
  /** The window's zone and display zones, for its times. */
  zones: z.array(z.string()).min(1),
  errors: z.number().int().min(0),
  warnings: z.number().int().min(0),
  findings: z.array(z.object({ severity: z.enum(['error', 'warn']), field: z.string(), message: z.string() })),
  more: z.number().int().min(0),
  by: z.string(),
});
export type LatestPreflight = z.infer<typeof Latest>;

/** The report as kept: small enough for one table property, secrets never in it (findings name fields and reasons). */
export function latestOf(report: PreflightReport, by: string): string {
  const findings = [...report.findings]
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
    .slice(0, MAX_FINDINGS)
    .map((f) => ({ severity: f.severity, field: f.field, message: f.message.length > MAX_MESSAGE ? `${f.message.slice(0, MAX_MESSAGE - 1)}…` : f.message }));
  const latest: LatestPreflight = { ranAtMs: report.ranAtMs, zones: [report.timeZone, ...report.displayZones.filter((z) => z !== report.timeZone)], errors: report.errors, warnings: report.warnings, findings, more: report.findings.length - findings.length, by };
  return JSON.stringify(latest);
}

/** The kept report, or undefined when there is none or it cannot be read (a page never fails on it). */
export function parseLatest(text: string | undefined): LatestPreflight | undefined {
  if (!text) return undefined;
  try {
    const parsed = Latest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
