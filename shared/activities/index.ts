import type { ActivityName } from '../orchestrations/names';
import { changeActivities } from './changes';
import { estateActivities } from './estate';
import { pipelineActivities } from './pipelines';
import { reportActivities } from './report';
import { runActivities } from './run';
import { secretActivities } from './secrets';
import type { ActivityDeps } from './types';
import { undoActivities } from './undo';

export type { ActivityDeps } from './types';

/** Handlers by activity name; `signalInstances` and `startSteps` need the durable client and are bound at registration. */
export type ActivityHandlers = Record<Exclude<ActivityName, 'signalInstances' | 'startSteps'>, (input: never) => Promise<unknown>>;

/** Every activity, built over the ports, so tests and the local host inject the simulated estate. */
export function createActivities(deps: ActivityDeps): ActivityHandlers {
  return {
    ...runActivities(deps),
    ...estateActivities(deps),
    ...changeActivities(deps),
    ...secretActivities(deps),
    ...pipelineActivities(deps),
    ...undoActivities(deps),
    ...reportActivities(deps),
  };
}
