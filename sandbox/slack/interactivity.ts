/**
 * Slack interactivity on the wire: the block_actions payload a button click produces, Slack's
 * v0 request signing, and the POST to the app's Request URL. Kept apart from the Web API
 * service so the wire format can be read in one place.
 */
import { createHash, createHmac, randomBytes } from 'crypto';
import http from 'http';
import https from 'https';

/** Slack's legacy verification token, still sent in every payload; a sandbox value. */
export const SANDBOX_VERIFICATION_TOKEN = 'sandboxVerificationToken0001';

/** Slack shows the user an error when the app has not answered within three seconds. */
export const SLACK_ACK_DEADLINE_MS = 3000;

/** How long the sandbox waits for the app before giving up (longer than Slack, so a cold local host still gets its answer recorded). */
const DELIVERY_TIMEOUT_MS = 30_000;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Slack gives every block without a `block_id` one of its own; the sandbox derives it from the
 * message ts and position so the same message always yields the same ids (blocks in state stay as sent).
 */
export function withBlockIds(blocks: unknown[], messageTs: string): unknown[] {
  return blocks.map((b, i) =>
    isObject(b) && typeof b['block_id'] !== 'string'
      ? { ...b, block_id: createHash('sha1').update(`${messageTs}:${i}`).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 5) }
      : b,
  );
}

/** A clickable button found in a message's blocks. */
export interface FoundButton {
  blockId: string;
  button: Json;
}

/** Finds the button with `actionId` in `actions` blocks and section accessories (both are clickable in Slack). */
export function findButton(blocks: unknown[], actionId: string): FoundButton | undefined {
  for (const block of blocks) {
    if (!isObject(block)) continue;
    const elements = block['type'] === 'actions' && Array.isArray(block['elements']) ? block['elements'] : block['type'] === 'section' && block['accessory'] ? [block['accessory']] : [];
    for (const el of elements) {
      if (isObject(el) && el['type'] === 'button' && el['action_id'] === actionId) return { blockId: String(block['block_id']), button: el };
    }
  }
  return undefined;
}

/** Slack-style timestamp with microseconds, e.g. 1750579200.123456, from the real clock. */
function realSlackTs(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

export interface BlockActionsInput {
  team: { id: string; domain: string };
  appId: string;
  user: { id: string; name: string };
  channel: { id: string; name: string };
  /** The message as Slack renders it (type, text, ts, user, bot_id, blocks with ids, ...). */
  message: Json & { ts: string };
  found: FoundButton;
  responseUrl: string;
  /** Real wall-clock ms: Slack's servers stamp actions with their own time. */
  nowMs: number;
}

/** The block_actions payload Slack POSTs for a button click in a (non-ephemeral) channel message. */
export function blockActionsPayload(input: BlockActionsInput): Json {
  const { button, blockId } = input.found;
  const text = isObject(button['text']) && button['text']['type'] === 'plain_text' && button['text']['emoji'] === undefined ? { ...button['text'], emoji: true } : button['text'];
  return {
    type: 'block_actions',
    user: { id: input.user.id, username: input.user.name, name: input.user.name, team_id: input.team.id },
    api_app_id: input.appId,
    token: SANDBOX_VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: input.message.ts, channel_id: input.channel.id, is_ephemeral: false },
    trigger_id: `${Math.floor(input.nowMs / 1000)}${Math.floor(Math.random() * 1000)}.${input.team.id.replace(/\D/g, '') || '0'}.${randomBytes(16).toString('hex')}`,
    team: { id: input.team.id, domain: input.team.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel.id, name: input.channel.name },
    message: input.message,
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        action_id: button['action_id'],
        block_id: blockId,
        text,
        ...(button['value'] !== undefined ? { value: button['value'] } : {}),
        ...(button['style'] !== undefined ? { style: button['style'] } : {}),
        type: 'button',
        action_ts: realSlackTs(input.nowMs),
      },
    ],
  };
}

/** Slack's form body: `payload=<percent-encoded JSON>` (spaces as %20, which every form parser reads). */
export function formBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the signing secret (Slack's documented scheme). */
export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** A secret that is never the real one, for clicks that must fail verification. */
export function forgedSecret(secret: string): string {
  return `forged-${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

/** The app's answer to one delivery. */
export interface Delivery {
  status: number;
  /** Parsed JSON when the body is JSON, else the text ('' for an empty 200, the usual ack). */
  body: unknown;
  elapsedMs: number;
}

/**
 * POSTs the signed form to the Request URL with the headers Slack sends. Uses node:http(s)
 * directly so the bytes on the wire are exactly the signed ones; https targets are verified
 * against Node's CAs (plus NODE_EXTRA_CA_CERTS).
 */
export function deliver(url: string, rawBody: string, headers: Record<string, string>): Promise<Delivery> {
  const target = new URL(url);
  const started = Date.now();
  const client = target.protocol === 'https:' ? https : http;
  const payload = Buffer.from(rawBody, 'utf8');
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': String(payload.length),
          'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
          Accept: 'application/json,*/*',
          ...headers,
        },
        timeout: DELIVERY_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            if (text.trim()) body = JSON.parse(text);
          } catch {
            body = text;
          }
          resolve({ status: res.statusCode ?? 0, body, elapsedMs: Date.now() - started });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${DELIVERY_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
