/**
 * Event waiters that outlive a WhenAny, as the window orchestrator uses them: the host must
 * hand each event to the newest open waiter (the extension's stack), so the compound the
 * orchestrator is blocked on completes and the work it decides next is scheduled.
 */
import { type HostProcess, type Status, raiseEvent, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('events'), memory: true });
});

afterAll(async () => {
  await host.stop();
});

const custom = (s: Status) => (s.customStatus ?? {}) as { ticks?: number; stopped?: boolean };

test('a waiter raced in every turn of a loop wins when its event comes, and the next action is scheduled', async () => {
  const id = await startOrchestration(host, 'EventLoop');
  for (const n of [1, 2, 3]) {
    expect(await raiseEvent(host, id, 'Tick', n)).toBe(202);
    await waitFor(host, id, (s) => custom(s).ticks === n, undefined, false);
  }
  expect(await raiseEvent(host, id, 'Stop', 'ops')).toBe(202);
  // Stop completes the WhenAny of the fourth turn (not one of the three already left behind),
  // so the activity after the loop is scheduled in the same episode.
  const stopped = await waitFor(host, id, (s) => custom(s).stopped === true || s.runtimeStatus !== 'Running');
  expect(stopped.runtimeStatus).toBe('Running');
  const events = (stopped.historyEvents ?? []).map((e) => `${e.EventType}${(e.Name ?? e.FunctionName) ? `:${e.Name ?? e.FunctionName ?? ''}` : ''}`);
  const raised = events.indexOf('EventRaised:Stop');
  expect(raised).toBeGreaterThan(0);
  // The activity's completion (its scheduling merged in, as the extension shows it) follows Stop.
  expect(events.slice(raised + 1)).toEqual(['TaskCompleted:SayHello']);

  // The Tick waiter that lost to Stop, awaited again, takes the next Tick.
  expect(await raiseEvent(host, id, 'Tick', 4)).toBe(202);
  const done = await waitFor(host, id);
  expect(done.runtimeStatus).toBe('Completed');
  expect(done.output).toEqual({ ticks: [1, 2, 3], stoppedBy: 'ops', reported: 'Hello stopped', late: 4 });
});
