import { createHmac } from 'node:crypto';
import { slackInteraction, type SlackInteractivity } from '../../../shared/api/slack';
import { fakeDeps, headersOf } from './fakes';

/** A Slack button click on the approval request, signed as Slack signs (v0), computed here. */
const SECRET = 'slack-signing-secret-for-tests';
const NOW_MS = Date.parse('2026-11-22T05:00:00Z');

function click(user: string, ts = Math.floor(NOW_MS / 1000)) {
  const payload = { type: 'block_actions', user: { id: user }, response_url: 'https://hooks.slack.com/actions/T1/1/abc', actions: [{ action_id: 'mw-approve', value: 'w1|go-ahead' }] };
  const rawBody = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${rawBody}`).digest('hex')}`;
  return { params: {}, headers: headersOf({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature }), body: undefined, rawBody };
}

function slack(respond: SlackInteractivity['respond']): SlackInteractivity {
  return { signingSecret: SECRET, responseOrigins: ['https://hooks.slack.com'], respond, nowMs: () => NOW_MS };
}

function depsWithSlackIds() {
  const made = fakeDeps({ mode: 'app-service', states: { 'go-ahead': 'waiting-for-approval' } });
  return made;
}

describe('Slack interactivity', () => {
  it('answers a replayed signed click but records it once', async () => {
    const { deps, changes, logs } = depsWithSlackIds();
    const runbook = await deps.store.getRunbook('w1', 'r1');
    runbook!.people.dana!.slack = 'U0DANA';
    const responses: unknown[] = [];
    const s = slack(async (_url, body) => void responses.push(body));
    const first = click('U0DANA');
    const a = await slackInteraction(deps, s, first);
    const b = await slackInteraction(deps, s, { ...first });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(changes.raised).toHaveLength(1);
    expect(changes.raised[0]).toMatchObject({ instanceId: expect.stringContaining('go-ahead'), data: { by: 'dana', decision: 'approve', via: 'slack' } });
    expect(JSON.stringify(b.jsonBody)).toMatch(/already received/);
    expect(logs.join('\n')).toMatch(/replayed/);
  });

  it('a new click by the same person (another signature) is decided again, and the gate rules apply', async () => {
    const { deps, changes } = depsWithSlackIds();
    (await deps.store.getRunbook('w1', 'r1'))!.people.dana!.slack = 'U0DANA';
    const s = slack(async () => undefined);
    await slackInteraction(deps, s, click('U0DANA'));
    await slackInteraction(deps, s, click('U0DANA', Math.floor(NOW_MS / 1000) - 1));
    // Both reach the gate; the gate itself counts each person once (its own tests say so).
    expect(changes.raised).toHaveLength(2);
  });

  it('gives the clicker 200 when response_url fails after the decision is recorded, and logs it', async () => {
    const { deps, changes, logs } = depsWithSlackIds();
    (await deps.store.getRunbook('w1', 'r1'))!.people.dana!.slack = 'U0DANA';
    const s = slack(async () => {
      throw new Error('Slack response_url answered 404');
    });
    const r = await slackInteraction(deps, s, click('U0DANA'));
    expect(r.status).toBe(200);
    expect(changes.raised).toHaveLength(1);
    expect(logs.join('\n')).toMatch(/response_url failed.*404/);
  });

  it('refuses a click from someone who is not an approver, recording nothing', async () => {
    const { deps, changes } = depsWithSlackIds();
    (await deps.store.getRunbook('w1', 'r1'))!.people.mallory!.slack = 'U0MALL';
    const r = await slackInteraction(deps, slack(async () => undefined), click('U0MALL'));
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.jsonBody)).toMatch(/Not recorded/);
    expect(changes.raised).toEqual([]);
  });
});
