import type { AccessClient } from './access';
import type { AlertSuppressionClient } from './alerts';
import type { ChatClient } from './chat';
import type { ComputeClient } from './compute';
import type { ConsulClient } from './consul';
import type { DnsClient } from './dns';
import type { WindowsHostClient } from './hosts';
import type { MailKeyClient } from './mail';
import type { OnCallMaintenanceClient } from './oncall';
import type { PipelineClient } from './pipelines';
import type { PoolClient } from './pools';
import type { ProbeClient } from './probes';
import type { SecretStoreClient } from './secrets';
import type { UptimeClient } from './uptime';

/** Everything the activities may touch outside the process, behind small interfaces. */
export interface Ports {
  compute: ComputeClient;
  pools: PoolClient;
  alerts: AlertSuppressionClient;
  secrets: SecretStoreClient;
  dns: DnsClient;
  chat: ChatClient;
  pipelines: PipelineClient;
  uptime: UptimeClient;
  mail: MailKeyClient;
  consul: ConsulClient;
  hosts: WindowsHostClient;
  /** Jira Service Management Operations / Opsgenie maintenance (not yet wired into alert sets). */
  oncall: OnCallMaintenanceClient;
  probes: ProbeClient;
  /** The app's own Azure permissions (pre-flight). */
  access: AccessClient;
}

export type * from './access';
export type * from './alerts';
export type * from './chat';
export type * from './compute';
export type * from './consul';
export type * from './dns';
export type * from './hosts';
export type * from './mail';
export type * from './oncall';
export type * from './operations';
export type * from './pipelines';
export type * from './pools';
export type * from './probes';
export type * from './secrets';
export type * from './uptime';
