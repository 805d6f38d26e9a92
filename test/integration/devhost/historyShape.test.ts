/**
 * `showHistory=true` as the extension returns it (DurableClient.GetDurableOrchestrationStatusAsync)
 * and the events DTFx records for suspend, resume and terminate.
 */
import { type HistoryItem, type HostProcess, WEBHOOKS, raiseEvent, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('history') });
});

afterAll(async () => {
  await host.stop();
});

async function history(id: string, query: string): Promise<HistoryItem[]> {
  const res = await host.get(`${WEBHOOKS}/instances/${id}?showHistory=true${query}`);
  return (res.body as { historyEvents: HistoryItem[] }).historyEvents;
}

test('completions carry FunctionName, ScheduledTime and Input; no EventId, IsPlayed, TimerId or orchestrator events', async () => {
  const id = await startOrchestration(host, 'Parent', null, uniqueHub('p'));
  await waitFor(host, id);
  const events = await history(id, '&showHistoryOutput=true');
  expect(events[0]).toEqual({ EventType: 'ExecutionStarted', FunctionName: 'Parent', Input: 'null', Timestamp: expect.any(String) });
  const types = new Set(events.map((e) => e.EventType));
  for (const gone of ['OrchestratorStarted', 'OrchestratorCompleted', 'SubOrchestrationInstanceCreated', 'TaskScheduled']) expect(types).not.toContain(gone);
  for (const e of events) {
    expect(e).not.toHaveProperty('EventId');
    expect(e).not.toHaveProperty('IsPlayed');
    expect(e).not.toHaveProperty('TaskScheduledId');
  }
  const named = events.find((e) => e.EventType === 'SubOrchestrationInstanceCompleted' && e.Result === 21);
  expect(named).toEqual({ EventType: 'SubOrchestrationInstanceCompleted', Result: 21, Timestamp: expect.any(String), ScheduledTime: expect.any(String), FunctionName: 'Child', Input: '10' });
  expect(Date.parse(named?.Timestamp ?? '')).toBeGreaterThanOrEqual(Date.parse(named?.ScheduledTime ?? ''));
  expect(events.at(-1)).toEqual({ EventType: 'ExecutionCompleted', OrchestrationStatus: 'Completed', Result: { fanned: [3, 5, 7], named: 21 }, Timestamp: expect.any(String) });

  // Nobody approves: the timer wins (time-skipped).
  const timers = await startOrchestration(host, 'Approval', { timeoutHours: 48 });
  await waitFor(host, timers);
  const fired = (await history(timers, '')).filter((e) => e.EventType === 'TimerFired');
  expect(fired.length).toBe(1);
  for (const f of fired) expect(Object.keys(f).sort()).toEqual(['EventType', 'FireAt', 'Timestamp']);
});

test('Result only with showHistoryOutput; every Input gone with showInput=false; an open scheduling stays', async () => {
  const id = await startOrchestration(host, 'Sequence', null, uniqueHub('s'));
  await waitFor(host, id);
  const plain = await history(id, '');
  expect(plain.some((e) => 'Result' in e)).toBe(false);
  expect(plain.filter((e) => e.EventType === 'TaskCompleted').every((e) => typeof e.Input === 'string')).toBe(true);
  const noInput = await history(id, '&showHistoryOutput=true&showInput=false');
  expect(noInput.some((e) => 'Input' in e)).toBe(false);
  expect(noInput.filter((e) => e.EventType === 'TaskCompleted').map((e) => e.Result)).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);

  // A timer still pending and an event raised keep their own entries.
  const waiting = await startOrchestration(host, 'Approval', { timeoutHours: 48 }, uniqueHub('a'));
  const blocker = await startOrchestration(host, 'WaitForGo');
  await waitFor(host, waiting, (s) => s.runtimeStatus === 'Running');
  await raiseEvent(host, waiting, 'Approval', 'yes');
  await waitFor(host, waiting);
  const approval = await history(waiting, '');
  expect(approval.find((e) => e.EventType === 'EventRaised')).toEqual({ EventType: 'EventRaised', Name: 'Approval', Input: '"yes"', Timestamp: expect.any(String) });
  expect(approval.find((e) => e.EventType === 'TimerCreated')).toEqual({ EventType: 'TimerCreated', FireAt: expect.any(String), Timestamp: expect.any(String) });
  await raiseEvent(host, blocker, 'Go', null);
});

test('suspend, resume and terminate are recorded in history', async () => {
  const id = await startOrchestration(host, 'WaitForGo', null, uniqueHub('c'));
  await waitFor(host, id, (s) => s.runtimeStatus === 'Running');
  await host.post(`${WEBHOOKS}/instances/${id}/suspend?reason=lunch`);
  await host.post(`${WEBHOOKS}/instances/${id}/resume?reason=back`);
  await host.post(`${WEBHOOKS}/instances/${id}/terminate?reason=enough`);
  await waitFor(host, id);
  const events = await history(id, '&showHistoryOutput=true');
  expect(events.slice(-4)).toEqual([
    { EventType: 'ExecutionSuspended', Reason: 'lunch', Timestamp: expect.any(String) },
    { EventType: 'ExecutionResumed', Reason: 'back', Timestamp: expect.any(String) },
    { EventType: 'ExecutionTerminated', Input: 'enough', Timestamp: expect.any(String) },
    { EventType: 'ExecutionCompleted', OrchestrationStatus: 'Terminated', Result: 'enough', Timestamp: expect.any(String) },
  ]);
});
