/**
 * Durations as people write them in window files: `30m`, `4h`, `1h30m`, `2d`,
 * `235m`, ISO 8601 `PT4H`, or a bare number of minutes.
 */

const UNIT_MINUTES: Record<string, number> = { d: 1440, h: 60, m: 1, s: 1 / 60 };
const SHORT = /^(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)s)?$/i;
const ISO = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Parses a duration into minutes; returns undefined when the text is not a duration. */
export function parseDurationMinutes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const match = SHORT.exec(text) ?? ISO.exec(text);
  if (!match || match.slice(1).every((g) => g === undefined)) return undefined;
  const [d, h, m, s] = match.slice(1).map((g) => (g === undefined ? 0 : Number(g)));
  return (d ?? 0) * UNIT_MINUTES.d! + (h ?? 0) * UNIT_MINUTES.h! + (m ?? 0) + (s ?? 0) * UNIT_MINUTES.s!;
}

/** Formats minutes the way the window files write them (`4h 05m`, `35m`). */
export function formatMinutes(minutes: number): string {
  const total = Math.round(minutes);
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h ${String(m).padStart(2, '0')}m`;
}

/** ISO 8601 duration for Azure APIs (`PT3H55M`). */
export function toIsoDuration(minutes: number): string {
  const total = Math.round(minutes);
  const h = Math.floor(total / 60);
  const m = total % 60;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 || h === 0 ? `${m}M` : ''}`;
}
