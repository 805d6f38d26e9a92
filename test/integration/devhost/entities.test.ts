/**
 * The entity HTTP API as the extension answers it (HttpApiHandler EntityRoute:
 * HandleGetEntityRequestAsync, HandleListEntitiesRequestAsync, HandlePostEntityOperationRequestAsync).
 */
import { type HostProcess, WEBHOOKS, spawnHost, uniqueHub } from '../../support/devhostProcess';

let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('entities') });
});

afterAll(async () => {
  await host.stop();
});

/** Poll the entity's state until `until` holds (signals are one-way). */
async function stateOf(key: string, until: (status: number, body: unknown) => boolean): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await host.get(`${WEBHOOKS}/entities/Counter/${key}`);
    if (until(res.status, res.body) || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('signals with JSON, text/plain and no body; the state is read back', async () => {
  const key = uniqueHub('k');
  expect((await host.post(`${WEBHOOKS}/entities/Counter/${key}?op=set`, '5')).status).toBe(202);
  // A text/plain body is passed on as a string: the entity's Number() turns "4" into 4.
  expect((await host.post(`${WEBHOOKS}/entities/Counter/${key}?op=add`, '4', { 'content-type': 'text/plain' })).status).toBe(202);
  expect(await stateOf(key, (_s, b) => b === 9)).toEqual({ status: 200, body: 9, headers: expect.anything() });
  // No body: the operation has no input (Number(undefined) is NaN, so `set` writes null).
  expect((await host.post(`${WEBHOOKS}/entities/Counter/${key}?op=set`)).status).toBe(202);
  expect((await stateOf(key, (_s, b) => b === null)).body).toBeNull();

  const bad = await host.post(`${WEBHOOKS}/entities/Counter/${key}?op=add`, '{not json', { 'content-type': 'application/json' });
  expect(bad.status).toBe(400);
  expect((bad.body as { Message: string }).Message).toMatch(/^Could not parse JSON content: /);
});

test('DELETE signals the delete operation; the entity is gone (404, empty body)', async () => {
  const key = uniqueHub('d');
  await host.post(`${WEBHOOKS}/entities/Counter/${key}?op=set`, '1');
  await stateOf(key, (s) => s === 200);
  expect((await host.del(`${WEBHOOKS}/entities/Counter/${key}`)).status).toBe(202);
  expect(await stateOf(key, (s) => s === 404)).toMatchObject({ status: 404, body: undefined });
});

test('GET /entities/{name} lists existing entities, state only with fetchState, paged by top', async () => {
  const keys = [uniqueHub('l1'), uniqueHub('l2'), uniqueHub('l3')];
  for (const [i, key] of keys.entries()) await host.post(`${WEBHOOKS}/entities/Counter/${key}?op=set`, String(i + 10));
  for (const key of keys) await stateOf(key, (s) => s === 200);

  const list = await host.get(`${WEBHOOKS}/entities/Counter`);
  expect(list.status).toBe(200);
  const items = list.body as { entityId: { name: string; key: string }; lastOperationTime: string; state: unknown }[];
  const ours = items.filter((e) => keys.includes(e.entityId.key));
  expect(ours).toHaveLength(3);
  expect(ours[0]).toEqual({ entityId: { name: 'counter', key: expect.any(String) }, lastOperationTime: expect.stringMatching(/Z$/), state: null });

  const withState = (await host.get(`${WEBHOOKS}/entities/Counter?fetchState=true`)).body as { entityId: { key: string }; state: unknown }[];
  expect(withState.filter((e) => keys.includes(e.entityId.key)).map((e) => e.state).sort()).toEqual([10, 11, 12]);

  const first = await host.get(`${WEBHOOKS}/entities/Counter?top=1`);
  expect((first.body as unknown[]).length).toBe(1);
  expect(first.headers.get('x-ms-continuation-token')).toBe('1');
  expect((await host.get(`${WEBHOOKS}/entities/NoSuchEntity`)).body).toEqual([]);
});

test('signalling an entity the app does not define is a 400 naming the known entities', async () => {
  const res = await host.post(`${WEBHOOKS}/entities/Nope/k?op=add`, '1');
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ Message: "The function 'Nope' doesn't exist, is disabled, or is not an entity function. Additional info: The following are the known entity functions: 'Counter'." });
});
