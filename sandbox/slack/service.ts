import { createHash, randomUUID } from 'crypto';
import type {
  AuthTestResponse,
  ChatPostMessageResponse,
  ChatUpdateResponse,
  ConversationsHistoryResponse,
  ConversationsListResponse,
} from '@slack/web-api';
import { badRequest, controlError } from '../core/control';
import type { ControlTarget, FaultTarget } from '../core/extensions';
import type { Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from '../core/types';
import { slackError, slackRateLimited } from './errors';
import { SLACK_ACK_DEADLINE_MS, blockActionsPayload, deliver, findButton, forgedSecret, formBody, slackSignature, withBlockIds } from './interactivity';
import {
  ResponseUrlBody,
  SlackClickBody,
  SlackEstate,
  SlackInteractivityBody,
  SlackRateLimitFault,
  SlackSaved,
  type SlackRateLimit,
  type StoredChannel,
  type StoredInteraction,
  type StoredMessage,
  type StoredResponse,
} from './schema';

type SlackChannel = NonNullable<ConversationsListResponse['channels']>[number];

/** The state /_sandbox/state shows under `slack` (token names only; never the signing secret). */
export interface SlackSnapshot {
  team: SlackEstate['team'];
  tokens: string[];
  channels: StoredChannel[];
  rateLimits: Record<string, SlackRateLimit>;
  /** The app's interactivity Request URL, or null when none is set. */
  interactivityUrl: string | null;
  /** Button clicks sent to the app, oldest first. */
  interactions: StoredInteraction[];
  /** Posts the app made to response_urls, oldest first. */
  responses: StoredResponse[];
}

/** Slack accepts at most this many posts to one response_url. */
const RESPONSE_URL_USES = 5;

function channelId(name: string, isPrivate: boolean): string {
  return (isPrivate ? 'G' : 'C') + createHash('md5').update(`channel:${name}`).digest('hex').slice(0, 10).toUpperCase();
}

/** Form bodies arrive as strings; JSON bodies keep their types. Query parameters count as well (GET calls). */
function args(req: SandboxRequest): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(req.query);
  if (req.body && typeof req.body === 'object' && !Array.isArray(req.body)) Object.assign(out, req.body as Record<string, unknown>);
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** `blocks`/`attachments` are JSON strings in form bodies and arrays in JSON bodies. */
function jsonArray(v: unknown): unknown[] | undefined | 'invalid' {
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string') return 'invalid';
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : 'invalid';
  } catch {
    return 'invalid';
  }
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

/** Slack answers response_url posts in plain text (`ok`, or an error name). */
function plain(status: number, text: string): SandboxResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text };
}

interface RuntimeLimit extends SlackRateLimitFault {
  id: string;
}

/**
 * The simulated Slack Web API (/api/{method}): chat.postMessage, chat.update,
 * conversations.list and auth.test, with per-method rate limits on the virtual clock.
 * Interactivity: /_sandbox/slack/click sends the app a signed block_actions payload, and the
 * click's response_url (/actions/{team}/{action}/{token}, Slack's hooks.slack.com shape) takes the app's answers.
 */
export class SlackService implements SandboxService, FaultTarget, ControlTarget {
  readonly name = 'slack';
  readonly faultKinds = ['slack-ratelimit'] as const;
  private readonly estate: SlackEstate;
  private channels: StoredChannel[];
  private seq = 0;
  private tsCounter = 0;
  private runtimeLimits: RuntimeLimit[] = [];
  private limitCounter = 0;
  /** Accepted calls per method in the current virtual minute. */
  private windows = new Map<string, { minute: number; count: number }>();
  private interactivityUrl: string | undefined;
  private interactions: StoredInteraction[] = [];
  private responses: StoredResponse[] = [];

  constructor(private readonly ctx: ServiceContext) {
    this.estate = SlackEstate.parse(ctx.estate['slack']);
    const created = Math.floor(ctx.clock.now() / 1000);
    this.channels = this.estate.channels.map((c) => ({
      id: c.id ?? channelId(c.name, c.private),
      name: c.name,
      private: c.private,
      archived: c.archived,
      member: c.member,
      purpose: c.purpose,
      created,
      messages: [],
    }));
    this.interactivityUrl = this.estate.interactivityUrl;
  }

