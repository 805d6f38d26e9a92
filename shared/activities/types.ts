import type { Ports } from '../ports';
import type { WindowStore } from '../store/windowStore';
import type { WindowSource } from '../window/source';

/** What activities may touch: vendors through ports, our record, the window files. */
export interface ActivityDeps {
  ports: Ports;
  store: WindowStore;
  windows: WindowSource;
  /** Raises events on orchestration instances (the durable client, bound at registration). */
  raiseEvent?: (instanceId: string, eventName: string, data: unknown) => Promise<void>;
  /** The app's public address, for links in notices (MW_PUBLIC_URL); absent, links are paths. */
  publicUrl?: string;
}
