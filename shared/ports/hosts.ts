/** A Windows service as the Service Control Manager reports it. */
export interface WindowsServiceState {
  startType: 'Automatic' | 'Manual' | 'Disabled';
  running: boolean;
}

/** One thing to read or change on a Windows machine. `task` is the task name, optionally with its folder (`\BillPay\Nightly`). */
export type HostRequest =
  | { op: 'getService'; node: string; service: string }
  | { op: 'setService'; node: string; service: string; state: WindowsServiceState }
  | { op: 'getTask'; node: string; task: string }
  | { op: 'setTask'; node: string; task: string; enabled: boolean };

/** What a request reports once done: the service's state, or whether the task is enabled. */
export type HostResult = WindowsServiceState | { enabled: boolean };

/**
 * Where a host request stands. Run Command takes 20-60 s on Azure, so a caller never waits
 * inside one call: it keeps the token and checks again later (an orchestrator, on a durable timer).
 */
export type HostStep = { state: 'running'; token: string } | { state: 'done'; result: HostResult };

/**
 * Worker services and scheduled tasks on the estate's Windows machines (seed 004's worker and
 * scheduled-task boxes), addressed by machine name. Setters are idempotent and report the state
 * reached, so a caller can record what was there before and put back exactly that.
 */
export interface WindowsHostClient {
  /**
   * Starts a request; a setter that did not reach the asked state fails when checked. `runName`
   * names this one run (deterministic, shared/activities/runNames.ts): a retry with the same name
   * follows the run already started instead of running the script again.
   */
  begin(request: HostRequest, runName: string): Promise<HostStep>;
  /** Checks a running request once. */
  check(token: string): Promise<HostStep>;
  /** The Azure VM a machine name runs on (configuration), where its run commands live; throws naming the machine when none is configured. */
  vmIdOf(node: string): string;
}
