import { createHash } from 'node:crypto';

/** What every run command name the app makes starts with (docs/idempotency.md). */
export const RUN_COMMAND_PREFIX = 'mw-';

/** Longest name we give a managed run command (a resource name; kept well inside ARM's limits). */
const MAX_NAME = 64;
/** Length of the hash at the end of every name. */
const HASH = 16;
/** Room for the readable part between the prefix and `-<hash>`. */
const READABLE = MAX_NAME - RUN_COMMAND_PREFIX.length - 1 - HASH;

const readableOf = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * The deterministic name of one managed run command: the same window, step, server and purpose
 * always give the same name, so a retried activity finds the run it started instead of starting
 * another (docs/idempotency.md). Readable prefix, then a hash of all the parts so long keys stay
 * distinct after trimming.
 */
export function runCommandName(windowId: string, ...parts: string[]): string {
  const hash = createHash('sha256').update([windowId, ...parts].join('\u0000')).digest('hex').slice(0, HASH);
  const readable = readableOf([windowId, ...parts.slice(-2)].join('-'));
  return `${RUN_COMMAND_PREFIX}${readable.slice(0, READABLE).replace(/-$/, '')}-${hash}`;
}

/**
 * What every name {@link runCommandName} makes for this window starts with: the tidy-up deletes
 * only runs whose name starts so, never another window's or someone else's. A window id longer than
 * the readable room is cut as the names cut it (two such ids sharing their first 44 characters share it).
 */
export function runCommandPrefix(windowId: string): string {
  const id = readableOf(windowId);
  return `${RUN_COMMAND_PREFIX}${(id.length < READABLE ? id : id.slice(0, READABLE).replace(/-$/, ''))}-`;
}