  register(router: Router): void {
    router.route('*', '/api/:method', (req) => this.dispatch(req));
    router.route('POST', '/actions/:team/:action/:token', (req) => this.respond(req));
  }

  registerControl(router: Router): void {
    router.route('PUT', '/_sandbox/slack/interactivity', (req) => {
      const parsed = SlackInteractivityBody.safeParse(req.body);
      if (!parsed.success) return badRequest(parsed.error);
      this.interactivityUrl = parsed.data.url;
      return { status: 200, body: { url: this.interactivityUrl } };
    });
    router.route('DELETE', '/_sandbox/slack/interactivity', () => {
      this.interactivityUrl = undefined;
      return { status: 204 };
    });
    router.route('POST', '/_sandbox/slack/click', (req) => this.click(req));
    // Someone removes the bot from a channel (Slack's /remove or conversations.kick): posts there fail with not_in_channel.
    router.route('POST', '/_sandbox/slack/channels/:channel/remove-bot', (req) => {
      const channel = this.findChannel(req.params['channel']);
      if (!channel) return controlError(404, 'ChannelNotFound', `no channel ${req.params['channel'] ?? ''}`);
      channel.member = false;
      return { status: 200, body: { channel: channel.name, member: false } };
    });
  }

  snapshot(): SlackSnapshot {
    return {
      team: this.estate.team,
      tokens: this.estate.tokens.map((t) => t.name),
      channels: this.channels.map((c) => ({ ...c, messages: c.messages.map((m) => ({ ...m })) })),
      rateLimits: this.effectiveLimits(),
      interactivityUrl: this.interactivityUrl ?? null,
      interactions: this.interactions.map((i) => ({ ...i })),
      responses: this.responses.map((r) => ({ ...r })),
    };
  }

  save(): SlackSaved {
    return {
      channels: this.channels,
      seq: this.seq,
      tsCounter: this.tsCounter,
      interactivityUrl: this.interactivityUrl ?? null,
      interactions: this.interactions,
      responses: this.responses,
    };
  }

  load(saved: unknown): void {
    const s = SlackSaved.parse(saved);
    this.channels = s.channels;
    this.seq = s.seq;
    this.tsCounter = s.tsCounter;
    // Absent in state saved before interactivity existed: keep the estate's URL then.
    if (s.interactivityUrl !== undefined) this.interactivityUrl = s.interactivityUrl ?? undefined;
    this.interactions = s.interactions;
    this.responses = s.responses;
  }

  addFault(spec: unknown): { id: string } & Record<string, unknown> {
    const parsed = SlackRateLimitFault.parse(spec);
    const limit = { ...parsed, id: `slack-ratelimit-${++this.limitCounter}` };
    this.runtimeLimits.push(limit);
    return { ...limit };
  }

  removeFault(id: string): boolean {
    const before = this.runtimeLimits.length;
    this.runtimeLimits = this.runtimeLimits.filter((l) => l.id !== id);
    return this.runtimeLimits.length !== before;
  }

  clearFaults(): void {
    this.runtimeLimits = [];
  }

  listFaults(): unknown[] {
    return this.runtimeLimits.map((l) => ({ ...l }));
  }

  private effectiveLimits(): Record<string, SlackRateLimit> {
    const out: Record<string, SlackRateLimit> = { ...this.estate.rateLimits };
    for (const l of this.runtimeLimits) {
      out[l.method] = { perMinute: l.perMinute, ...(l.retryAfterSeconds !== undefined ? { retryAfterSeconds: l.retryAfterSeconds } : {}) };
    }
    return out;
  }

  /** Counts the call against its method's limit; returns a 429 when the virtual minute is used up. */
  private rateLimit(method: string): SandboxResponse | undefined {
    const limit = this.effectiveLimits()[method];
    if (!limit) return undefined;
    const now = this.ctx.clock.now();
    const minute = Math.floor(now / 60000);
    const w = this.windows.get(method);
    const window = w && w.minute === minute ? w : { minute, count: 0 };
    if (window.count >= limit.perMinute) {
      const untilNextMinute = Math.max(1, Math.ceil(((minute + 1) * 60000 - now) / 1000));
      return slackRateLimited(limit.retryAfterSeconds ?? untilNextMinute);
    }
    window.count += 1;
    this.windows.set(method, window);
    return undefined;
  }

