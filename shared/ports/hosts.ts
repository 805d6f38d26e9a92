/** A Windows service as the Service Control Manager reports it. */
export interface WindowsServiceState {
  startType: 'Automatic' | 'Manual' | 'Disabled';
  running: boolean;
}

/**
 * Worker services and scheduled tasks on the estate's Windows machines (seed 004's worker and
 * scheduled-task boxes), addressed by machine name. Setters are idempotent and report the state
 * reached, so a caller can record what was there before and put back exactly that.
 */
export interface WindowsHostClient {
  getService(node: string, service: string): Promise<WindowsServiceState>;
  /** Sets the start type, then stops or starts the service; resolves to the state after. */
  setService(node: string, service: string, state: WindowsServiceState): Promise<WindowsServiceState>;
  /** `task` is the task name, optionally with its folder (`\BillPay\Nightly`). */
  getScheduledTask(node: string, task: string): Promise<{ enabled: boolean }>;
  setScheduledTask(node: string, task: string, enabled: boolean): Promise<{ enabled: boolean }>;
}
