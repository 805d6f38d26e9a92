import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SlackActions } from '../orchestrations/names';
import { gateOf } from './gates';
import { currentRun, decide, type ApiDeps, type ApiRequest, type ApiResponse } from './windows';

/**
 * Slack interactivity: an approver clicks Approve or Reject under an approval request and
 * Slack POSTs the click here. Slack cannot send a function key, so the request is trusted
 * only when its signature verifies with the app's signing secret; the person is the window's
 * person whose `slack` id clicked, and the same rules as the HTTP API apply (listed approver,
 * four-eyes, gate open). Slack wants a 200 within three seconds whatever the outcome, so the
 * outcome goes back to the clicker as an ephemeral message through the click's response_url.
 */

/** Slack's replay window: a request signed more than five minutes ago is refused. */
export const SLACK_MAX_AGE_SECONDS = 300;

export interface SlackInteractivity {
  signingSecret: string;
  /** Where response_url may point (Slack's hooks host, or the simulated Slack locally); anything else is not called. */
  responseOrigins: string[];
  /** POSTs JSON to a response_url (HTTPS with the configured CA locally). */
  respond(url: string, body: unknown): Promise<void>;
  /** Real time: Slack signs with its own clock, not a rehearsal's virtual one. */
  nowMs(): number;
}

/** Checks `X-Slack-Signature` over the exact body and `X-Slack-Request-Timestamp` (v0 scheme). */
export function verifySlackSignature(secret: string, headers: { get(name: string): string | null }, rawBody: string, nowMs: number): { ok: true } | { ok: false; reason: string } {
  const timestamp = headers.get('x-slack-request-timestamp');
  const signature = headers.get('x-slack-signature');
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp' };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a number of seconds' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_MAX_AGE_SECONDS) return { ok: false, reason: 'the request is too old (or from the future): a replay is refused' };
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'the signature does not match' };
  return { ok: true };
}

/** The part of a block_actions payload the app reads (Slack sends much more). */
const BlockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  response_url: z.string().url().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

export async function slackInteraction(deps: ApiDeps, slack: SlackInteractivity | undefined, req: ApiRequest): Promise<ApiResponse> {
  if (!slack) return refuse(404, 'SlackNotConfigured', 'Slack interactivity is not configured (MW_SLACK_SIGNING_SECRET)');
  const raw = req.rawBody ?? '';
  const verified = verifySlackSignature(slack.signingSecret, req.headers, raw, slack.nowMs());
  if (!verified.ok) return refuse(401, 'InvalidSlackSignature', verified.reason);

  const form = new URLSearchParams(raw);
  let json: unknown;
  try {
    json = JSON.parse(form.get('payload') ?? '');
  } catch {
    return refuse(400, 'InvalidPayload', 'payload: expected a form field "payload" holding JSON');
  }
  const parsed = BlockActions.safeParse(json);
  // Other interaction types (shortcuts, view submissions) are not the app's; Slack only needs the 200.
  if (!parsed.success) return (json as { type?: unknown } | null)?.type === 'block_actions' ? refuse(400, 'InvalidPayload', `payload.${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`) : { status: 200 };
  const payload = parsed.data;
  const action = payload.actions.find((a) => a.action_id === SlackActions.approve || a.action_id === SlackActions.reject);
  if (!action) return { status: 200 };

  // A signed request replayed inside the five-minute window verifies again: remember each signed
  // payload once (its hash, claimed in the store), so a replay is answered but never counted twice.
  const clickKey = `slack-click:${createHash('sha256').update(`${req.headers.get('x-slack-request-timestamp') ?? ''}:${raw}`).digest('hex')}`;
  if (!(await deps.store.claimMark(SLACK_CLICKS, clickKey, new Date(slack.nowMs()).toISOString()))) {
    deps.log?.(`Slack click by ${payload.user.id} replayed: answered, not recorded again`);
    return { status: 200, jsonBody: { text: ':information_source: This click was already received; nothing more was recorded.' } };
  }
  let text: string;
  try {
    text = await decideFromSlack(deps, payload.user.id, action.action_id === SlackActions.approve ? 'approve' : 'reject', action.value ?? '');
  } catch (error) {
    // Nothing was recorded: let the person click again.
    await deps.store.clearMark(SLACK_CLICKS, clickKey).catch(() => undefined);
    throw error;
  }
  const url = payload.response_url;
  if (url && slack.responseOrigins.includes(new URL(url).origin)) {
    // The decision is recorded by now: a failing response_url costs the clicker the ephemeral note, never a 500.
    try {
      await slack.respond(url, { response_type: 'ephemeral', replace_original: false, text });
    } catch (error) {
      deps.log?.(`Slack response_url failed after the click by ${payload.user.id} was handled: ${(error as Error).message}`);
    }
  }
  return { status: 200, jsonBody: { text } };
}

/** The store partition holding the hashes of Slack clicks already handled. */
const SLACK_CLICKS = '_slack-clicks';

/** The outcome in words for the person who clicked. */
async function decideFromSlack(deps: ApiDeps, slackUser: string, decision: 'approve' | 'reject', value: string): Promise<string> {
  const [windowId, gateId] = value.split('|');
  const current = await currentRun(deps, windowId);
  if (!current.ok) return `:warning: ${messageOf(current.response)}`;
  const gate = gateOf(current.value.runbook, gateId);
  if (!gate) return `:warning: window "${windowId}" has no approval gate "${gateId ?? ''}"`;
  const person = Object.entries(current.value.runbook.people).find(([, p]) => p.slack?.toUpperCase() === slackUser.toUpperCase())?.[0];
  const result = await decide(deps, current.value, gate, { id: person ?? `Slack user ${slackUser}`, person }, { decision, via: 'slack' });
  if (result.status === 202) return `:white_check_mark: Your ${decision === 'approve' ? 'approval' : 'rejection'} of ${gate.title} (${gate.id}) is recorded.`;
  return `:no_entry: Not recorded: ${messageOf(result)}`;
}

function messageOf(response: ApiResponse): string {
  return (response.jsonBody as { error?: { message?: string } } | undefined)?.error?.message ?? `status ${response.status}`;
}

function refuse(status: number, code: string, message: string): ApiResponse {
  return { status, jsonBody: { error: { code, message } } };
}
