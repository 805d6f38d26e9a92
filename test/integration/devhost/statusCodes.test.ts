/**
 * Status codes, bodies and headers of the instance API as the extension answers them
 * (HttpApiHandler, DurableClient, the Azure Storage provider's dedupe and purge).
 */
import path from 'node:path';
import { type HostProcess, type Status, WEBHOOKS, raiseEvent, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('codes') });
});

afterAll(async () => {
  await host.stop();
});

const running = (s: Status): boolean => s.runtimeStatus === 'Running';

test('the start response: the check-status keys without rewindPostUri, Location and Retry-After 10', async () => {
  const res = await host.post(`${WEBHOOKS}/orchestrators/Sequence`, '');
  expect(res.status).toBe(202);
  const body = res.body as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(
    ['id', 'purgeHistoryDeleteUri', 'restartPostUri', 'resumePostUri', 'sendEventPostUri', 'statusQueryGetUri', 'suspendPostUri', 'terminatePostUri'].sort(),
  );
  expect(res.headers.get('location')).toBe(body.statusQueryGetUri);
  expect(res.headers.get('retry-after')).toBe('10');
  await waitFor(host, body.id ?? '');
});

test('a running instance answers 202 with its own request URL as Location', async () => {
  const id = await startOrchestration(host, 'WaitForGo', null, uniqueHub('loc'));
  await waitFor(host, id, running);
  const path = `${WEBHOOKS}/instances/${id}?showInput=false&taskHub=whatever`;
  const res = await host.get(path);
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe(`${host.url}${path}`);
  await raiseEvent(host, id, 'Go', null);
});

test('a duplicate start of a running instance is the provider refusal (500 OrchestrationAlreadyExistsException), not 409', async () => {
  const id = await startOrchestration(host, 'WaitForGo', null, uniqueHub('dup'));
  await waitFor(host, id, running);
  const again = await host.post(`${WEBHOOKS}/orchestrators/WaitForGo/${id}`, '');
  expect(again.status).toBe(500);
  expect(again.body).toMatchObject({
    Message: 'Something went wrong while processing your request',
    ExceptionMessage: 'An Orchestration instance with the status Running already exists.',
    ExceptionType: 'DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException',
  });
  await raiseEvent(host, id, 'Go', 1);
  await waitFor(host, id);
  // Once it has finished, the same id starts a new execution.
  expect((await host.post(`${WEBHOOKS}/orchestrators/WaitForGo/${id}`, '')).status).toBe(202);
  await waitFor(host, id, running);
  await raiseEvent(host, id, 'Go', 2);
  expect((await waitFor(host, id)).output).toEqual({ go: 2 });
});

test('start refusals: unknown orchestrator, reserved and invalid ids, invalid JSON', async () => {
  const unknown = await host.post(`${WEBHOOKS}/orchestrators/NoSuchOrchestrator`, '');
  expect(unknown.status).toBe(400);
  expect(unknown.body).toMatchObject({ Message: 'One or more of the arguments submitted is incorrect', ExceptionType: 'System.ArgumentException' });
  expect((unknown.body as { ExceptionMessage: string }).ExceptionMessage).toMatch(
    /^The function 'NoSuchOrchestrator' doesn't exist, is disabled, or is not an orchestrator function\. Additional info: The following are the known orchestrator functions: '.*Sequence.*'\.$/,
  );
  expect((await host.post(`${WEBHOOKS}/orchestrators/Sequence/@counter@x`, '')).status).toBe(400);
  const badJson = await host.post(`${WEBHOOKS}/orchestrators/Sequence`, '{oops');
  expect(badJson.status).toBe(400);
  expect(badJson.body).toMatchObject({ Message: 'Invalid JSON content' });
});

