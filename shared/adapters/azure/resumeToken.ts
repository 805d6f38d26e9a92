/**
 * Resume tokens of Azure long-running operations, packed small.
 *
 * A token holds the SDK poller's serialized state: about 1 KB of JSON (three absolute operation
 * URLs) that is itself a JSON string inside the token. The orchestrator passes every running
 * member's token to each poll, so each poll's input lands in the orchestration history, and every
 * later episode of that orchestration reads it back (replay sends the whole history). Kept as
 * JSON, each nesting level escapes the quotes again: one installPatches token took about 1.8 KB
 * of the history text and a 25-server chunk's history grew past 900 KB. Deflated and in base64url
 * it has no quote to escape and takes about 480 characters. On Azure the same size matters twice:
 * the extension moves any message over 45 KB to a blob, and history rows are limited in size.
 *
 * Tokens written before this change (plain JSON) are still read, so an orchestration in flight
 * across a deploy keeps polling.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { z } from 'zod';

const PACKED = 'z1.';
/** A token's JSON is about 1 KB; anything near this is not one of ours (and no inflate bomb gets through). */
const MAX_JSON_BYTES = 64 * 1024;

/** The token's JSON, deflated, in base64url, after a format prefix. */
export function packToken(token: object): string {
  return PACKED + deflateRawSync(Buffer.from(JSON.stringify(token), 'utf8')).toString('base64url');
}

/** The token's JSON value (packed, or plain JSON as written before packing). */
export function unpackToken(resumeToken: string): unknown {
  if (!resumeToken.startsWith(PACKED)) return JSON.parse(resumeToken) as unknown;
  const packed = resumeToken.slice(PACKED.length);
  if (!/^[A-Za-z0-9_-]*$/.test(packed)) throw new TypeError('not base64url');
  return JSON.parse(inflateRawSync(Buffer.from(packed, 'base64url'), { maxOutputLength: MAX_JSON_BYTES }).toString('utf8')) as unknown;
}

/** Reads a token of one kind, or throws a TypeError that says why it is not one. */
export function readToken<S extends z.ZodTypeAny>(resumeToken: string, schema: S, kind: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = unpackToken(resumeToken);
  } catch {
    throw new TypeError(`resumeToken is not a ${kind} resume token (not a packed token or JSON)`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new TypeError(`resumeToken is not a ${kind} resume token (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data as z.infer<S>;
}
