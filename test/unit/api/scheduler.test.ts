import { startDueWindows } from '../../../shared/api/scheduler';
import type { DurableStatusView, OrchestrationControl } from '../../../shared/api/windows';
import { miniWindowSource } from '../../support/miniWindowSource';

/** The timer's start decision when the window's instance already exists from an earlier run. */

const windows = miniWindowSource();
// e2e-mini's first step is Saturday 2025-06-21 23:00 EDT; the timer starts it 30 minutes early.
const due = Date.parse('2025-06-22T02:40:00Z');

function durable(existing: DurableStatusView | undefined): OrchestrationControl & { started: string[] } {
  const started: string[] = [];
  return {
    started,
    getStatus: async () => existing,
    startNew: async (_name, instanceId) => {
      started.push(instanceId);
    },
    raiseEvent: async () => 'missing',
  };
}

describe('the scheduler and earlier runs of a window', () => {
  it('still starts the window on time after a rehearsal ran it days before in the same task hub', async () => {
    const d = durable({ runtimeStatus: 'Completed', createdTime: '2025-06-18T14:00:00.000Z' });
    const decisions = await startDueWindows({ windows, durable: d, clock: { now: async () => due } });
    expect(decisions).toEqual([{ windowId: 'e2e-mini', action: 'started' }]);
    expect(d.started).toEqual(['window-e2e-mini']);
  });

  it.each(['2025-06-22T02:35:00.000Z', '2025-06-21T20:00:00.000Z'])('does not start it again after a run began within a day of it (%s: by hand, early, or an earlier fire)', async (createdTime) => {
    const d = durable({ runtimeStatus: 'Completed', createdTime });
    const decisions = await startDueWindows({ windows, durable: d, clock: { now: async () => due } });
    expect(decisions).toEqual([{ windowId: 'e2e-mini', action: 'already-ran', detail: 'Completed' }]);
    expect(d.started).toEqual([]);
  });

  it('never starts a second run while one is going', async () => {
    const d = durable({ runtimeStatus: 'Running', createdTime: '2025-06-18T14:00:00.000Z' });
    expect((await startDueWindows({ windows, durable: d, clock: { now: async () => due } }))[0]?.action).toBe('running');
    expect(d.started).toEqual([]);
  });
});
