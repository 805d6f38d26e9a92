/** Mail provider API keys (Mailgun). The secret is returned once, at creation. */
export interface MailKeyClient {
  createKey(description: string): Promise<{ id: string; secret: string }>;
  listKeys(): Promise<{ id: string; description: string }[]>;
  deleteKey(id: string): Promise<void>;
  /** True when `secret` authenticates against the provider. */
  verifyKey(secret: string): Promise<boolean>;
}
