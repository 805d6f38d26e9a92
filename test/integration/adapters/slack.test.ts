import { WebClientEvent, type WebClient } from '@slack/web-api';
import { createSlackClient } from '../../../shared/adapters/slack/client';
import { SlackChatClient } from '../../../shared/adapters/slack/chat';
import type { SlackSnapshot } from '../../../sandbox/slack/service';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const TOKEN = 'xoxb-sandbox-0001-maintenance-bot';
const env = useAdapterSandbox();

function web(options: { retries?: number; token?: string } = {}): WebClient {
  return createSlackClient({
    token: options.token ?? TOKEN,
    apiUrl: `${env.sandbox.urls.slack}/api/`,
    caPem: env.sandbox.caPem,
    retryConfig: { retries: options.retries ?? 0, minTimeout: 1, maxTimeout: 5 },
  });
}

async function channel(name: string) {
  return (await env.state<SlackSnapshot>('slack')).channels.find((c) => c.name === name);
}

describe('SlackChatClient against the simulated Slack', () => {
  it("posts to '#name' and 'name' alike and updates by name or id", async () => {
    const chat = new SlackChatClient(web());
    const first = await chat.postMessage('#eng-monthlymaintenance', 'Window 2025-06-22 starting');
    const second = await chat.postMessage('eng-monthlymaintenance', 'Phase 1: pre-work');
    const state = await channel('eng-monthlymaintenance');
    expect(first.channel).toBe(state?.id);
    expect(second.channel).toBe(state?.id);
    expect(state?.messages.map((m) => m.ts)).toEqual([first.ts, second.ts]);

    await chat.updateMessage('#eng-monthlymaintenance', first.ts, 'Window 2025-06-22 started');
    await chat.updateMessage(second.channel, second.ts, 'Phase 1: pre-work done');
    const after = await channel('eng-monthlymaintenance');
    expect(after?.messages.map((m) => m.text)).toEqual(['Window 2025-06-22 started', 'Phase 1: pre-work done']);
    expect(after?.messages[0]?.history).toEqual(['Window 2025-06-22 starting']);
  });

  it('lays results out as Block Kit sections, the text kept as the fallback', async () => {
    const chat = new SlackChatClient(web());
    const text = 'E2E mini window succeeded.\nDone 7, not doing 1.';
    const posted = await chat.postMessage('#eng-monthlymaintenance', text, { sections: ['E2E mini window succeeded.', 'Done 7, not doing 1.', ''] });
    const message = (await channel('eng-monthlymaintenance'))?.messages.find((m) => m.ts === posted.ts) as { text: string; blocks?: { type: string; text?: { type: string; text: string } }[] } | undefined;
    expect(message?.text).toBe(text);
    expect(message?.blocks?.map((b) => [b.type, b.text?.type, b.text?.text])).toEqual([
      ['section', 'mrkdwn', 'E2E mini window succeeded.'],
      ['section', 'mrkdwn', 'Done 7, not doing 1.'],
    ]);
  });

  it('resolves a channel it never posted to through conversations.list before chat.update', async () => {
    const poster = new SlackChatClient(web());
    const posted = await poster.postMessage('dailyops', 'Patching web batch 1');
    const fresh = new SlackChatClient(web());
    await fresh.updateMessage('#DailyOps', posted.ts, 'Patched web batch 1');
    expect((await channel('dailyops'))?.messages.map((m) => m.text)).toEqual(['Patched web batch 1']);
    const updates = await env.calls({ listener: 'slack', path: '/api/chat.update' });
    expect(updates.at(-1)?.status).toBe(200);
    expect((await env.calls({ listener: 'slack', path: '/api/conversations.list' })).length).toBeGreaterThan(0);
  });

  it('maps Slack platform errors to clear permanent errors', async () => {
    const chat = new SlackChatClient(web());
    await expectPermanent(chat.postMessage('#no-such-channel', 'x'), /slack: could not post a message in #no-such-channel: the channel does not exist or the bot cannot see it \(channel_not_found\)/);
    await expectPermanent(chat.postMessage('engineering-issues-internal', 'x'), /not a member of the channel.*not_in_channel/);
    await expectPermanent(chat.updateMessage('#no-such-channel', '1750579200.000001', 'x'), /#no-such-channel.*channel_not_found/);
    await expectPermanent(chat.updateMessage('#dailyops', '1.000001', 'x'), /message_not_found/);
    await expectPermanent(new SlackChatClient(web({ token: 'xoxb-wrong-token' })).postMessage('#dailyops', 'x'), /the bot token was refused \(invalid_auth\)/, ['xoxb-wrong-token']);
  });

  it('lets the SDK wait out a 429 under its retry config, and reports one that outlasts it as transient', async () => {
    await env.addFaults({ kind: 'slack-ratelimit', method: 'chat.postMessage', perMinute: 1, retryAfterSeconds: 0 });
    env.clock.advance(60_000);
    const client = web({ retries: 2 });
    // Slack's Retry-After is measured on the virtual clock here: let a minute pass when the SDK backs off.
    const onLimited = () => env.clock.advance(60_000);
    client.on(WebClientEvent.RATE_LIMITED, onLimited);
    const chat = new SlackChatClient(client);
    await chat.postMessage('#platform-int', 'one');
    await chat.postMessage('#platform-int', 'two');
    expect((await channel('platform-int'))?.messages.map((m) => m.text)).toEqual(['one', 'two']);
    const statuses = (await env.calls({ listener: 'slack', path: '/api/chat.postMessage' })).slice(-3).map((c) => c.status);
    expect(statuses).toEqual([200, 429, 200]);

    client.off(WebClientEvent.RATE_LIMITED, onLimited);
    await expectTransient(chat.postMessage('#platform-int', 'three'), 'slack', 429);
    const attempts = (await env.calls({ listener: 'slack', path: '/api/chat.postMessage' })).slice(-3).map((c) => c.status);
    expect(attempts).toEqual([429, 429, 429]);
    expect((await channel('platform-int'))?.messages).toHaveLength(2);
  });

  it('reports 5xx after the retries as TransientVendorError', async () => {
    await env.addFaults({ listener: 'slack', path: '/api/chat.postMessage', status: 503, count: 3 });
    await expectTransient(new SlackChatClient(web({ retries: 1 })).postMessage('#maintenance', 'x'), 'slack', 503);
    await new SlackChatClient(web({ retries: 1 })).postMessage('#maintenance', 'after the outage');
    expect((await channel('maintenance'))?.messages.map((m) => m.text)).toEqual(['after the outage']);
  });
});
