import { createHash } from 'node:crypto';

/** What every run command name the app makes starts with (docs/idempotency.md). */
export const RUN_COMMAND_PREFIX = 'mw-';

/** Longest name we give a managed run command (a resource name; kept well inside ARM's limits). */
const MAX_NAME = 64;
/** Length of the hash at the end of every name. */
const HASH = 16;
/** Room for the window id: the rest of the readable part names the step and server. */
const ID_ROOM = 24;
/** Between the window id and the rest: never inside a readable id, whose runs of '-' collapse to one. */
const SEPARATOR = '--';

const readableOf = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');

const idOf = (windowId: string): string => readableOf(windowId).slice(0, ID_ROOM).replace(/-$/, '') || 'w';

/**
 * The deterministic name of one managed run command: the same window, step, server and purpose
 * always give the same name, so a retried activity finds the run it started instead of starting
 * another (docs/idempotency.md). The window id, `--`, a readable rest, then a hash of all the
 * parts so long keys stay distinct after trimming.
 */
export function runCommandName(windowId: string, ...parts: string[]): string {
  const hash = createHash('sha256').update([windowId, ...parts].join('\u0000')).digest('hex').slice(0, HASH);
  const head = `${RUN_COMMAND_PREFIX}${idOf(windowId)}${SEPARATOR}`;
  const rest = readableOf(parts.slice(-2).join('-')).slice(0, MAX_NAME - head.length - 1 - HASH).replace(/-$/, '');
  return `${head}${rest ? `${rest}-` : ''}${hash}`;
}

/**
 * What every name {@link runCommandName} makes for this window starts with: the tidy-up deletes
 * only runs whose name starts so, never another window's or someone else's. The `--` after the id
 * keeps `w1` from matching `w10`'s runs; two ids that share their first 24 readable characters
 * share it.
 */
export function runCommandPrefix(windowId: string): string {
  return `${RUN_COMMAND_PREFIX}${idOf(windowId)}${SEPARATOR}`;
}
