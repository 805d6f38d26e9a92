import { createHash } from 'node:crypto';

/** What every run command name the app makes starts with (docs/idempotency.md). */
export const RUN_COMMAND_PREFIX = 'mw-';

/** Longest name we give a managed run command (a resource name; kept well inside ARM's limits). */
const MAX_NAME = 64;
/** Length of the hash at the end of every name. */
const HASH = 16;
/** Room for the readable window id: the rest of the name names the step and server. */
const ID_ROOM = 16;
/** Length of the hash of the whole window id after its readable part. */
const ID_HASH = 8;
/** Between the window id and the rest: never inside a readable id, whose runs of '-' collapse to one. */
const SEPARATOR = '--';

const readableOf = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The window's part of every name: its readable id, trimmed, and a hash of the whole id, so two
 * windows whose ids read alike once trimmed or cleaned ('a_b', 'a-b') never share it.
 */
const idOf = (windowId: string): string => `${readableOf(windowId).slice(0, ID_ROOM).replace(/-$/, '') || 'w'}-${sha256(windowId).slice(0, ID_HASH)}`;

/**
 * The deterministic name of one managed run command: the same window, step, server and purpose
 * always give the same name, so a retried activity finds the run it started instead of starting
 * another (docs/idempotency.md). The window id, `--`, a readable rest, then a hash of all the
 * parts so long keys stay distinct after trimming.
 */
export function runCommandName(windowId: string, ...parts: string[]): string {
  const hash = sha256([windowId, ...parts].join('\u0000')).slice(0, HASH);
  const head = `${RUN_COMMAND_PREFIX}${idOf(windowId)}${SEPARATOR}`;
  const rest = readableOf(parts.slice(-2).join('-')).slice(0, MAX_NAME - head.length - 1 - HASH).replace(/-$/, '');
  return `${head}${rest ? `${rest}-` : ''}${hash}`;
}

/**
 * What every name {@link runCommandName} makes for this window starts with: the tidy-up deletes
 * only runs whose name starts so, never another window's or someone else's. The hash of the whole
 * id keeps two windows apart however alike their ids read; the `--` after it ends the prefix.
 */
export function runCommandPrefix(windowId: string): string {
  return `${RUN_COMMAND_PREFIX}${idOf(windowId)}${SEPARATOR}`;
}
