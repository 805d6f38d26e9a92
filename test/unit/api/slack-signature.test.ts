import { createHmac } from 'node:crypto';
import { SLACK_MAX_AGE_SECONDS, verifySlackSignature } from '../../../shared/api/slack';

/** Slack's v0 request signing, computed here independently of the code under test. */
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW_MS = Date.parse('2026-11-22T05:00:00Z');
const nowSeconds = Math.floor(NOW_MS / 1000);
const body = 'payload=' + encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U04RM0DANA' }, actions: [{ action_id: 'mw-approve', value: 'w|gate' }] }));

function headers(values: Record<string, string>): { get(name: string): string | null } {
  return { get: (name) => values[name.toLowerCase()] ?? null };
}
function signed(secret: string, ts: number, raw: string) {
  return headers({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}` });
}

describe('verifySlackSignature', () => {
  it('accepts a request signed with the secret over the exact body and timestamp', () => {
    expect(verifySlackSignature(SECRET, signed(SECRET, nowSeconds, body), body, NOW_MS)).toEqual({ ok: true });
    // Within the replay window either way (clocks differ a little).
    expect(verifySlackSignature(SECRET, signed(SECRET, nowSeconds - SLACK_MAX_AGE_SECONDS, body), body, NOW_MS)).toEqual({ ok: true });
  });

  it('refuses a changed body, another secret, and a signature of another timestamp', () => {
    expect(verifySlackSignature(SECRET, signed(SECRET, nowSeconds, body), body.replace('mw-approve', 'mw-reject'), NOW_MS)).toEqual({ ok: false, reason: 'the signature does not match' });
    expect(verifySlackSignature(SECRET, signed('another-secret', nowSeconds, body), body, NOW_MS)).toEqual({ ok: false, reason: 'the signature does not match' });
    const h = signed(SECRET, nowSeconds, body);
    const moved = headers({ 'x-slack-request-timestamp': String(nowSeconds - 1), 'x-slack-signature': h.get('x-slack-signature')! });
    expect(verifySlackSignature(SECRET, moved, body, NOW_MS)).toEqual({ ok: false, reason: 'the signature does not match' });
  });

  it('refuses replays: a request signed more than five minutes ago or ahead', () => {
    const stale = verifySlackSignature(SECRET, signed(SECRET, nowSeconds - SLACK_MAX_AGE_SECONDS - 1, body), body, NOW_MS);
    expect(stale).toEqual({ ok: false, reason: 'the request is too old (or from the future): a replay is refused' });
    expect(verifySlackSignature(SECRET, signed(SECRET, nowSeconds + SLACK_MAX_AGE_SECONDS + 1, body), body, NOW_MS).ok).toBe(false);
  });

  it('refuses missing or malformed headers, saying which', () => {
    expect(verifySlackSignature(SECRET, headers({}), body, NOW_MS)).toEqual({ ok: false, reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp' });
    expect(verifySlackSignature(SECRET, headers({ 'x-slack-request-timestamp': 'soon', 'x-slack-signature': 'v0=00' }), body, NOW_MS)).toEqual({ ok: false, reason: 'X-Slack-Request-Timestamp is not a number of seconds' });
    expect(verifySlackSignature(SECRET, headers({ 'x-slack-request-timestamp': String(nowSeconds), 'x-slack-signature': 'v0=short' }), body, NOW_MS)).toEqual({ ok: false, reason: 'the signature does not match' });
  });
});
