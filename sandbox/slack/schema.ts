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

/** Everything save() writes. */
export const SlackSaved = z.object({ channels: z.array(StoredChannel), seq: z.number(), tsCounter: z.number() });
export type SlackSaved = z.infer<typeof SlackSaved>;
