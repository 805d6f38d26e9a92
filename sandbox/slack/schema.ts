import { z } from 'zod';

/** A per-method rate limit: at most `perMinute` calls per virtual minute (Slack's tiers). */
export const SlackRateLimit = z
  .object({
    perMinute: z.number().int().positive(),
    /** Seconds sent in Retry-After; default: until the virtual minute ends (Slack's behaviour). */
    retryAfterSeconds: z.number().int().min(0).optional(),
  })
  .strict();
export type SlackRateLimit = z.infer<typeof SlackRateLimit>;

/** Used when the estate names no signing secret: a sandbox-only value, never a real app's. */
export const DEFAULT_SIGNING_SECRET = 'sandbox-slack-signing-secret-0001';

/** An absolute http(s) URL: the app's Request URL may be plain http on loopback (the local Functions host). */
export const HttpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL');

/** The `slack:` section of the estate YAML. */
export const SlackEstate = z
  .object({
    team: z.object({ id: z.string().regex(/^T[A-Z0-9]+$/, 'team ids start with T'), name: z.string().min(1), domain: z.string().min(1) }).strict(),
    bot: z
      .object({
        userId: z.string().regex(/^U[A-Z0-9]+$/, 'user ids start with U'),
        botId: z.string().regex(/^B[A-Z0-9]+$/, 'bot ids start with B'),
        appId: z.string().regex(/^A[A-Z0-9]+$/, 'app ids start with A'),
        name: z.string().min(1),
      })
      .strict(),
    /** Bot tokens the API accepts (xoxb-...). */
    tokens: z.array(z.object({ name: z.string().min(1), value: z.string().regex(/^xox[bpa]-/, 'Slack tokens start with xoxb-, xoxp- or xoxa-') }).strict()).min(1),
    channels: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'channel names are lowercase, without #'),
            id: z.string().regex(/^[CG][A-Z0-9]+$/).optional(),
            private: z.boolean().default(false),
            archived: z.boolean().default(false),
            /** Whether the bot is a member (posting to a channel it is not in fails with not_in_channel). */
            member: z.boolean().default(true),
            purpose: z.string().default(''),
          })
          .strict(),
      )
      .min(1),
    /** Rate limits by method name, e.g. `chat.postMessage: { perMinute: 60 }`. */
    rateLimits: z.record(z.string(), SlackRateLimit).default({}),
    /** The app's signing secret: interaction requests are signed with it (X-Slack-Signature). Never shown in state. */
    signingSecret: z.string().min(1).default(DEFAULT_SIGNING_SECRET),
    /** The app's interactivity Request URL; also settable with PUT /_sandbox/slack/interactivity. */
    interactivityUrl: HttpUrl.optional(),
  })
  .strict();
export type SlackEstate = z.infer<typeof SlackEstate>;

/** One message as stored (and shown in /_sandbox/state). */
export const StoredMessage = z.object({
  /** Global order across channels. */
  seq: z.number(),
  ts: z.string(),
  text: z.string(),
  blocks: z.array(z.unknown()).optional(),
  attachments: z.array(z.unknown()).optional(),
  threadTs: z.string().optional(),
  user: z.string(),
  botId: z.string(),
  postedAt: z.string(),
  edited: z.object({ ts: z.string(), at: z.string() }).optional(),
  /** Earlier texts, oldest first, kept when chat.update changes a message. */
  history: z.array(z.string()).default([]),
});
export type StoredMessage = z.infer<typeof StoredMessage>;

/** A channel with its messages, as persisted. */
export const StoredChannel = z.object({
  id: z.string(),
  name: z.string(),
  private: z.boolean(),
  archived: z.boolean(),
  member: z.boolean(),
  purpose: z.string(),
  created: z.number(),
  messages: z.array(StoredMessage),
});
export type StoredChannel = z.infer<typeof StoredChannel>;

/** A rate limit added at run time through POST /_sandbox/faults with kind 'slack-ratelimit'. */
export const SlackRateLimitFault = z
  .object({
    kind: z.literal('slack-ratelimit'),
    method: z.string().regex(/^[a-z]+(\.[a-zA-Z]+)+$/, 'a Slack method name such as chat.postMessage'),
    perMinute: z.number().int().positive(),
    retryAfterSeconds: z.number().int().min(0).optional(),
  })
  .strict();
