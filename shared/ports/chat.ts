/** Team chat (Slack). Channels may be written with or without '#'. */
export interface ChatClient {
  postMessage(channel: string, text: string): Promise<{ channel: string; ts: string }>;
  updateMessage(channel: string, ts: string, text: string): Promise<void>;
}
