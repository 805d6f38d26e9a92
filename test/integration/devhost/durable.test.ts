/**
 * The durable task hub, driven over HTTP through the conformance app: every feature of
 * issue 3's task-hub bullet, with history shapes where they matter. One host (child
 * process, task hub in Azurite) for the file.
 */
import {
  type HostProcess,
  type Status,
  WEBHOOKS,
  getStatus,
  raiseEvent,
  spawnHost,
  startOrchestration,
  uniqueHub,
  waitFor,
} from '../../support/devhostProcess';

let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('durable'), args: ['--start', '2025-06-21T00:00:00Z'] });
});

afterAll(async () => {
  await host.stop();
});

const shape = (s: Status): string[] =>
  (s.historyEvents ?? []).filter((e) => e.EventType !== 'ExecutionStarted' && e.EventType !== 'ExecutionCompleted').map((e) => e.EventType);

test('activities in sequence through the client binding (df.getClient in app code)', async () => {
  const res = await host.post('/api/start/Sequence/seq-1');
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toContain(`${WEBHOOKS}/instances/seq-1`);
  const status = await waitFor(host, 'seq-1');
  expect(status.runtimeStatus).toBe('Completed');
  expect(status.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
  // The extension's view: scheduling merged into the completion (FunctionName, ScheduledTime, Input).
  expect(shape(status)).toEqual(['TaskCompleted', 'TaskCompleted', 'TaskCompleted']);
  expect((status.historyEvents ?? []).filter((e) => e.EventType === 'TaskCompleted').map((e) => [e.FunctionName, e.Result])).toEqual([
    ['SayHello', 'Hello Tokyo'],
    ['SayHello', 'Hello Seattle'],
    ['SayHello', 'Hello London'],
  ]);
});

test('fan-out/fan-in with Task.all (WhenAll)', async () => {
  const id = await startOrchestration(host, 'FanOut', { n: 25 });
  const status = await waitFor(host, id);
  expect(status.output).toEqual({ count: 25, sum: 25 * 26 });
  expect(shape(status).filter((t) => t === 'TaskCompleted')).toHaveLength(25);
});

test('retries have the real history shape and the attempts counted by the activity', async () => {
  const id = await startOrchestration(host, 'RetryFlaky', null, 'retry-1');
  const status = await waitFor(host, id);
  expect(status.runtimeStatus).toBe('Completed');
  expect(status.output).toEqual({ key: 'retry-1', attempts: 3 });
  expect(shape(status)).toEqual(['TaskFailed', 'TimerCreated', 'TimerFired', 'TaskFailed', 'TimerCreated', 'TimerFired', 'TaskCompleted']);
  const events = status.historyEvents ?? [];
  expect(events.filter((e) => e.EventType.startsWith('Task')).map((e) => e.FunctionName)).toEqual(['Flaky', 'Flaky', 'Flaky']);
  expect(events.find((e) => e.EventType === 'TaskFailed')?.Reason).toBe("Activity function 'Flaky' failed: transient failure 1 for retry-1");
});

test('exhausted retries surface the activity failure to the orchestrator', async () => {
  const id = await startOrchestration(host, 'RetryExhausted');
  const status = await waitFor(host, id);
  expect(status.output).toEqual({ caught: "Activity function 'AlwaysFails' failed: always fails: boom " });
  // Two attempts, each followed by a retry timer (the last one too, as DurableTask.Core does).
  expect(shape(status)).toEqual(['TaskFailed', 'TimerCreated', 'TimerFired', 'TaskFailed', 'TimerCreated', 'TimerFired']);
  const timers = (status.historyEvents ?? []).filter((e) => e.EventType === 'TimerCreated');
  const scheduled = (status.historyEvents ?? []).filter((e) => e.EventType === 'TaskFailed');
  // backoffCoefficient 2: 1 s after the first failure, 2 s after the second.
  const delays = timers.map((t, i) => Date.parse(t.FireAt ?? '') - Date.parse((scheduled[i] as unknown as { Timestamp: string }).Timestamp));
  expect(delays[0]).toBeGreaterThanOrEqual(1000);
  expect(delays[0]).toBeLessThan(1100);
  expect(delays[1]).toBeGreaterThanOrEqual(2000);
  expect(delays[1]).toBeLessThan(2100);
});

test('sub-orchestrations: generated ids, explicit ids, parent linkage', async () => {
  const id = await startOrchestration(host, 'Parent', null, 'parent-1');
  const status = await waitFor(host, id);
  expect(status.output).toEqual({ fanned: [3, 5, 7], named: 21 });
  const done = (status.historyEvents ?? []).filter((e) => e.EventType === 'SubOrchestrationInstanceCompleted');
  expect(done.map((e) => e.FunctionName)).toEqual(['Child', 'Child', 'Child', 'Child']);
  // Generated child ids are `<parent execution id>:<sequence number>`.
  const children = ((await host.get(`${WEBHOOKS}/instances?runtimeStatus=Completed&top=1000`)).body as Status[]).filter((s) => s.name === 'Child');
  expect(children.filter((c) => /^[0-9a-f]{32}:[0-2]$/.test(c.instanceId)).length).toBeGreaterThanOrEqual(3);
  const child = await getStatus(host, 'parent-1-named');
  expect(child).toMatchObject({ name: 'Child', runtimeStatus: 'Completed', output: 21, input: 10 });
});

test('continueAsNew restarts with the new input until done', async () => {
  const id = await startOrchestration(host, 'ContinueCounter', 0, 'counter-1');
  const status = await waitFor(host, id);
  expect(status.output).toEqual({ final: 4, instanceId: 'counter-1' });
  expect(status.input).toBe(3);
  expect(shape(status)).toEqual(['TaskCompleted']);
});

test('an event raised before the orchestrator waits for it is buffered', async () => {
  const id = await startOrchestration(host, 'EventEarly', null, 'early-1');
  expect(await raiseEvent(host, id, 'Go', { ok: 1 })).toBe(202);
  const status = await waitFor(host, id);
  expect(status.output).toEqual({ greeting: 'Hello early', go: { ok: 1 } });
});

test('WhenAny: the event wins over a pending timer; custom status; 410 after completion', async () => {
  // An instance waiting on an event alone blocks time-skipping, so the 1 h timer stays pending.
  const blocker = await startOrchestration(host, 'WaitForGo', null, 'blocker-1');
  const id = await startOrchestration(host, 'Approval', { timeoutHours: 1 }, 'approval-1');
  await waitFor(host, id, (s) => s.runtimeStatus === 'Running');
  expect(await raiseEvent(host, id, 'Approval', 'yes')).toBe(202);
  const status = await waitFor(host, id);
  expect(status.output).toEqual({ approved: 'yes' });
  expect(shape(status)).toEqual(['TimerCreated', 'EventRaised']);
  expect(await raiseEvent(host, id, 'Approval', 'again')).toBe(410);
  expect(await raiseEvent(host, 'no-such-instance', 'Approval', 'x')).toBe(404);
  // The instance is checked before the body: a finished one is 410 whatever the content type.
  expect((await host.post(`${WEBHOOKS}/instances/${id}/raiseEvent/Approval`, 'plain', { 'content-type': 'text/plain' })).status).toBe(410);
  await raiseEvent(host, blocker, 'Go', 1);
  await waitFor(host, blocker);
});

test('WhenAny: the timer wins when nobody approves (time-skipped)', async () => {
  const id = await startOrchestration(host, 'Approval', { timeoutHours: 48 });
  const status = await waitFor(host, id);
  expect(status.output).toEqual({ approved: false, reason: 'timeout' });
  expect(shape(status)).toEqual(['TimerCreated', 'TimerFired']);
});

// How fast is a benchmark's question (bench/); here only that virtual time was skipped, not waited for.
test('time-skipping: 9 virtual hours then 3 days pass on the virtual clock, with virtual currentUtcDateTime', async () => {
  const id = await startOrchestration(host, 'Timers');
  const status = await waitFor(host, id);
  const [t0, t1, t2] = (status.output as string[]).map((s) => Date.parse(s));
  expect(t0).toBeGreaterThanOrEqual(Date.parse('2025-06-21T00:00:00Z'));
  expect(t0).toBeLessThan(Date.parse('2025-07-21T00:00:00Z'));
  expect((t1 ?? 0) - (t0 ?? 0)).toBeGreaterThanOrEqual(9 * 3600_000);
  expect((t1 ?? 0) - (t0 ?? 0)).toBeLessThan(9 * 3600_000 + 60_000);
  expect((t2 ?? 0) - (t1 ?? 0)).toBeGreaterThanOrEqual(3 * 86400_000);
  expect((t2 ?? 0) - (t1 ?? 0)).toBeLessThan(3 * 86400_000 + 60_000);
  const clock = (await host.get('/admin/devhost/clock')).body as { nowMs: number };
  expect(clock.nowMs).toBeGreaterThanOrEqual(t2 ?? Infinity);
});

test('a 10-day timer is split into segments (3 d, 3 d, final)', async () => {
  const id = await startOrchestration(host, 'LongTimer');
  const status = await waitFor(host, id);
  const out = status.output as { start: string; end: string };
  expect(Date.parse(out.end) - Date.parse(out.start)).toBeGreaterThanOrEqual(10 * 86400_000);
  const timers = (status.historyEvents ?? []).filter((e) => e.EventType === 'TimerCreated');
  expect(timers).toHaveLength(3);
  const start = Date.parse(out.start);
  expect(timers.map((t) => Math.round((Date.parse(t.FireAt ?? '') - start) / 86400_000))).toEqual([3, 6, 10]);
  expect(shape(status)).toEqual(['TimerCreated', 'TimerFired', 'TimerCreated', 'TimerFired', 'TimerCreated', 'TimerFired']);
});

test('custom status is visible while running; more than 16 KB fails the instance', async () => {
  const id = await startOrchestration(host, 'CustomStatus', null, 'custom-1');
  const running = await waitFor(host, id, (s) => s.customStatus !== null);
  expect(running.runtimeStatus).toBe('Running');
  expect((running.customStatus as { stage: string }).stage).toBe('waiting');
  await raiseEvent(host, id, 'Continue', 'next');
  const done = await waitFor(host, id);
  expect(done.customStatus).toEqual({ stage: 'done' });
  expect(done.output).toBe('next');

  const huge = await startOrchestration(host, 'HugeStatus');
  const failed = await waitFor(host, huge);
  expect(failed.runtimeStatus).toBe('Failed');
  expect(String(failed.output)).toMatch(/^Orchestrator function 'HugeStatus' failed: .*16 ?KB/);
});

test('terminate, suspend and resume with the real status codes', async () => {
  const a = await startOrchestration(host, 'WaitForGo', null, 'term-1');
  await waitFor(host, a, (s) => s.runtimeStatus === 'Running');
  expect((await host.post(`${WEBHOOKS}/instances/${a}/terminate?reason=enough`)).status).toBe(202);
  const terminated = await waitFor(host, a);
  expect(terminated).toMatchObject({ runtimeStatus: 'Terminated', output: 'enough' });
  expect((await host.post(`${WEBHOOKS}/instances/${a}/terminate?reason=again`)).status).toBe(410);
  expect((await host.post(`${WEBHOOKS}/instances/nobody/terminate?reason=x`)).status).toBe(404);

  const b = await startOrchestration(host, 'WaitForGo', null, 'susp-1');
  await waitFor(host, b, (s) => s.runtimeStatus === 'Running');
  expect((await host.post(`${WEBHOOKS}/instances/${b}/suspend?reason=pause`)).status).toBe(202);
  expect((await getStatus(host, b)).runtimeStatus).toBe('Suspended');
  await raiseEvent(host, b, 'Go', 'while-suspended');
  // The event waits in the inbox: the instance stays suspended.
  await new Promise((r) => setTimeout(r, 150));
  expect((await getStatus(host, b)).runtimeStatus).toBe('Suspended');
  expect((await host.post(`${WEBHOOKS}/instances/${b}/resume?reason=go`)).status).toBe(202);
  const resumed = await waitFor(host, b);
  expect(resumed).toMatchObject({ runtimeStatus: 'Completed', output: { go: 'while-suspended' } });
});

test('status codes while running and after, listing and paging', async () => {
  const id = await startOrchestration(host, 'WaitForGo', null, 'conflict-1');
  const running = await host.get(`${WEBHOOKS}/instances/${id}`);
  expect(running.status).toBe(202);
  expect(running.headers.get('retry-after')).toBe('5');
  await raiseEvent(host, id, 'Go', null);
  await waitFor(host, id);
  expect((await host.get(`${WEBHOOKS}/instances/${id}`)).status).toBe(200);

  const listed = await host.get(`${WEBHOOKS}/instances?runtimeStatus=Completed`);
  expect(listed.status).toBe(200);
  const ids = (listed.body as Status[]).map((s) => s.instanceId);
  expect(ids).toEqual(expect.arrayContaining(['seq-1', 'parent-1', 'conflict-1']));
  expect((listed.body as Status[]).every((s) => s.runtimeStatus === 'Completed')).toBe(true);
  const page = await host.get(`${WEBHOOKS}/instances?top=2`);
  expect((page.body as Status[]).length).toBe(2);
  expect(page.headers.get('x-ms-continuation-token')).toBe('2');

  const purged = await host.del(`${WEBHOOKS}/instances/${id}`);
  expect(purged).toMatchObject({ status: 200, body: { instancesDeleted: 1 } });
  expect((await host.get(`${WEBHOOKS}/instances/${id}`)).status).toBe(404);
  expect((await host.del(`${WEBHOOKS}/instances/${id}`)).status).toBe(404);
});

test('the durable client in app code: status, raise, list', async () => {
  const id = await startOrchestration(host, 'WaitForGo', null, 'client-1');
  await waitFor(host, id, (s) => s.runtimeStatus === 'Running');
  expect((await host.post('/api/client/raise', { instanceId: id, event: 'Go', data: 7 })).status).toBe(202);
  await waitFor(host, id);
  const viaApp = (await host.post('/api/client/status', { instanceId: id })).body as { runtimeStatus: string; output: unknown };
  expect(viaApp.runtimeStatus).toBe('Completed');
  expect(viaApp.output).toEqual({ go: 7 });
  const list = (await host.post('/api/client/list', {})).body as { instanceId: string }[];
  expect(list.map((s) => s.instanceId)).toContain('client-1');
});

test('entities: signals and calls from an orchestration run one at a time; client signal and read state', async () => {
  const id = await startOrchestration(host, 'EntityCalls', { key: 'e1' });
  const status = await waitFor(host, id);
  // The signal (add 100) is delivered before the first call: one operation at a time, in order.
  expect(status.output).toEqual({ afterFirst: 105, afterSecond: 112, current: 112 });
  expect(shape(status).filter((t) => t === 'EventSent')).toHaveLength(4);

  expect((await host.post('/api/client/signal', { entity: 'Counter', key: 'e1', operation: 'add', data: 8 })).status).toBe(202);
  const deadline = Date.now() + 5000;
  let read: { entityExists: boolean; entityState?: number } = { entityExists: false };
  while (Date.now() < deadline) {
    read = (await host.post('/api/client/read', { entity: 'Counter', key: 'e1' })).body as typeof read;
    if (read.entityState === 120) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(read).toEqual({ entityExists: true, entityState: 120 });
  expect((await host.get(`${WEBHOOKS}/entities/Counter/never-used`)).status).toBe(404);
});

test('failures: an orchestrator that throws, and an unknown activity', async () => {
  const a = await waitFor(host, await startOrchestration(host, 'Throws'));
  expect(a.runtimeStatus).toBe('Failed');
  expect(a.output).toBe("Orchestrator function 'Throws' failed: orchestrator gave up after 2");
  const b = await waitFor(host, await startOrchestration(host, 'MissingActivity'));
  expect(b.runtimeStatus).toBe('Failed');
  expect(b.output).toBe("The function 'NoSuchActivity' doesn't exist, is disabled, or is not an activity function.");
});
