import type { DurableClient } from 'durable-functions';
import { AlreadyStartedError, type OrchestrationControl } from './windows';

const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/**
 * The durable client narrowed to what the API and scheduler need. The SDK throws on
 * 404 and is silent on 410, so an instance's status is read before raising an event.
 */
export function durableControl(client: DurableClient): OrchestrationControl {
  return durableControlOf(() => client);
}

/**
 * The same control over a client made on first use: building the SDK's DurableClient (its
 * webhook URLs checked, an HTTP client per instance) costs more than a status read answered
 * from statusCache.ts, so a request that never reaches the orchestration never builds one.
 */
export function lazyDurableControl(makeClient: () => DurableClient): OrchestrationControl {
  let made: DurableClient | undefined;
  return durableControlOf(() => (made ??= makeClient()));
}

function durableControlOf(clientOf: () => DurableClient): OrchestrationControl {
  const getStatus: OrchestrationControl['getStatus'] = async (instanceId) => {
    try {
      const status = await clientOf().getStatus(instanceId);
      if (!status?.runtimeStatus) return undefined;
      const created = status.createdTime ? new Date(status.createdTime) : undefined;
      return { runtimeStatus: String(status.runtimeStatus), customStatus: status.customStatus, output: status.output, ...(created && !Number.isNaN(created.getTime()) ? { createdTime: created.toISOString() } : {}) };
    } catch (error) {
      if (/404/.test(String((error as Error).message))) return undefined;
      throw error;
    }
  };
  return {
    getStatus,
    startNew: async (name, instanceId, input) => {
      try {
        await clientOf().startNew(name, { instanceId, input });
      } catch (error) {
        // Two starters raced (a duplicate timer fire): the extension refuses the second (HTTP 500,
        // OrchestrationAlreadyExistsException "... already exists"; the local host once answered 409).
        if (/409|already exists/i.test(String((error as Error).message))) throw new AlreadyStartedError(instanceId);
        throw error;
      }
    },
    raiseEvent: async (instanceId, eventName, data) => {
      const status = await getStatus(instanceId);
      if (!status) return 'missing';
      if (!RUNNING.has(status.runtimeStatus)) return 'gone';
      await clientOf().raiseEvent(instanceId, eventName, data);
      return 'raised';
    },
  };
}
