/** Team chat (Slack). Channels may be written with or without '#'. */
export interface ChatClient {
  /**
   * Buttons are shown only where the app can receive their clicks (Slack interactivity configured).
   * `sections` lay a long message out as separate blocks (Slack Block Kit sections); `text` stays the
   * notification and screen-reader fallback.
   */
  postMessage(channel: string, text: string, options?: { buttons?: ChatButton[]; sections?: string[] }): Promise<{ channel: string; ts: string }>;
  /** The ts of the channel's newest message ('0' when it has none): the baseline {@link findPosted} looks past. Read-only. */
  latestTs(channel: string): Promise<string>;
  /**
   * A message this bot posted in the channel after `afterTs` with exactly this text, or starting with
   * `{ prefix }` (one whose post answer, or whose record, was lost), or undefined. Read-only (Slack
   * conversations.history).
   */
  findPosted(channel: string, text: string | { prefix: string }, afterTs: string): Promise<{ channel: string; ts: string } | undefined>;
  /** Replaces a message's text; any buttons under it go (an updated notice is a closed question). */
  updateMessage(channel: string, ts: string, text: string): Promise<void>;
  /** Who the token is (Slack auth.test): fails when the token is missing, revoked or expired. Read-only. */
  whoAmI(): Promise<{ user: string; team: string }>;
  /** The channel as the bot sees it, or undefined when it does not exist or is hidden from it (conversations.list). Read-only. */
  describeChannel(channel: string): Promise<{ id: string; name: string; isMember: boolean; archived: boolean } | undefined>;
}

/** A button under a message; a click comes back to the app with `actionId` and `value`. */
export interface ChatButton {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger';
}