export type SlackRateLimitFault = z.infer<typeof SlackRateLimitFault>;

/** One button click sent to the app (POST /_sandbox/slack/click), as stored and shown in state. */
export const StoredInteraction = z.object({
  id: z.string(),
  type: z.literal('block_actions'),
  /** Who clicked: Slack user id and display name. */
  user: z.string(),
  userName: z.string(),
  channel: z.string(),
  channelName: z.string(),
  messageTs: z.string(),
  actionId: z.string(),
  blockId: z.string(),
  value: z.string().optional(),
  /** Id of the click's response_url (<slack>/actions/<team>/<n>/<id>). */
  responseUrlId: z.string(),
  /** Where the payload went (the interactivity URL at the time). */
  url: z.string(),
  /** 'forged' when the click asked for a wrong signature (tests of the app's verification). */
  signature: z.enum(['valid', 'forged']),
  /** X-Slack-Request-Timestamp sent (real unix seconds, plus any offset asked for). */
  requestTimestamp: z.number(),
  timestampOffsetSeconds: z.number().optional(),
  /** Virtual time of the click. */
  at: z.string(),
  /** The app's HTTP status; null while in flight or when it could not be reached. */
  status: z.number().nullable(),
  /** True when the app answered after Slack's 3-second deadline (Slack would show the user an error). */
  late: z.boolean().optional(),
  error: z.string().optional(),
});
export type StoredInteraction = z.infer<typeof StoredInteraction>;

/** One POST to a response_url, as stored and shown in state. */
export const StoredResponse = z.object({
  /** The response_url's id (one click's URL takes up to 5 posts). */
  id: z.string(),
  interactionId: z.string(),
  /** User id of the person whose click produced the response_url. */
  clickedBy: z.string(),
  channel: z.string(),
  messageTs: z.string(),
  text: z.string(),
  blocks: z.array(z.unknown()).optional(),
  /** Effective visibility: 'ephemeral' unless the app asked for 'in_channel'. */
  responseType: z.enum(['ephemeral', 'in_channel']),
  replaceOriginal: z.boolean(),
  deleteOriginal: z.boolean(),
  threadTs: z.string().optional(),
  /** ts of the message an in_channel response posted. */
  postedTs: z.string().optional(),
  at: z.string(),
});
export type StoredResponse = z.infer<typeof StoredResponse>;

/** Control body of PUT /_sandbox/slack/interactivity. */
export const SlackInteractivityBody = z.object({ url: HttpUrl }).strict();

/** Control body of POST /_sandbox/slack/click. */
export const SlackClickBody = z
  .object({
    /** Channel name (with or without #) or id. */
    channel: z.string().min(1),
    ts: z.string().min(1),
    user: z.string().regex(/^[UW][A-Z0-9]+$/, 'user ids start with U or W'),
    actionId: z.string().min(1),
    userName: z.string().min(1).optional(),
    /** Sign with a different secret, so the app's verification must reject the request. */
    forgeSignature: z.boolean().optional(),
    /** Added to the real timestamp (e.g. -600 for a replayed, stale request); still correctly signed. */
    timestampOffsetSeconds: z.number().int().optional(),
  })
  .strict();
export type SlackClickBody = z.infer<typeof SlackClickBody>;

/** What an app may POST to a response_url (JSON, or a form with a `payload` field). */
export const ResponseUrlBody = z.object({
  text: z.string().optional(),
  blocks: z.array(z.unknown()).optional(),
  attachments: z.array(z.unknown()).optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  replace_original: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  delete_original: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  thread_ts: z.string().optional(),
});
export type ResponseUrlBody = z.infer<typeof ResponseUrlBody>;

/** Everything save() writes; the interactivity fields default so state saved before them still loads. */
export const SlackSaved = z.object({
  channels: z.array(StoredChannel),
  seq: z.number(),
  tsCounter: z.number(),
  /** null: unset on purpose (DELETE), so a restart does not fall back to the estate's URL. */
  interactivityUrl: z.string().nullable().optional(),
  interactions: z.array(StoredInteraction).default([]),
  responses: z.array(StoredResponse).default([]),
});
export type SlackSaved = z.infer<typeof SlackSaved>;
