import { ErrorCode, type ChatPostMessageResponse, type WebAPIPlatformError, type WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { createSlackClient } from '../../../../shared/adapters/slack/client';
import type { SlackSnapshot } from '../../../../sandbox/slack/service';
import { useVendorSandbox } from './harness';

const TOKEN = 'xoxb-sandbox-0001-maintenance-bot';
const env = useVendorSandbox();
let slack: WebClient;

beforeAll(() => {
  slack = createSlackClient({ token: TOKEN, apiUrl: `${env.sandbox.urls.slack}/api/`, caPem: env.sandbox.caPem, retryConfig: { retries: 0 } });
});

describe('simulated Slack through @slack/web-api', () => {
  it('posts by channel name and id, updates a message, and keeps messages in order per channel', async () => {
    const first: ChatPostMessageResponse = await slack.chat.postMessage({ channel: 'dailyops', text: 'Maintenance starting' });
    expect(first.ok).toBe(true);
    const second = await slack.chat.postMessage({ channel: '#maintenance', text: 'Maintenance starting', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Maintenance* starting' } }] });
    const third = await slack.chat.postMessage({ channel: first.channel as string, text: 'Web servers 1-5 patched' });
    const updated = await slack.chat.update({ channel: first.channel as string, ts: first.ts as string, text: 'Maintenance started at 05:00' });
    expect(updated.text).toBe('Maintenance started at 05:00');

    const state = await env.state<SlackSnapshot>('slack');
    const dailyops = state.channels.find((c) => c.name === 'dailyops');
    expect(dailyops?.id).toBe(first.channel);
    expect(dailyops?.messages.map((m) => m.text)).toEqual(['Maintenance started at 05:00', 'Web servers 1-5 patched']);
    expect(dailyops?.messages[0]?.history).toEqual(['Maintenance starting']);
    const maintenance = state.channels.find((c) => c.name === 'maintenance');
    expect(maintenance?.messages[0]?.blocks).toHaveLength(1);
    expect([first.ts, second.ts, third.ts].every((ts) => /^\d{10}\.\d{6}$/.test(ts ?? ''))).toBe(true);
    expect(dailyops?.messages.map((m) => m.seq)).toEqual([...(dailyops?.messages.map((m) => m.seq) ?? [])].sort((a, b) => a - b));
  });

  it('pages conversations.list with cursors and finds every seeded channel', async () => {
    const names: string[] = [];
    for await (const page of slack.paginate('conversations.list', { limit: 3, exclude_archived: true })) {
      names.push(...((page as { channels?: { name?: string }[] }).channels ?? []).map((c) => c.name ?? ''));
    }
    expect(names).toEqual(expect.arrayContaining(['platform-support', 'engineering-maintenance', 'eng-monthlymaintenance', 'dailyopsissues', 'dailyops', 'maintenance', 'platform-int']));
    const calls = await env.calls({ listener: 'slack', path: '/api/conversations.list' });
    expect(calls.length).toBe(Math.ceil(names.length / 3));
  });

  it('serves conversations.history newest first, after `oldest`, in cursor pages, by channel id only', async () => {
    const first = await slack.chat.postMessage({ channel: 'platform-support', text: 'history 1' });
    const id = first.channel as string;
    const baseline = first.ts as string;
    for (const text of ['history 2', 'history 3', 'history 4']) await slack.chat.postMessage({ channel: id, text });
    const texts: string[] = [];
    for await (const page of slack.paginate('conversations.history', { channel: id, oldest: baseline, limit: 2 })) {
      texts.push(...((page as { messages?: { text?: string }[] }).messages ?? []).map((m) => m.text ?? ''));
    }
    expect(texts).toEqual(['history 4', 'history 3', 'history 2']);
    const latest = await slack.conversations.history({ channel: id, limit: 1 });
    expect(latest.messages?.map((m) => [m.text, m.user])).toEqual([['history 4', expect.stringMatching(/^U/)]]);
    const byName = (await slack.conversations.history({ channel: 'platform-support' }).catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(byName.data.error).toBe('channel_not_found');
  });

  it("returns Slack's { ok: false, error } for unknown channels and bad tokens", async () => {
    const err = (await slack.chat.postMessage({ channel: 'no-such-channel', text: 'x' }).catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(err.code).toBe(ErrorCode.PlatformError);
    expect(err.data).toMatchObject({ ok: false, error: 'channel_not_found' });
    const notMember = (await slack.chat.postMessage({ channel: 'engineering-issues-internal', text: 'x' }).catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(notMember.data.error).toBe('not_in_channel');
    const bad = createSlackClient({ token: 'xoxb-wrong', apiUrl: `${env.sandbox.urls.slack}/api/`, caPem: env.sandbox.caPem, retryConfig: { retries: 0 } });
    const authErr = (await bad.auth.test().catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(authErr.data).toMatchObject({ ok: false, error: 'invalid_auth' });
    expect((await slack.auth.test()).team_id).toBe('T0IC00001');
  });

  it('rate-limits a method per virtual minute with 429 and Retry-After, and lets calls through in the next minute', async () => {
    const added = await env.addFaults({ kind: 'slack-ratelimit', method: 'chat.postMessage', perMinute: 2 });
    expect(added.status).toBe(201);
    const strict = createSlackClient({ token: TOKEN, apiUrl: `${env.sandbox.urls.slack}/api/`, caPem: env.sandbox.caPem, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    env.clock.advance(60_000 - (env.clock.now() % 60_000) + 15_000);
    await strict.chat.postMessage({ channel: 'platform-int', text: 'one' });
    await strict.chat.postMessage({ channel: 'platform-int', text: 'two' });
    const limited = (await strict.chat.postMessage({ channel: 'platform-int', text: 'three' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBe(45);
    env.clock.advance(45_000);
    await strict.chat.postMessage({ channel: 'platform-int', text: 'three' });
    const state = await env.state<SlackSnapshot>('slack');
    expect(state.channels.find((c) => c.name === 'platform-int')?.messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    const statuses = (await env.calls({ listener: 'slack', path: '/api/chat.postMessage' })).slice(-4).map((c) => c.status);
    expect(statuses).toEqual([200, 200, 429, 200]);
    await env.clearFaults();
  });
});
