/**
 * The clock admin API (`/admin/devhost/clock...`, docs/virtual-clock.md): read the clock,
 * hold it while a question to a person is open, and take part in every move of time.
 * These requests are not work: they never keep the hub from being quiescent (a long-poll
 * for a turn would otherwise wait for itself).
 */
import type http from 'node:http';
import { z } from 'zod';
import type { VirtualClock } from '../clock';
import type { TaskHub } from '../durable/taskHub';
import { type FunctionKeys, checkAuthorization } from './keys';

export const CLOCK_ADMIN_PREFIX = '/admin/devhost/clock';

/** Longest a turn request waits before answering 204. */
const MAX_TURN_WAIT_MS = 120_000;

const HoldBody = z.strictObject({ reason: z.string().min(1, { error: 'must not be empty' }).max(500) });
const ParticipantBody = z.strictObject({ name: z.string().min(1, { error: 'must not be empty' }).max(200) });
/** `wakeAt`: a virtual time (ISO) at which the participant wants a turn even if nothing else happens. */
const AckBody = z.strictObject({ seq: z.number().int().nonnegative(), wakeAt: z.iso.datetime({ offset: true }).optional() });

/** An answer: status and optional JSON body. */
export interface ClockAdminResponse {
  status: number;
  body?: unknown;
}

/** Handles one clock admin request; `path` starts with {@link CLOCK_ADMIN_PREFIX}. */
export async function handleClockAdmin(
  deps: { clock: VirtualClock; hub: TaskHub; keys: FunctionKeys },
  req: { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: unknown },
): Promise<ClockAdminResponse> {
  const { clock, hub } = deps;
  const rest = req.path.slice(CLOCK_ADMIN_PREFIX.length);
  if (rest === '' || rest === '/') {
    if (req.method !== 'GET') return methodNotAllowed(req.method, 'GET');
    return { status: 200, body: { ...clock.reading(), ...hub.time.describe(), busy: hub.busyWith() } };
  }
  // Changing the clock takes the master key when the host has one (local.settings.json Keys.master).
  if (deps.keys.master !== undefined) {
    const auth = checkAuthorization('admin', { query: req.query, headers: req.headers }, deps.keys, 'devhost clock');
    if (!auth.authorized) return problem(401, auth.reason ?? 'the master key is required');
  }
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  const [collection, id, action] = parts;
  if (collection === 'holds' && parts.length === 1) {
    if (req.method !== 'POST') return methodNotAllowed(req.method, 'POST');
    const body = HoldBody.safeParse(req.body ?? {});
    if (!body.success) return invalid(body.error);
    const hold = hub.time.hold(body.data.reason);
    return { status: 201, body: { id: hold.id, reason: hold.reason, since: hold.since } };
  }
  if (collection === 'holds' && id && parts.length === 2) {
    if (req.method !== 'DELETE') return methodNotAllowed(req.method, 'DELETE');
    const hold = hub.time.getHold(id);
    if (!hold) return problem(404, `no hold '${id}'`);
    hold.release();
    return { status: 204 };
  }
  if (collection === 'participants' && parts.length === 1) {
    if (req.method !== 'POST') return methodNotAllowed(req.method, 'POST');
    const body = ParticipantBody.safeParse(req.body ?? {});
    if (!body.success) return invalid(body.error);
    const p = hub.time.participate(body.data.name);
    return { status: 201, body: { id: p.id, name: p.name } };
  }
  if (collection === 'participants' && id) {
    const p = hub.time.getParticipant(id);
    if (!p) return problem(404, `no participant '${id}'`);
    if (parts.length === 2) {
      if (req.method !== 'DELETE') return methodNotAllowed(req.method, 'DELETE');
      p.leave();
      return { status: 204 };
    }
    if (action === 'turn' && parts.length === 3) {
      if (req.method !== 'GET') return methodNotAllowed(req.method, 'GET');
      const raw = req.query.get('timeoutMs');
      const timeoutMs = raw === null ? 30_000 : Number(raw);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TURN_WAIT_MS) return problem(400, `timeoutMs: expected an integer from 0 to ${MAX_TURN_WAIT_MS}, got '${raw ?? ''}'`);
      const turn = await p.turn(timeoutMs);
      return turn ? { status: 200, body: { seq: turn.seq, nowMs: turn.nowMs, now: new Date(turn.nowMs).toISOString() } } : { status: 204 };
    }
    if (action === 'ack' && parts.length === 3) {
      if (req.method !== 'POST') return methodNotAllowed(req.method, 'POST');
      const body = AckBody.safeParse(req.body ?? {});
      if (!body.success) return invalid(body.error);
      p.ack(body.data.seq, body.data.wakeAt === undefined ? undefined : Date.parse(body.data.wakeAt));
      return { status: 204 };
    }
  }
  return problem(404, `no clock admin route ${req.method} ${req.path}`);
}

function problem(status: number, message: string): ClockAdminResponse {
  return { status, body: { error: message } };
}

function methodNotAllowed(method: string, allowed: string): ClockAdminResponse {
  return problem(405, `method ${method} not allowed here; use ${allowed}`);
}

function invalid(error: z.ZodError): ClockAdminResponse {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  return problem(400, `${field}: ${issue?.message ?? 'invalid'}`);
}
