/**
 * Restart and rewind as the extension answers them (HttpApiHandler
 * HandleRestartInstanceRequestAsync / HandleRewindInstanceRequestAsync, DurableClient
 * RestartAsync / RewindAsync) and rewind as the Azure Storage provider performs it.
 */
import { type HostProcess, type Status, WEBHOOKS, getStatus, raiseEvent, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('rewind') });
});

afterAll(async () => {
  await host.stop();
});

test('restart starts the same orchestrator with the same input under a new id by default', async () => {
  const id = await startOrchestration(host, 'ContinueCounter', 2, uniqueHub('restart'));
  const first = await waitFor(host, id);
  const res = await host.post(`${WEBHOOKS}/instances/${id}/restart`);
  expect(res.status).toBe(202);
  const body = res.body as Record<string, string>;
  expect(body.id).not.toBe(id);
  expect(res.headers.get('location')).toBe(body.statusQueryGetUri);
  expect(res.headers.get('retry-after')).toBe('10');
  const again = await waitFor(host, body.id ?? '');
  expect(again).toMatchObject({ name: 'ContinueCounter', runtimeStatus: 'Completed', output: { final: 4, instanceId: body.id } });
  expect(first.output).toMatchObject({ final: 4 });
});

test('restartWithNewInstanceId=false runs the same id again; an unknown id is a 400', async () => {
  const id = await startOrchestration(host, 'WaitForGo', null, uniqueHub('same'));
  await waitFor(host, id, (s) => s.runtimeStatus === 'Running');
  await raiseEvent(host, id, 'Go', 1);
  await waitFor(host, id);
  const res = await host.post(`${WEBHOOKS}/instances/${id}/restart?restartWithNewInstanceId=false`);
  expect(res.status).toBe(202);
  expect((res.body as { id: string }).id).toBe(id);
  // The new execution waits for Go again: the history holds no event from the first run.
  const running = await waitFor(host, id, (s) => s.runtimeStatus === 'Running');
  expect(running.output).toBeNull();
  await raiseEvent(host, id, 'Go', 2);
  expect((await waitFor(host, id)).output).toEqual({ go: 2 });

  const unknown = await host.post(`${WEBHOOKS}/instances/no-such-instance/restart`);
  expect(unknown.status).toBe(400);
  expect(unknown.body).toMatchObject({ Message: 'InstanceId does not match a valid orchestration instance.', ExceptionType: 'System.ArgumentException' });
});

test('rewind of a Failed instance replays it with the failed activity scheduled again', async () => {
  const id = await startOrchestration(host, 'FlakyOnce', null, uniqueHub('flaky'));
  const failed = await waitFor(host, id);
  expect(failed.runtimeStatus).toBe('Failed');
  const res = await host.post(`${WEBHOOKS}/instances/${id}/rewind?reason=fixed`);
  expect(res).toMatchObject({ status: 202, body: undefined });
  const done = await waitFor(host, id);
  expect(done).toMatchObject({ runtimeStatus: 'Completed', output: { greeting: 'Hello rewind', attempts: 2 } });
  // The failure stays in history as GenericEvents; the greeting activity was not run again.
  const types = (done.historyEvents ?? []).map((e) => e.EventType);
  expect(types.filter((t) => t === 'GenericEvent').length).toBeGreaterThanOrEqual(3);
  expect(types).not.toContain('TaskFailed');
});

test('rewind of a parent rewinds its failed sub-orchestration; the JS client rewinds too', async () => {
  const id = uniqueHub('parent');
  await startOrchestration(host, 'FlakyParent', null, id);
  expect((await waitFor(host, id)).runtimeStatus).toBe('Failed');
  expect((await getStatus(host, `${id}-child`)).runtimeStatus).toBe('Failed');
  expect((await host.post('/api/client/rewind', { instanceId: id, reason: 'retry' })).status).toBe(202);
  const done = await waitFor(host, id);
  expect(done).toMatchObject({ runtimeStatus: 'Completed', output: { child: { greeting: 'Hello rewind', attempts: 2 } } });
  expect((await getStatus(host, `${id}-child`)).runtimeStatus).toBe('Completed');
});

test('rewind answers 404 (empty) unknown, 410 when completed, 500 InvalidOperationException while running', async () => {
  const unknown = await host.post(`${WEBHOOKS}/instances/nobody-here/rewind?reason=x`);
  expect(unknown).toMatchObject({ status: 404, body: undefined });

  const done = await startOrchestration(host, 'Sequence');
  await waitFor(host, done);
  expect((await host.post(`${WEBHOOKS}/instances/${done}/rewind?reason=x`)).status).toBe(410);

  const running = await startOrchestration(host, 'WaitForGo');
  await waitFor(host, running, (s: Status) => s.runtimeStatus === 'Running');
  const res = await host.post(`${WEBHOOKS}/instances/${running}/rewind?reason=x`);
  expect(res.status).toBe(500);
  expect(res.body).toMatchObject({
    Message: 'Something went wrong while processing your request',
    ExceptionMessage: 'The rewind operation is only supported on failed orchestration instances.',
    ExceptionType: 'System.InvalidOperationException',
  });
  await raiseEvent(host, running, 'Go', null);
});
