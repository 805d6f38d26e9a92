import { createHmac } from 'crypto';
import { promises as fs } from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import type { WebClient } from '@slack/web-api';
import type { SlackSnapshot } from '../../../../sandbox/slack/service';
import { createSlackClient } from '../../../../shared/adapters/slack/client';
import { httpsJson } from '../common';
import { ManualClock, startVendorSandbox, useVendorSandbox, type VendorSandbox } from './harness';

const TOKEN = 'xoxb-sandbox-0001-maintenance-bot';
const CLICKER = 'U04RM0DANA';

/** What the app's Request URL received, byte for byte. */
interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

/**
 * A stand-in for the app's Request URL on plain http (like the local Functions host): it records
 * every request and, like the real endpoint, refuses a bad signature or a request older than
 * five minutes with 401, else answers 200 with JSON.
 */
async function startFakeApp(signingSecret: string): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody });
      const ts = String(req.headers['x-slack-request-timestamp']);
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
      const signed = req.headers['x-slack-signature'] === sign(signingSecret, ts, rawBody);
      const ok = fresh && signed;
      res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(ok ? { text: 'recorded' } : { error: fresh ? 'bad signature' : 'stale' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/slack/interactions`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Slack's v0 scheme, computed independently of the sandbox. */
function sign(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** The parts of a block_actions payload the tests read by name (the rest through toMatchObject). */
interface BlockActions {
  token: unknown;
  trigger_id: string;
  response_url: string;
  message: { blocks: { block_id: string }[] };
  actions: unknown[];
}

/** The form's `payload` field, parsed the way an app parses it. */
function payloadOf(r: Received): BlockActions {
  return JSON.parse(new URLSearchParams(r.rawBody).get('payload') ?? '') as BlockActions;
}

/** The control API's error body. */
function errorOf(res: { body: unknown }): { code: string; field?: string; message: string } {
  return (res.body as { error: { code: string; field?: string; message: string } }).error;
}

/** JSON or text from the control API (a path) or any sandbox URL, over HTTPS with the sandbox CA. */
async function call(sandbox: VendorSandbox, method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await httpsJson(sandbox.sandbox.caPem, method, url.startsWith('https://') ? url : `${sandbox.sandbox.urls.control}${url}`, body);
  return { status: res.status, body: res.body };
}

/** An approval request as the app posts it: a section and an actions block with two buttons. */
const approvalBlocks = [
  { type: 'section', text: { type: 'mrkdwn', text: '*Approval needed*: go for changes?' } },
  {
    type: 'actions',
    block_id: 'mw-actions',
    elements: [
      { type: 'button', action_id: 'mw-approve', text: { type: 'plain_text', text: 'Approve it' }, value: '2025-06-22-monthly|go-changes', style: 'primary' },
      { type: 'button', action_id: 'mw-reject', text: { type: 'plain_text', text: 'Reject' }, value: '2025-06-22-monthly|go-changes', style: 'danger' },
    ],
  },
];

describe('simulated Slack interactivity', () => {
  const env = useVendorSandbox();
  let slack: WebClient;
  let app: Awaited<ReturnType<typeof startFakeApp>>;
  let secret: string;

  beforeAll(async () => {
    slack = createSlackClient({ token: TOKEN, apiUrl: `${env.sandbox.urls.slack}/api/`, caPem: env.sandbox.caPem, retryConfig: { retries: 0 } });
    secret = (env.estate['slack'] as { signingSecret: string }).signingSecret;
    app = await startFakeApp(secret);
  });
  afterAll(async () => {
    await app.close();
  });

  async function postApproval(channel = 'eng-monthlymaintenance'): Promise<{ channel: string; ts: string }> {
    const res = await slack.chat.postMessage({ channel, text: 'Approval needed: go for changes?', blocks: approvalBlocks });
    return { channel: res.channel as string, ts: res.ts as string };
  }

  it('keeps the blocks of posted and updated messages in state, as sent', async () => {
    const posted = await postApproval();
    let state = await env.state<SlackSnapshot>('slack');
    expect(state.channels.find((c) => c.id === posted.channel)?.messages.find((m) => m.ts === posted.ts)?.blocks).toEqual(approvalBlocks);

    const resolved = [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved by Dana' } }];
    await slack.chat.update({ channel: posted.channel, ts: posted.ts, text: 'Approved by Dana', blocks: resolved });
    state = await env.state<SlackSnapshot>('slack');
    expect(state.channels.find((c) => c.id === posted.channel)?.messages.find((m) => m.ts === posted.ts)?.blocks).toEqual(resolved);
  });

  it('refuses clicks it cannot deliver: 409 without a Request URL, 404 for unknown channel, message or action, 400 for bad input', async () => {
    const posted = await postApproval();
    const click = { channel: '#eng-monthlymaintenance', ts: posted.ts, user: CLICKER, actionId: 'mw-approve' };
    expect((await env.state<SlackSnapshot>('slack')).interactivityUrl).toBeNull();
    const noUrl = await call(env, 'POST', '/_sandbox/slack/click', click);
    expect(noUrl.status).toBe(409);
    expect(errorOf(noUrl).code).toBe('InteractivityNotConfigured');

    expect((await call(env, 'PUT', '/_sandbox/slack/interactivity', {})).status).toBe(400);
    const badUrl = await call(env, 'PUT', '/_sandbox/slack/interactivity', { url: 'ftp://127.0.0.1/x' });
    expect(badUrl.status).toBe(400);
    expect(errorOf(badUrl).field).toBe('url');
    expect((await call(env, 'PUT', '/_sandbox/slack/interactivity', { url: app.url })).status).toBe(200);

    const noChannel = await call(env, 'POST', '/_sandbox/slack/click', { ...click, channel: 'no-such-channel' });
    expect([noChannel.status, errorOf(noChannel).code]).toEqual([404, 'ChannelNotFound']);
    const noMessage = await call(env, 'POST', '/_sandbox/slack/click', { ...click, ts: '1000000000.000001' });
    expect([noMessage.status, errorOf(noMessage).code]).toEqual([404, 'MessageNotFound']);
    const noAction = await call(env, 'POST', '/_sandbox/slack/click', { ...click, actionId: 'mw-nothing' });
    expect([noAction.status, errorOf(noAction).code]).toEqual([404, 'ActionNotFound']);
    expect(errorOf(noAction).message).toContain("'mw-nothing'");
    expect((await call(env, 'POST', '/_sandbox/slack/click', { ...click, user: 'dana' })).status).toBe(400);
    expect(app.received).toHaveLength(0);
  });

  it("sends Slack's signed block_actions form to the Request URL and returns the app's answer", async () => {
    await call(env, 'PUT', '/_sandbox/slack/interactivity', { url: app.url });
    const posted = await postApproval();
    const before = app.received.length;
    const res = await call(env, 'POST', '/_sandbox/slack/click', { channel: posted.channel, ts: posted.ts, user: CLICKER, userName: 'dana', actionId: 'mw-approve' });
    expect(res).toEqual({ status: 200, body: { status: 200, body: { text: 'recorded' } } });

    const got = app.received[before] as Received;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/api/slack/interactions');
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(got.rawBody.startsWith('payload=')).toBe(true);
    const ts = String(got.headers['x-slack-request-timestamp']);
    expect(ts).toMatch(/^\d{10}$/);
    // Real time, not the test's virtual 2025-06-22 clock: the app checks freshness against its own clock.
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(120);
    expect(got.headers['x-slack-signature']).toBe(sign(secret, ts, got.rawBody));

    const payload = payloadOf(got);
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: CLICKER, username: 'dana', name: 'dana', team_id: 'T0IC00001' },
      api_app_id: 'A0MWAPP01',
      container: { type: 'message', message_ts: posted.ts, channel_id: posted.channel, is_ephemeral: false },
      team: { id: 'T0IC00001', domain: 'invoicecloud' },
      channel: { id: posted.channel, name: 'eng-monthlymaintenance' },
      message: { ts: posted.ts, text: 'Approval needed: go for changes?' },
    });
    expect(typeof payload.token).toBe('string');
    expect(payload.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(payload.response_url).toMatch(new RegExp(`^${env.sandbox.urls.slack}/actions/T[0-9A-Z]+/\\d+/[0-9a-f-]{36}$`));
    expect(payload.actions).toEqual([
      {
        action_id: 'mw-approve',
        block_id: 'mw-actions',
        text: { type: 'plain_text', text: 'Approve it', emoji: true },
        value: '2025-06-22-monthly|go-changes',
        style: 'primary',
        type: 'button',
        action_ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
      },
    ]);
    // Blocks without an id get one from Slack, the same in the message as in the action.
    const blocks = payload.message.blocks;
    expect(blocks.map((b) => b.block_id)).toEqual([expect.stringMatching(/^[A-Za-z0-9]{1,5}$/), 'mw-actions']);

    const state = await env.state<SlackSnapshot>('slack');
    expect(state.interactions.at(-1)).toMatchObject({
      type: 'block_actions',
      user: CLICKER,
      userName: 'dana',
      channel: posted.channel,
      messageTs: posted.ts,
      actionId: 'mw-approve',
      blockId: 'mw-actions',
      value: '2025-06-22-monthly|go-changes',
      signature: 'valid',
      status: 200,
      url: app.url,
    });
    // The signing secret is a credential: never in state or the call log.
    expect(JSON.stringify(state)).not.toContain(secret);
    expect(JSON.stringify(await env.calls())).not.toContain(secret);
  });

  it('forges a signature or sends a stale timestamp on request, and the app can tell', async () => {
    await call(env, 'PUT', '/_sandbox/slack/interactivity', { url: app.url });
    const posted = await postApproval();
    const click = { channel: 'eng-monthlymaintenance', ts: posted.ts, user: CLICKER, actionId: 'mw-reject' };

    const forged = await call(env, 'POST', '/_sandbox/slack/click', { ...click, forgeSignature: true });
    expect(forged.body).toEqual({ status: 401, body: { error: 'bad signature' } });
    const f = app.received.at(-1) as Received;
    const fts = String(f.headers['x-slack-request-timestamp']);
    expect(f.headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(f.headers['x-slack-signature']).not.toBe(sign(secret, fts, f.rawBody));

    const stale = await call(env, 'POST', '/_sandbox/slack/click', { ...click, timestampOffsetSeconds: -600 });
    expect(stale.body).toEqual({ status: 401, body: { error: 'stale' } });
    const s = app.received.at(-1) as Received;
    const sts = String(s.headers['x-slack-request-timestamp']);
    expect(Number(sts)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) - 600);
    // Correctly signed for its (old) timestamp: only freshness can refuse a replay.
    expect(s.headers['x-slack-signature']).toBe(sign(secret, sts, s.rawBody));

    const recorded = (await env.state<SlackSnapshot>('slack')).interactions.slice(-2);
    expect(recorded.map((i) => [i.signature, i.timestampOffsetSeconds, i.status])).toEqual([
      ['forged', undefined, 401],
      ['valid', -600, 401],
    ]);
  });

  it('takes answers on the response_url: replace, ephemeral and in-channel, up to five, and 404 for unknown ids', async () => {
    await call(env, 'PUT', '/_sandbox/slack/interactivity', { url: app.url });
    const posted = await postApproval('dailyops');
    await call(env, 'POST', '/_sandbox/slack/click', { channel: 'dailyops', ts: posted.ts, user: CLICKER, actionId: 'mw-approve' });
    const responseUrl = payloadOf(app.received.at(-1) as Received).response_url;

    const replaced = await call(env, 'POST', responseUrl, { text: 'Approved by <@U04RM0DANA>', replace_original: true });
    expect(replaced).toEqual({ status: 200, body: 'ok' });
    let state = await env.state<SlackSnapshot>('slack');
    const dailyops = () => state.channels.find((c) => c.id === posted.channel);
    const message = dailyops()?.messages.find((m) => m.ts === posted.ts);
    expect(message?.text).toBe('Approved by <@U04RM0DANA>');
    // The whole message is replaced: the buttons are gone.
    expect(message?.blocks).toBeUndefined();
    expect(message?.history).toEqual(['Approval needed: go for changes?']);

    expect((await call(env, 'POST', responseUrl, { text: 'Only you can see this', response_type: 'ephemeral' })).status).toBe(200);
    expect((await call(env, 'POST', responseUrl, { text: 'Dana approved the changes', response_type: 'in_channel' })).status).toBe(200);
    state = await env.state<SlackSnapshot>('slack');
    expect(dailyops()?.messages.map((m) => m.text)).toEqual(['Approved by <@U04RM0DANA>', 'Dana approved the changes']);
    const id = responseUrl.split('/').at(-1);
    expect(state.responses.filter((r) => r.id === id)).toEqual([
      expect.objectContaining({ clickedBy: CLICKER, text: 'Approved by <@U04RM0DANA>', responseType: 'ephemeral', replaceOriginal: true, at: expect.any(String) }),
      expect.objectContaining({ clickedBy: CLICKER, text: 'Only you can see this', responseType: 'ephemeral', replaceOriginal: false }),
      expect.objectContaining({ clickedBy: CLICKER, text: 'Dana approved the changes', responseType: 'in_channel', replaceOriginal: false, postedTs: expect.any(String) }),
    ]);

    expect((await call(env, 'POST', responseUrl, {})).body).toBe('no_text');
    expect((await call(env, 'POST', responseUrl, { text: 'four' })).status).toBe(200);
    expect((await call(env, 'POST', responseUrl, { text: 'five' })).status).toBe(200);
    expect(await call(env, 'POST', responseUrl, { text: 'six' })).toEqual({ status: 410, body: 'used_url' });
    expect((await call(env, 'POST', `${env.sandbox.urls.slack}/actions/T0IC00001/1/00000000-0000-4000-8000-000000000000`, { text: 'x' })).status).toBe(404);
  });

  it('deletes the original when asked', async () => {
    await call(env, 'PUT', '/_sandbox/slack/interactivity', { url: app.url });
    const posted = await postApproval('maintenance');
    await call(env, 'POST', '/_sandbox/slack/click', { channel: posted.channel, ts: posted.ts, user: CLICKER, actionId: 'mw-reject' });
    const responseUrl = payloadOf(app.received.at(-1) as Received).response_url;
    expect((await call(env, 'POST', responseUrl, { delete_original: true })).status).toBe(200);
    const state = await env.state<SlackSnapshot>('slack');
    expect(state.channels.find((c) => c.id === posted.channel)?.messages.some((m) => m.ts === posted.ts)).toBe(false);
    expect(state.responses.at(-1)).toMatchObject({ deleteOriginal: true, clickedBy: CLICKER });
  });
});

describe('simulated Slack interactivity across a restart', () => {
  it('keeps the Request URL, clicks and responses, and the response_url still answers', async () => {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mw-slack-interactivity-'));
    const clock = new ManualClock();
    const first = await startVendorSandbox({ stateDir, clock });
    const app = await startFakeApp((first.estate['slack'] as { signingSecret: string }).signingSecret);
    try {
      const slack = createSlackClient({ token: TOKEN, apiUrl: `${first.sandbox.urls.slack}/api/`, caPem: first.sandbox.caPem, retryConfig: { retries: 0 } });
      const posted = await slack.chat.postMessage({ channel: 'billpay-oncall', text: 'Approve?', blocks: approvalBlocks });
      await call(first, 'PUT', '/_sandbox/slack/interactivity', { url: app.url });
      await call(first, 'POST', '/_sandbox/slack/click', { channel: 'billpay-oncall', ts: posted.ts, user: CLICKER, actionId: 'mw-approve' });
      const responseUrl = payloadOf(app.received.at(-1) as Received).response_url;
      const id = responseUrl.split('/').at(-1) ?? '';
      await first.stop();

      const second = await startVendorSandbox({ stateDir, clock });
      try {
        const state = await second.state<SlackSnapshot>('slack');
        expect(state.interactivityUrl).toBe(app.url);
        expect(state.interactions.map((i) => [i.actionId, i.status, i.responseUrlId])).toEqual([['mw-approve', 200, id]]);
        const answered = await call(second, 'POST', responseUrl.replace(/^https:\/\/127\.0\.0\.1:\d+/, second.sandbox.urls.slack), { text: 'Approved', replace_original: true });
        expect(answered.status).toBe(200);
        const after = await second.state<SlackSnapshot>('slack');
        expect(after.channels.find((c) => c.name === 'billpay-oncall')?.messages[0]?.text).toBe('Approved');
        expect(after.responses.map((r) => r.text)).toEqual(['Approved']);
      } finally {
        await second.stop();
      }
    } finally {
      await app.close();
      await fs.rm(stateDir, { recursive: true, force: true });
    }
  });
});
