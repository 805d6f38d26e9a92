import { ErrorCode, type WebClient } from '@slack/web-api';
import type { ChatButton, ChatClient } from '../../ports/chat';
import { TransientVendorError } from '../../ports/operations';

const VENDOR = 'slack';

/** Platform errors that say "try again later" rather than "this request is wrong". */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Platform errors about the credential, whatever the request. */
const AUTH_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope']);

/** What the SDK says when 429s outlast its retries (its messages carry the URL, never the token). */
const RATE_LIMIT_EXHAUSTED = /rate limit was exceeded|Retry header did not contain/;

/** Slack's conversation ids: C (public), G (private, legacy) or D (direct) followed by upper-case letters and digits. */
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;

function hasCode(e: unknown): e is { code: string } {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}

/**
 * Maps the SDK's errors to the ports' contract. The SDK has already applied its `retryConfig`
 * (429 with Retry-After is waited out and retried there), so what reaches us is final.
 */
function toPortError(action: string, e: unknown): Error {
  if (hasCode(e)) {
    switch (e.code) {
      case ErrorCode.PlatformError: {
        const code = (e as { data?: { error?: unknown } }).data?.error;
        const error = typeof code === 'string' ? code : 'unknown_error';
        if (TRANSIENT_PLATFORM_ERRORS.has(error)) return new TransientVendorError(VENDOR, `could not ${action}: ${error}`);
        if (error === 'channel_not_found') return new Error(`${VENDOR}: could not ${action}: the channel does not exist or the bot cannot see it (channel_not_found)`);
        if (error === 'not_in_channel') return new Error(`${VENDOR}: could not ${action}: the bot is not a member of the channel; invite it first (not_in_channel)`);
        if (error === 'is_archived') return new Error(`${VENDOR}: could not ${action}: the channel is archived (is_archived)`);
        if (AUTH_ERRORS.has(error)) return new Error(`${VENDOR}: could not ${action}: the bot token was refused (${error})`);
        return new Error(`${VENDOR}: could not ${action}: ${error}`);
      }
      case ErrorCode.RateLimitedError: {
        const retryAfter = (e as { retryAfter?: unknown }).retryAfter;
        return new TransientVendorError(VENDOR, `could not ${action}: rate limited (retry after ${String(retryAfter)} s)`, 429);
      }
      case ErrorCode.HTTPError: {
        const status = Number((e as { statusCode?: unknown }).statusCode);
        const transient = status === 408 || status === 429 || status >= 500;
        return transient ? new TransientVendorError(VENDOR, `could not ${action}: HTTP ${status}`, status) : new Error(`${VENDOR}: could not ${action}: HTTP ${status}`);
      }
      case ErrorCode.RequestError: {
        const original = (e as { original?: { message?: string } }).original?.message ?? 'request failed';
        // The SDK wraps its own "rate limit was exceeded" signal this way when its retries run out on 429s.
        if (RATE_LIMIT_EXHAUSTED.test(original)) return new TransientVendorError(VENDOR, `could not ${action}: still rate limited after the client's retries`, 429);
        return new TransientVendorError(VENDOR, `could not ${action}: no answer (${original.replace(/\(url: [^)]*\)/, '').trim()})`);
      }
    }
  }
  if (e instanceof Error && RATE_LIMIT_EXHAUSTED.test(e.message)) {
    return new TransientVendorError(VENDOR, `could not ${action}: still rate limited after the client's retries`, 429);
  }
  return e instanceof Error ? e : new Error(`${VENDOR}: could not ${action}: ${String(e)}`);
}

/**
 * {@link ChatClient} over @slack/web-api (build the WebClient with `createSlackClient`; its
 * `retryConfig` and `rejectRateLimitedCalls` decide how rate limits are waited out).
 * Channels are accepted as `#name`, `name` or an id; updates resolve names to ids because
 * `chat.update` takes ids only.
 */
