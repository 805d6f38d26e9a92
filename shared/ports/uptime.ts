/** Uptime monitoring maintenance windows (Pingdom). */
export interface UptimeClient {
  findCheckIds(names: (string | number)[]): Promise<number[]>;
  startMaintenance(description: string, checkIds: number[], fromEpochSeconds: number, toEpochSeconds: number): Promise<number>;
  endMaintenance(maintenanceId: number, atEpochSeconds: number): Promise<void>;
}