  private dispatch(req: SandboxRequest): SandboxResponse {
    const method = req.params['method'] ?? '';
    const a = args(req);
    const header = req.headers.authorization;
    const token = header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : str(a['token']);
    if (!token) return slackError('not_authed');
    if (!this.estate.tokens.some((t) => t.value === token)) return slackError('invalid_auth');
    const handlers: Record<string, (a: Record<string, unknown>) => SandboxResponse> = {
      'auth.test': () => this.authTest(),
      'chat.postMessage': (x) => this.postMessage(x),
      'chat.update': (x) => this.update(x),
      'conversations.list': (x) => this.list(x),
      'conversations.history': (x) => this.history(x),
    };
    const handler = handlers[method];
    if (!handler) return slackError('unknown_method', { req_method: method });
    return this.rateLimit(method) ?? handler(a);
  }

  private authTest(): SandboxResponse {
    const body: AuthTestResponse = {
      ok: true,
      url: `https://${this.estate.team.domain}.slack.com/`,
      team: this.estate.team.name,
      user: this.estate.bot.name,
      team_id: this.estate.team.id,
      user_id: this.estate.bot.userId,
      bot_id: this.estate.bot.botId,
      is_enterprise_install: false,
    };
    return { status: 200, body };
  }

  /** Finds a channel by id, by name, or by `#name`. */
  private findChannel(ref: string | undefined, byIdOnly = false): StoredChannel | undefined {
    if (!ref) return undefined;
    const byId = this.channels.find((c) => c.id === ref);
    if (byId || byIdOnly) return byId;
    const name = ref.replace(/^#/, '').toLowerCase();
    return this.channels.find((c) => c.name === name);
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${Math.floor(this.ctx.clock.now() / 1000)}.${String(this.tsCounter % 1000000).padStart(6, '0')}`;
  }

  private messageJson(m: StoredMessage): NonNullable<ChatPostMessageResponse['message']> {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: m.text,
      ts: m.ts,
      user: m.user,
      bot_id: m.botId,
      app_id: this.estate.bot.appId,
      team: this.estate.team.id,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(m.blocks ? { blocks: m.blocks as NonNullable<ChatPostMessageResponse['message']>['blocks'] } : {}),
    };
  }

  private postMessage(a: Record<string, unknown>): SandboxResponse {
    const channel = this.findChannel(str(a['channel']));
    if (!channel) return slackError('channel_not_found');
    if (channel.archived) return slackError('is_archived');
    if (!channel.member) return slackError('not_in_channel');
    const blocks = jsonArray(a['blocks']);
    const attachments = jsonArray(a['attachments']);
    if (blocks === 'invalid') return slackError('invalid_blocks');
    if (attachments === 'invalid') return slackError('invalid_attachments');
    const text = str(a['text']) ?? '';
    if (!text && !blocks?.length && !attachments?.length) return slackError('no_text');
    if (text.length > 40000) return slackError('msg_too_long');
    const threadTs = str(a['thread_ts']);
    if (threadTs && !channel.messages.some((m) => m.ts === threadTs)) return slackError('thread_not_found');
    const msg: StoredMessage = {
      seq: ++this.seq,
      ts: this.nextTs(),
      text,
      ...(blocks ? { blocks } : {}),
      ...(attachments ? { attachments } : {}),
      ...(threadTs ? { threadTs } : {}),
      user: this.estate.bot.userId,
      botId: this.estate.bot.botId,
      postedAt: new Date(this.ctx.clock.now()).toISOString(),
      history: [],
    };
    channel.messages.push(msg);
    const body: ChatPostMessageResponse = { ok: true, channel: channel.id, ts: msg.ts, message: this.messageJson(msg) };
    return { status: 200, body };
  }

  private update(a: Record<string, unknown>): SandboxResponse {
    // chat.update takes a channel id, not a name.
    const channel = this.findChannel(str(a['channel']), true);
    if (!channel) return slackError('channel_not_found');
    const ts = str(a['ts']);
    const msg = channel.messages.find((m) => m.ts === ts);
    if (!msg) return slackError('message_not_found');
    if (msg.user !== this.estate.bot.userId) return slackError('cant_update_message');
    if (channel.archived) return slackError('is_archived');
    const blocks = jsonArray(a['blocks']);
    if (blocks === 'invalid') return slackError('invalid_blocks');
    const text = str(a['text']);
    if (text === undefined && blocks === undefined) return slackError('no_text');
    if (text !== undefined && text !== msg.text) msg.history.push(msg.text);
    if (text !== undefined) msg.text = text;
    if (blocks !== undefined) msg.blocks = blocks;
    msg.edited = { ts: this.nextTs(), at: new Date(this.ctx.clock.now()).toISOString() };
    const body: ChatUpdateResponse = {
      ok: true,
      channel: channel.id,
      ts: msg.ts,
      text: msg.text,
      message: { ...this.messageJson(msg), edited: { user: msg.user, ts: msg.edited.ts } } as ChatUpdateResponse['message'],
    };
    return { status: 200, body };
  }

  private channelJson(c: StoredChannel): SlackChannel {
    return {
      id: c.id,
      name: c.name,
      name_normalized: c.name,
      is_channel: !c.private,
      is_group: c.private,
      is_im: false,
      is_mpim: false,
      is_private: c.private,
      is_archived: c.archived,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: c.member,
      created: c.created,
      creator: this.estate.bot.userId,
      updated: c.created * 1000,
      num_members: 12,
      purpose: { value: c.purpose, creator: '', last_set: 0 },
      topic: { value: '', creator: '', last_set: 0 },
      previous_names: [],
      context_team_id: this.estate.team.id,
      shared_team_ids: [this.estate.team.id],
    };
  }

  /** Cursor pagination: the cursor is base64 of `channel:<id of the next channel>`, like Slack's opaque cursors. */
  /**
   * conversations.history: the channel's top-level messages newest first, between `oldest` and
   * `latest` (exclusive unless `inclusive`), at most `limit` (default 100, at most 999) with a
   * cursor for the rest, as https://api.slack.com/methods/conversations.history documents.
   * Needs the channel id (not a name) and, for a private channel, membership.
   */
  private history(a: Record<string, unknown>): SandboxResponse {
    const id = str(a['channel']);
    const channel = id ? this.channels.find((c) => c.id === id) : undefined;
    if (!channel || (channel.private && !channel.member)) return slackError('channel_not_found');
    const bound = (name: 'oldest' | 'latest'): number | undefined | 'invalid' => {
      const raw = str(a[name]);
      if (raw === undefined) return undefined;
      const n = Number(raw);
      return Number.isFinite(n) && n >= 0 ? n : 'invalid';
    };
    const oldest = bound('oldest');
    const latest = bound('latest');
    if (oldest === 'invalid') return slackError('invalid_ts_oldest');
    if (latest === 'invalid') return slackError('invalid_ts_latest');
    const limitRaw = str(a['limit']);
    const limit = limitRaw === undefined ? 100 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 999) return slackError('invalid_limit');
    const inclusive = truthy(a['inclusive']);
    const inRange = (ts: number) =>
      (oldest === undefined || ts > oldest || (inclusive && ts === oldest)) && (latest === undefined || ts < latest || (inclusive && ts === latest));
    const all = channel.messages.filter((m) => !m.threadTs && inRange(Number(m.ts))).sort((x, y) => Number(y.ts) - Number(x.ts) || y.seq - x.seq);
    let start = 0;
    const cursor = str(a['cursor']);
    if (cursor) {
      const decoded = Buffer.from(cursor, 'base64').toString('utf8');
      start = decoded.startsWith('ts:') ? all.findIndex((m) => m.ts === decoded.slice('ts:'.length)) : -1;
      if (start < 0) return slackError('invalid_cursor');
    }
    const page = all.slice(start, start + limit);
    const next = all[start + limit];
    const body: ConversationsHistoryResponse = {
      ok: true,
      messages: page.map((m) => this.messageJson(m)) as ConversationsHistoryResponse['messages'],
      has_more: next !== undefined,
      pin_count: 0,
      ...(next ? { response_metadata: { next_cursor: Buffer.from(`ts:${next.ts}`).toString('base64') } } : {}),
    };
    return { status: 200, body };
  }

  private list(a: Record<string, unknown>): SandboxResponse {
    const types = (str(a['types']) ?? 'public_channel').split(',').map((t) => t.trim());
    const known = ['public_channel', 'private_channel', 'mpim', 'im'];
    if (types.some((t) => !known.includes(t))) return slackError('invalid_types');
    const limitRaw = str(a['limit']);
    const limit = limitRaw === undefined ? 100 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return slackError('invalid_limit');
    const excludeArchived = truthy(a['exclude_archived']);
    const all = this.channels.filter(
      (c) => (c.private ? types.includes('private_channel') && c.member : types.includes('public_channel')) && !(excludeArchived && c.archived),
    );
    let start = 0;
    const cursor = str(a['cursor']);
    if (cursor) {
      const decoded = Buffer.from(cursor, 'base64').toString('utf8');
      const id = decoded.startsWith('channel:') ? decoded.slice('channel:'.length) : '';
      start = all.findIndex((c) => c.id === id);
      if (start < 0) return slackError('invalid_cursor');
    }
    const page = all.slice(start, start + limit);
    const next = all[start + limit];
    const body: ConversationsListResponse = {
      ok: true,
      channels: page.map((c) => this.channelJson(c)),
      response_metadata: { next_cursor: next ? Buffer.from(`channel:${next.id}`).toString('base64') : '' },
    };
    return { status: 200, body };
  }

  /**
   * A person clicks a button: the block_actions payload goes to the Request URL, signed with the
   * signing secret and stamped with the REAL time (Slack's servers sign with their clock and the
   * app checks freshness against its own, not a rehearsal's virtual one).
   */
  private async click(req: SandboxRequest): Promise<SandboxResponse> {
    const parsed = SlackClickBody.safeParse(req.body);
    if (!parsed.success) return badRequest(parsed.error);
    const c = parsed.data;
    const channel = this.findChannel(c.channel);
    if (!channel) return controlError(404, 'ChannelNotFound', `no Slack channel '${c.channel}'`);
    const msg = channel.messages.find((m) => m.ts === c.ts);
    if (!msg) return controlError(404, 'MessageNotFound', `no message with ts ${c.ts} in #${channel.name}`);
    const blocks = withBlockIds(msg.blocks ?? [], msg.ts);
    const found = findButton(blocks, c.actionId);
    if (!found) return controlError(404, 'ActionNotFound', `message ${msg.ts} in #${channel.name} has no button with action_id '${c.actionId}'`);
    const url = this.interactivityUrl;
    if (!url) return controlError(409, 'InteractivityNotConfigured', 'the Slack app has no interactivity Request URL: PUT /_sandbox/slack/interactivity { url } first');

    const nowMs = Date.now();
    const responseUrlId = randomUUID();
    const userName = c.userName ?? c.user.toLowerCase();
    const message = {
      ...this.messageJson(msg),
      ...(msg.blocks ? { blocks } : {}),
      ...(msg.edited ? { edited: { user: msg.user, ts: msg.edited.ts } } : {}),
      ts: msg.ts,
    };
    const payload = blockActionsPayload({
      team: this.estate.team,
      appId: this.estate.bot.appId,
      user: { id: c.user, name: userName },
      channel: { id: channel.id, name: channel.name },
      message,
      found,
      responseUrl: `${this.ctx.baseUrl('slack')}/actions/${this.estate.team.id}/${this.interactions.length + 1}/${responseUrlId}`,
      nowMs,
    });
    const rawBody = formBody(payload);
    const timestamp = Math.floor(nowMs / 1000) + (c.timestampOffsetSeconds ?? 0);
    const secret = c.forgeSignature ? forgedSecret(this.estate.signingSecret) : this.estate.signingSecret;
    const record: StoredInteraction = {
      id: this.ctx.newId('slack-click'),
      type: 'block_actions',
      user: c.user,
      userName,
      channel: channel.id,
      channelName: channel.name,
      messageTs: msg.ts,
      actionId: c.actionId,
      blockId: found.blockId,
      ...(typeof found.button['value'] === 'string' ? { value: found.button['value'] } : {}),
      responseUrlId,
      url,
      signature: c.forgeSignature ? 'forged' : 'valid',
      requestTimestamp: timestamp,
      ...(c.timestampOffsetSeconds ? { timestampOffsetSeconds: c.timestampOffsetSeconds } : {}),
      at: new Date(this.ctx.clock.now()).toISOString(),
      status: null,
    };
    // Recorded before sending: the app may post to the response_url before it answers the click.
    this.interactions.push(record);
    try {
      const answer = await deliver(url, rawBody, { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': slackSignature(secret, timestamp, rawBody) });
      record.status = answer.status;
      if (answer.elapsedMs > SLACK_ACK_DEADLINE_MS) record.late = true;
      return { status: 200, body: { status: answer.status, body: answer.body } };
    } catch (e) {
      record.error = e instanceof Error ? e.message : String(e);
      return controlError(502, 'InteractivityUnreachable', `could not deliver the click to ${url}: ${record.error}`);
    }
  }

  /**
   * The app answers a click through its response_url: an ephemeral reply (recorded only, as only
   * the clicker would see it), an in_channel message, or a replacement or deletion of the original.
   */
  private respond(req: SandboxRequest): SandboxResponse {
    const id = req.params['token'] ?? '';
    const interaction = this.interactions.find((i) => i.responseUrlId === id);
    if (!interaction) return plain(404, 'no_service');
    if (this.responses.filter((r) => r.id === id).length >= RESPONSE_URL_USES) return plain(410, 'used_url');
    let raw: unknown = req.body;
    // Like incoming webhooks, a form with a `payload` field holding JSON is accepted too.
    if (raw && typeof raw === 'object' && typeof (raw as Record<string, unknown>)['payload'] === 'string') {
      try {
        raw = JSON.parse((raw as Record<string, string>)['payload'] ?? '');
      } catch {
        return plain(400, 'invalid_payload');
      }
    }
    const parsed = ResponseUrlBody.safeParse(raw);
    if (!parsed.success) return plain(400, 'invalid_payload');
    const b = parsed.data;
    const replace = truthy(b.replace_original);
    const del = truthy(b.delete_original);
    const text = b.text ?? '';
    if (!del && !text && !b.blocks?.length && !b.attachments?.length) return plain(400, 'no_text');
    const channel = this.findChannel(interaction.channel, true);
    const original = channel?.messages.find((m) => m.ts === interaction.messageTs);
    if ((replace || del) && (!channel || !original)) return plain(404, 'message_not_found');

    const at = new Date(this.ctx.clock.now()).toISOString();
    let postedTs: string | undefined;
    if (del && channel && original) {
      channel.messages = channel.messages.filter((m) => m !== original);
    } else if (replace && original) {
      if (text !== original.text) original.history.push(original.text);
      original.text = text;
      // Slack replaces the whole message: parts the answer leaves out are gone.
      if (b.blocks) original.blocks = b.blocks;
      else delete original.blocks;
      if (b.attachments) original.attachments = b.attachments;
      else delete original.attachments;
      original.edited = { ts: this.nextTs(), at };
    } else if (b.response_type === 'in_channel' && channel) {
      const posted: StoredMessage = {
        seq: ++this.seq,
        ts: this.nextTs(),
        text,
        ...(b.blocks ? { blocks: b.blocks } : {}),
        ...(b.attachments ? { attachments: b.attachments } : {}),
        ...(b.thread_ts ? { threadTs: b.thread_ts } : {}),
        user: this.estate.bot.userId,
        botId: this.estate.bot.botId,
        postedAt: at,
        history: [],
      };
      channel.messages.push(posted);
      postedTs = posted.ts;
    }
    this.responses.push({
      id,
      interactionId: interaction.id,
      clickedBy: interaction.user,
      channel: interaction.channel,
      messageTs: interaction.messageTs,
      text,
      ...(b.blocks ? { blocks: b.blocks } : {}),
      responseType: b.response_type ?? 'ephemeral',
      replaceOriginal: replace,
      deleteOriginal: del,
      ...(b.thread_ts ? { threadTs: b.thread_ts } : {}),
      ...(postedTs ? { postedTs } : {}),
      at,
    });
    return plain(200, 'ok');
  }
}

/** Factory registered in sandbox/services.ts. */
export const createSlackService: ServiceFactory = (ctx) => new SlackService(ctx);