export class SlackChatClient implements ChatClient {
  /** Channel name (lower case, no '#') to id, learnt from posts and from conversations.list. */
  private readonly ids = new Map<string, string>();
  /** The bot's own user id (auth.test), learnt once. */
  private self: Promise<string> | undefined;

  /**
   * `interactive`: the Slack app's Request URL points at this app, so buttons can be answered.
   * `poster`: the client for chat.postMessage, built without SDK retries (`retryConfig: { retries: 0 }`):
   * the SDK retries a reset connection, and a post whose answer was lost would become a second
   * message; the caller looks in the history ({@link findPosted}) and retries instead. Default `web`.
   */
  constructor(
    private readonly web: WebClient,
    private readonly options: { interactive?: boolean; poster?: WebClient } = {},
  ) {}

  /** Posts `text` to the channel; returns the channel id and the message's ts (for updates). */
  async postMessage(channel: string, text: string, options: { buttons?: ChatButton[]; sections?: string[] } = {}): Promise<{ channel: string; ts: string }> {
    const target = normalise(channel);
    if (!text) throw new TypeError('text must not be empty');
    const buttons = this.options.interactive ? (options.buttons ?? []) : [];
    // `text` stays the notification and screen-reader fallback when blocks are sent.
    const sections = (options.sections ?? []).filter((t) => t.trim() !== '');
    const blocks = sections.length > 0 ? sectionBlocks(sections, buttons) : buttons.length > 0 ? buttonBlocks(text, buttons) : undefined;
    const res = await this.call('post a message', display(target), () => (this.options.poster ?? this.web).chat.postMessage({ channel: target, text, ...(blocks ? { blocks } : {}) }));
    if (!res.channel || !res.ts) throw new Error(`${VENDOR}: chat.postMessage to ${display(target)} answered without channel or ts`);
    if (!CHANNEL_ID.test(target)) this.ids.set(target, res.channel);
    return { channel: res.channel, ts: res.ts };
  }

  async latestTs(channel: string): Promise<string> {
    const target = normalise(channel);
    const id = await this.channelId(target);
    const res = await this.call('read the channel history', display(target), () => this.web.conversations.history({ channel: id, limit: 1 }));
    return res.messages?.[0]?.ts ?? '0';
  }

  /**
   * chat.postMessage takes no idempotency key, so a post whose answer was lost is found the way
   * a person would: in the channel's history since the baseline, by this bot (auth.test's
   * user_id) with the same text.
   */
  async findPosted(channel: string, text: string | { prefix: string }, afterTs: string): Promise<{ channel: string; ts: string } | undefined> {
    const matches = (t: string | undefined) => t !== undefined && (typeof text === 'string' ? t === text : t.startsWith(text.prefix));
    const target = normalise(channel);
    const id = await this.channelId(target);
    this.self ??= this.call('identify the bot', display(target), () => this.web.auth.test()).then((r) => r.user_id ?? '');
    const self = await this.self.catch((e: unknown) => {
      this.self = undefined;
      throw e;
    });
    return this.call('read the channel history', display(target), async () => {
      for await (const page of this.web.paginate('conversations.history', { channel: id, oldest: afterTs, limit: 200 })) {
        const found = ((page as { messages?: { ts?: string; text?: string; user?: string }[] }).messages ?? []).find((m) => m.user === self && matches(m.text) && m.ts);
        if (found?.ts) return { channel: id, ts: found.ts };
      }
      return undefined;
    });
  }

  /** Replaces the text of a message this bot posted, and drops its blocks (buttons that could no longer be answered). */
  async updateMessage(channel: string, ts: string, text: string): Promise<void> {
    const target = normalise(channel);
    if (!ts) throw new TypeError('ts must not be empty');
    const id = await this.channelId(target);
    await this.call('update a message', display(target), () => this.web.chat.update({ channel: id, ts, text, blocks: [] }));
  }

