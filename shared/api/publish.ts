import { z } from 'zod';
import { loadWindowText } from '../window/load';
import { windowIdOf } from '../window/source';
import { error, parseBody, requireAllowed, type ApiDeps, type ApiRequest, type ApiResponse } from './windows';

/**
 * `mw publish`: a platform engineer uploads a window file, which is validated again here (the
 * CLI validated it too, but the API never trusts a client) and kept as a new revision. The
 * scheduler and the start endpoint use the latest; a running window keeps its own.
 */

/** A window file is a few tens of kilobytes; a megabyte is a mistake, not a window. */
const MAX_WINDOW_BYTES = 1_000_000;

const PublishBody = z.strictObject({
  /** The window file's YAML text. */
  text: z.string().min(1, 'the window file is empty').refine((t) => Buffer.byteLength(t) <= MAX_WINDOW_BYTES, `a window file is at most ${MAX_WINDOW_BYTES} bytes`),
  /** The file's name, for people (no folders). */
  file: z.string().regex(/^[A-Za-z0-9._-]{1,120}\.ya?ml$/, 'a file name such as 2025-06-22-monthly.yaml').optional(),
});

export async function publishWindow(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  if (!deps.publisher) return error(404, 'PublishingNotConfigured', 'this app has no window store to publish into');
  const windowId = req.params.windowId ?? '';
  const who = requireAllowed(deps, req, { kind: 'publish' });
  if (!who.ok) return who.response;
  const body = parseBody(PublishBody, req);
  if (!body.ok) return body.response;
  const declared = windowIdOf(body.value.text);
  if (declared !== windowId) return error(400, 'InvalidBody', `text.id: the file declares id "${declared ?? ''}", not "${windowId}"`, { field: 'text.id' });
  const file = body.value.file ?? `${windowId}.yaml`;
  const loaded = loadWindowText(body.value.text, file);
  if (!loaded.window) {
    return error(400, 'InvalidWindow', `the window has ${loaded.problems.length} problem(s); run mw validate`, { problems: loaded.problems.slice(0, 100) });
  }
  const published = await deps.publisher.publish({ windowId, file, text: body.value.text, by: who.caller.id, at: new Date(await deps.clock.now()).toISOString() });
  return { status: published.unchanged ? 200 : 201, jsonBody: published };
}

export async function listRevisions(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  if (!deps.publisher) return error(404, 'PublishingNotConfigured', 'this app has no window store to publish into');
  const windowId = req.params.windowId ?? '';
  const revisions = await deps.publisher.revisions(windowId);
  if (revisions.length === 0) return error(404, 'WindowNotFound', `no published revision of "${windowId}"`);
  return { status: 200, jsonBody: { windowId, revisions } };
}
