import { createHash } from 'node:crypto';

/** Longest name we give a managed run command (a resource name; kept well inside ARM's limits). */
const MAX_NAME = 64;

/**
 * The deterministic name of one managed run command: the same window, step, server and purpose
 * always give the same name, so a retried activity finds the run it started instead of starting
 * another (docs/idempotency.md). Readable prefix, then a hash of all the parts so long keys stay
 * distinct after trimming.
 */
export function runCommandName(windowId: string, ...parts: string[]): string {
  const hash = createHash('sha256').update([windowId, ...parts].join('\u0000')).digest('hex').slice(0, 16);
  const readable = [windowId, ...parts.slice(-2)]
    .join('-')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return `mw-${readable.slice(0, MAX_NAME - 3 - 1 - hash.length).replace(/-$/, '')}-${hash}`;
}
