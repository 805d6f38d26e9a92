/**
 * The seeds' legend (done / doing / not doing, seeds 001 and 002), widened by what a run can
 * also be: failed, waiting for approval, deferred ("Deferring this upgrade to the next
 * maintenance window", seed 001) and blocked. One word and one colour per state, shared by the
 * status page, the report, the CLI and Slack, so a person reads the same word everywhere.
 * Colours are text on a fill with a contrast of at least 4.5:1 (WCAG 2.1 AA, 1.4.3); the word
 * is always there too, so colour is never the only signal (1.4.1).
 */
export type LegendKey = 'done' | 'doing' | 'not-doing' | 'deferred' | 'failed' | 'waiting-for-approval' | 'waiting' | 'blocked' | 'aborted' | 'pending';

export interface LegendEntry {
  key: LegendKey;
  word: string;
  /** What it means, for the legend. */
  meaning: string;
  fg: string;
  bg: string;
  /** A mark that survives black-and-white printing and Markdown. */
  mark: string;
}

export const LEGEND: readonly LegendEntry[] = [
  { key: 'done', word: 'done', meaning: 'finished and checked', fg: '#ffffff', bg: '#116329', mark: '✔' },
  { key: 'doing', word: 'doing', meaning: 'running now', fg: '#ffffff', bg: '#0550ae', mark: '▶' },
  { key: 'not-doing', word: 'not doing', meaning: 'kept in the page, not run this time', fg: '#ffffff', bg: '#57606a', mark: '–' },
  { key: 'deferred', word: 'deferred', meaning: 'moved to a later window', fg: '#ffffff', bg: '#6639ba', mark: '↷' },
  { key: 'failed', word: 'failed', meaning: 'did not work; see why', fg: '#ffffff', bg: '#a40e26', mark: '✖' },
  { key: 'waiting-for-approval', word: 'waiting for approval', meaning: 'an approver must decide', fg: '#3b2300', bg: '#ffd33d', mark: '?' },
  { key: 'waiting', word: 'waiting', meaning: 'waiting for its time or for the steps before it', fg: '#0a3069', bg: '#ddf4ff', mark: '…' },
  { key: 'blocked', word: 'blocked', meaning: 'cannot run: a step it waits for did not finish', fg: '#ffffff', bg: '#953800', mark: '■' },
  { key: 'aborted', word: 'aborted', meaning: 'stopped before it finished or ran', fg: '#ffffff', bg: '#82071e', mark: '■' },
  { key: 'pending', word: 'not started', meaning: 'its turn has not come', fg: '#24292f', bg: '#eaeef2', mark: '○' },
];

const byKey = new Map(LEGEND.map((e) => [e.key, e]));

/** A step's legend entry: a not-doing step whose reason defers it is "deferred". */
export function legendOf(state: string, detail?: string): LegendEntry {
  if (state === 'not-doing' && detail && /\bdefer/i.test(detail)) return byKey.get('deferred')!;
  return byKey.get(state as LegendKey) ?? byKey.get('pending')!;
}

/** Window and server states use the same palette where they mean the same. */
export const STATE_COLOURS: Record<string, { fg: string; bg: string }> = {
  running: { fg: '#ffffff', bg: '#0550ae' },
  preparing: { fg: '#ffffff', bg: '#0550ae' },
  stopping: { fg: '#ffffff', bg: '#953800' },
  restoring: { fg: '#ffffff', bg: '#953800' },
  succeeded: { fg: '#ffffff', bg: '#116329' },
  failed: { fg: '#ffffff', bg: '#a40e26' },
  aborted: { fg: '#ffffff', bg: '#82071e' },
  'not-started': { fg: '#24292f', bg: '#eaeef2' },
  patched: { fg: '#ffffff', bg: '#116329' },
  patching: { fg: '#ffffff', bg: '#0550ae' },
  skipped: { fg: '#ffffff', bg: '#57606a' },
  in: { fg: '#ffffff', bg: '#116329' },
  out: { fg: '#3b2300', bg: '#ffd33d' },
  passed: { fg: '#ffffff', bg: '#116329' },
  open: { fg: '#3b2300', bg: '#ffd33d' },
  kept: { fg: '#ffffff', bg: '#6639ba' },
};

/** WCAG 2.1 contrast ratio of two `#rrggbb` colours. */
export function contrastRatio(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
