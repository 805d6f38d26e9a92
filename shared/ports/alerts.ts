/** Alert suppression through Azure Monitor alert processing rules. */
export interface AlertSuppressionClient {
  /** Creates or replaces the rule `name` that suppresses alerts on `scopes`. */
  upsertSuppression(name: string, scopes: string[], description: string): Promise<void>;
  /** Deletes the rule; succeeds when it is already gone. */
  deleteSuppression(name: string): Promise<void>;
  listSuppressions(): Promise<{ name: string; scopes: string[] }[]>;
}