  /** auth.test: the bot user and workspace the token belongs to; a revoked or expired token fails. */
  async whoAmI(): Promise<{ user: string; team: string }> {
    const res = await this.call('check the token', 'auth.test', () => this.web.auth.test());
    return { user: res.user_id ?? res.user ?? '', team: res.team ?? res.team_id ?? '' };
  }

  /** The channel from conversations.list (public, and private ones the bot is in); undefined when not found. */
  async describeChannel(channel: string): Promise<{ id: string; name: string; isMember: boolean; archived: boolean } | undefined> {
    const target = normalise(channel);
    let found: { id: string; name: string; isMember: boolean; archived: boolean } | undefined;
    await this.call('list channels', display(target), async () => {
      for await (const page of this.web.paginate('conversations.list', { types: 'public_channel,private_channel', exclude_archived: false, limit: 200 })) {
        for (const c of (page as { channels?: { id?: string; name?: string; is_member?: boolean; is_archived?: boolean }[] }).channels ?? []) {
          if (!c.id || !c.name) continue;
          this.ids.set(c.name.toLowerCase(), c.id);
          if (c.id === target || c.name.toLowerCase() === target) found = { id: c.id, name: c.name, isMember: c.is_member === true, archived: c.is_archived === true };
        }
        if (found) break;
      }
    });
    return found;
  }

  private async channelId(target: string): Promise<string> {
    if (CHANNEL_ID.test(target)) return target;
    const known = this.ids.get(target);
    if (known) return known;
    await this.call('list channels', display(target), async () => {
      for await (const page of this.web.paginate('conversations.list', { types: 'public_channel,private_channel', exclude_archived: true, limit: 200 })) {
        for (const c of (page as { channels?: { id?: string; name?: string }[] }).channels ?? []) {
          if (c.id && c.name) this.ids.set(c.name.toLowerCase(), c.id);
        }
        if (this.ids.has(target)) break;
      }
    });
    const id = this.ids.get(target);
    if (!id) throw new Error(`${VENDOR}: channel ${display(target)} does not exist or the bot cannot see it (channel_not_found)`);
    return id;
  }

  private async call<T>(action: string, channel: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toPortError(`${action} in ${channel}`, e);
    }
  }
}

/** `#Maintenance` and `maintenance` name the same channel; ids pass through unchanged. */
function normalise(channel: string): string {
  const trimmed = channel.trim();
  if (CHANNEL_ID.test(trimmed)) return trimmed;
  const name = trimmed.replace(/^#/, '').toLowerCase();
  if (!name) throw new TypeError('channel must not be empty');
  return name;
}

function display(target: string): string {
  return CHANNEL_ID.test(target) ? target : `#${target}`;
}

/** Block Kit: the text as a section, then one actions block with the buttons. */
/** Slack's limits: 50 blocks a message, 3000 characters a section's text; past them the text fallback carries it all. */
const MAX_BLOCKS = 50;
const MAX_SECTION = 3000;

function sectionBlocks(sections: string[], buttons: ChatButton[]) {
  const room = MAX_BLOCKS - (buttons.length > 0 ? 1 : 0);
  const shown = sections.length > room ? [...sections.slice(0, room - 1), `…and ${sections.length - room + 1} more (see the window report)`] : sections;
  const blocks: unknown[] = shown.map((t) => ({ type: 'section', text: { type: 'mrkdwn', text: t.length > MAX_SECTION ? `${t.slice(0, MAX_SECTION - 1)}…` : t } }));
  if (buttons.length > 0) blocks.push(buttonBlocks('', buttons)[1]!);
  return blocks;
}

function buttonBlocks(text: string, buttons: ChatButton[]) {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: 'mw-actions',
      elements: buttons.map((b) => ({ type: 'button', action_id: b.actionId, text: { type: 'plain_text', text: b.text }, value: b.value, ...(b.style ? { style: b.style } : {}) })),
    },
  ];
}
