import * as df from 'durable-functions';
import { applyLeaseOperation, type LeaseOperation, type LeaseState } from '../shared/entities/poolWriter';
import { Entities, Orchestrations } from '../shared/orchestrations/names';
import { patchChunkOrchestrator } from '../shared/orchestrations/kinds/patch';
import { restoreOrchestrator } from '../shared/orchestrations/restore';
import { stepOrchestrator } from '../shared/orchestrations/step';
import { windowOrchestrator } from '../shared/orchestrations/window';

df.app.orchestration(Orchestrations.window, windowOrchestrator);
df.app.orchestration(Orchestrations.step, stepOrchestrator);
df.app.orchestration(Orchestrations.restore, restoreOrchestrator);
df.app.orchestration(Orchestrations.patchChunk, patchChunkOrchestrator);

df.app.entity(Entities.poolWriter, (context) => {
  const op = { name: context.df.operationName, input: context.df.getInput() } as LeaseOperation;
  const { state, result } = applyLeaseOperation(context.df.getState(() => undefined) as LeaseState | undefined, op);
  context.df.setState(state);
  context.df.return(result);
});