test('404s have empty bodies; raiseEvent checks the instance before the body', async () => {
  for (const res of [
    await host.get(`${WEBHOOKS}/instances/nobody`),
    await host.del(`${WEBHOOKS}/instances/nobody`),
    await host.post(`${WEBHOOKS}/instances/nobody/terminate?reason=x`),
    await host.post(`${WEBHOOKS}/instances/nobody/raiseEvent/Go`, 'text', { 'content-type': 'text/plain' }),
    await host.get(`${WEBHOOKS}/no/such/route`),
  ]) {
    expect(res).toMatchObject({ status: 404, body: undefined });
  }
  const id = await startOrchestration(host, 'WaitForGo');
  await waitFor(host, id, running);
  const plain = await host.post(`${WEBHOOKS}/instances/${id}/raiseEvent/Go`, 'text', { 'content-type': 'text/plain' });
  expect(plain).toMatchObject({ status: 400, body: { Message: 'Only application/json request content is supported' } });
  await raiseEvent(host, id, 'Go', null);
});

test('suspend twice or resume a running instance is the client InvalidOperationException (500)', async () => {
  const id = await startOrchestration(host, 'WaitForGo', null, uniqueHub('sus'));
  await waitFor(host, id, running);
  const resume = await host.post(`${WEBHOOKS}/instances/${id}/resume?reason=x`);
  expect(resume.status).toBe(500);
  expect(resume.body).toMatchObject({ ExceptionMessage: `Cannot resume the orchestration instance ${id} because instance is in the Running state.`, ExceptionType: 'System.InvalidOperationException' });
  expect((await host.post(`${WEBHOOKS}/instances/${id}/suspend?reason=x`)).status).toBe(202);
  expect((await host.post(`${WEBHOOKS}/instances/${id}/suspend?reason=x`)).status).toBe(500);
  expect((await host.post(`${WEBHOOKS}/instances/${id}/terminate?reason=done`)).status).toBe(202);
});

test('purge: a running instance by id (no 412); by filter createdTimeFrom is required, terminal statuses filter, empty 404', async () => {
  const live = await startOrchestration(host, 'WaitForGo', null, uniqueHub('live'));
  await waitFor(host, live, running);
  expect(await host.del(`${WEBHOOKS}/instances/${live}`)).toMatchObject({ status: 200, body: { instancesDeleted: 1 } });
  expect((await host.get(`${WEBHOOKS}/instances/${live}`)).status).toBe(404);

  const noFrom = await host.del(`${WEBHOOKS}/instances`);
  expect(noFrom).toMatchObject({ status: 400, body: "Please provide value for 'createdTimeFrom' parameter." });

  const from = new Date(Date.now() - 3600_000).toISOString();
  const done = await startOrchestration(host, 'Sequence', null, uniqueHub('done'));
  await waitFor(host, done);
  const waiting = await startOrchestration(host, 'WaitForGo', null, uniqueHub('wait'));
  await waitFor(host, waiting, running);
  // Completed filters: the running instance stays.
  const byStatus = await host.del(`${WEBHOOKS}/instances?createdTimeFrom=${from}&runtimeStatus=Completed`);
  expect(byStatus.status).toBe(200);
  expect((await host.get(`${WEBHOOKS}/instances/${done}`)).status).toBe(404);
  expect((await host.get(`${WEBHOOKS}/instances/${waiting}`)).status).toBe(202);
  // Only non-terminal statuses given: the provider drops them and purges every status in range.
  const byRunning = await host.del(`${WEBHOOKS}/instances?createdTimeFrom=${from}&runtimeStatus=Running`);
  expect(byRunning.status).toBe(200);
  expect((await host.get(`${WEBHOOKS}/instances/${waiting}`)).status).toBe(404);
  expect(await host.del(`${WEBHOOKS}/instances?createdTimeFrom=${from}`)).toMatchObject({ status: 404, body: undefined });
});

test('with overridableExistingInstanceStates: AnyState a start replaces the running execution', async () => {
  const other = await spawnHost({ taskHub: uniqueHub('anystate'), app: path.resolve(__dirname, '..', '..', 'fixtures', 'anystate-app') });
  try {
    const id = await startOrchestration(other, 'WaitForGo', null, 'replace-1');
    await waitFor(other, id, running);
    expect((await other.post(`${WEBHOOKS}/orchestrators/Sequence/${id}`, '')).status).toBe(202);
    const replaced = await waitFor(other, id);
    expect(replaced).toMatchObject({ name: 'Sequence', runtimeStatus: 'Completed', output: ['Hello Tokyo', 'Hello Seattle', 'Hello London'] });
  } finally {
    await other.stop();
  }
});
