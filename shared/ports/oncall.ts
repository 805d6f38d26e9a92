/**
 * On-call alerting maintenance (Jira Service Management Operations / Opsgenie): while a window
 * runs, the named integrations (or alert policies) stop raising alerts, and the maintenance is
 * ended early on restore. Seed 002's proxy alerts moved from Opsgenie to Jira Service Management.
 */
export interface OnCallMaintenanceClient {
  /** Integration or policy ids for names (or ids); an unknown name is an error naming it. */
  findEntities(names: string[]): Promise<{ id: string; type: 'integration' | 'policy' }[]>;
  /** Starts a scheduled maintenance disabling those entities; resolves to its id. */
  startMaintenance(description: string, entities: { id: string; type: 'integration' | 'policy' }[], from: Date, to: Date): Promise<string>;
  /** Ends it now (cancel); a maintenance already over or gone counts as ended. */
  endMaintenance(maintenanceId: string): Promise<void>;
}
