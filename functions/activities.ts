import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { services } from '../shared/composition';
import { Activities } from '../shared/orchestrations/names';
import type { ActivityHandlers } from '../shared/activities';

// Every activity is a thin registration; the logic lives in shared/activities.
for (const name of Object.values(Activities)) {
  if (name === Activities.signalInstances || name === Activities.startSteps) continue;
  df.app.activity(name, {
    handler: async (input: unknown) => (services().activities[name as keyof ActivityHandlers] as (i: unknown) => Promise<unknown>)(input),
  });
}

/** Raises an event on instances (abort to running steps); needs the durable client binding. */
df.app.activity(Activities.signalInstances, {
  extraInputs: [df.input.durableClient()],
  handler: async (input: { instanceIds: string[]; eventName: string; data: unknown }, context: InvocationContext) => {
    const client = df.getClient(context);
    const results: Record<string, string> = {};
    for (const id of input.instanceIds) {
      try {
        await client.raiseEvent(id, input.eventName, input.data);
        results[id] = 'raised';
      } catch (error) {
        // A step that already finished (410) or never started (404) has nothing to stop.
        results[id] = String((error as Error).message ?? error).slice(0, 120);
      }
    }
    return results;
  },
});

/** Starts step orchestrations that are not running yet (deterministic ids make a retry harmless). */
df.app.activity(Activities.startSteps, {
  extraInputs: [df.input.durableClient()],
  handler: async (input: { orchestration: string; steps: { instanceId: string; input: unknown }[] }, context: InvocationContext) => {
    const client = df.getClient(context);
    const started: string[] = [];
    for (const step of input.steps) {
      const existing = await client.getStatus(step.instanceId).catch(() => undefined);
      if (existing?.runtimeStatus) continue;
      await client.startNew(input.orchestration, { instanceId: step.instanceId, input: step.input });
      started.push(step.instanceId);
    }
    return started;
  },
});
