/**
 * The clock admin API (docs/virtual-clock.md) on a host whose time moves only by skips
 * (`--speed 0`): a hold keeps an approval's timeout from being skipped to until it is
 * released; a participant sees the waiting state first and answers before time can move.
 */
import { type HostProcess, raiseEvent, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

const CLOCK = '/admin/devhost/clock';
const START = Date.parse('2025-06-21T00:00:00Z');
let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('clockadmin'), memory: true, args: ['--start', '2025-06-21T00:00:00Z', '--speed', '0'] });
});

afterAll(async () => {
  await host.stop();
});

type Reading = { nowMs: number; speed: number; pace: number; quiescent: boolean; seq: number; holds: { id: string; reason: string }[]; participants: { id: string; name: string; acked: number }[] };
const reading = async (): Promise<Reading> => (await host.get(CLOCK)).body as Reading;

test('a held clock does not skip to a due timer; released, it lands exactly on it', async () => {
  const hold = await host.post(`${CLOCK}/holds`, { reason: 'asking the approver' });
  expect(hold.status).toBe(201);
  const id = (hold.body as { id: string }).id;
  await startOrchestration(host, 'Approval', { timeoutHours: 2 }, 'held-1');
  await waitFor(host, 'held-1', (s) => s.runtimeStatus === 'Running');
  const held = await reading();
  expect(held).toMatchObject({ speed: 0, pace: 0, quiescent: false, holds: [{ id, reason: 'asking the approver' }] });
  expect(held.nowMs).toBe(START);
  expect((await host.del(`${CLOCK}/holds/${id}`)).status).toBe(204);
  const status = await waitFor(host, 'held-1');
  expect(status.output).toEqual({ approved: false, reason: 'timeout' });
  expect((await reading()).nowMs).toBe(START + 2 * 3600_000);
  expect((await host.del(`${CLOCK}/holds/${id}`)).status).toBe(404);
});

test('a participant gets a turn at each quiescent state and time waits for its acknowledgement', async () => {
  const joined = await host.post(`${CLOCK}/participants`, { name: 'approver' });
  expect(joined.status).toBe(201);
  const p = (joined.body as { id: string }).id;
  const first = (await host.get(`${CLOCK}/participants/${p}/turn?timeoutMs=5000`)).body as { seq: number; nowMs: number };
  await startOrchestration(host, 'Approval', { timeoutHours: 1 }, 'turns-1');
  // Starting it changed the hub: the old turn does not let time move.
  expect((await host.post(`${CLOCK}/participants/${p}/ack`, { seq: first.seq })).status).toBe(204);
  const second = await host.get(`${CLOCK}/participants/${p}/turn?timeoutMs=5000`);
  expect(second.status).toBe(200);
  const turn = second.body as { seq: number; nowMs: number };
  expect(turn.seq).toBeGreaterThan(first.seq);
  // The instance waits for the approval; time has not moved, so the approver answers in time.
  expect(turn.nowMs).toBe(first.nowMs);
  expect(await raiseEvent(host, 'turns-1', 'Approval', 'yes')).toBe(202);
  expect((await waitFor(host, 'turns-1')).output).toEqual({ approved: 'yes' });
  const last = (await host.get(`${CLOCK}/participants/${p}/turn?timeoutMs=5000`)).body as { seq: number };
  expect((await host.post(`${CLOCK}/participants/${p}/ack`, { seq: last.seq })).status).toBe(204);
  expect((await reading()).nowMs).toBe(first.nowMs);
  expect((await host.del(`${CLOCK}/participants/${p}`)).status).toBe(204);
});

test('refuses what it cannot do, naming the field', async () => {
  expect(await host.post(`${CLOCK}/holds`, {})).toMatchObject({ status: 400, body: { error: 'reason: Invalid input: expected string, received undefined' } });
  expect((await host.post(`${CLOCK}/holds`, '{oops', { 'content-type': 'application/json' })).status).toBe(400);
  expect((await host.get(`${CLOCK}/participants/nobody/turn`)).status).toBe(404);
  expect((await host.post(`${CLOCK}/participants`, { name: 'x', extra: 1 })).status).toBe(400);
  const p = ((await host.post(`${CLOCK}/participants`, { name: 'x' })).body as { id: string }).id;
  expect((await host.get(`${CLOCK}/participants/${p}/turn?timeoutMs=-1`)).status).toBe(400);
  expect((await host.post(`${CLOCK}/participants/${p}/ack`, { seq: 'one' })).status).toBe(400);
  expect((await host.get(`${CLOCK}/holds`)).status).toBe(405);
  expect((await host.del(`${CLOCK}/participants/${p}`)).status).toBe(204);
});
