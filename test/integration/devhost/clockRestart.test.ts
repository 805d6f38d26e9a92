/**
 * Virtual time that flowed is persisted with what happened in it. A host killed after work was
 * recorded at a flowed time must come back with its clock at or after that time: before, only
 * landings on timers were journaled, so a restart could put the clock back before instances it
 * read (a crash test's restarted host re-ran its hourly timer trigger and missed its own timer).
 */
import { type HostProcess, getStatus, spawnHost, startOrchestration, uniqueHub } from '../../support/devhostProcess';

const hub = uniqueHub('clockrestart');
const START = Date.parse('2025-06-21T00:00:00Z');
// 60 virtual seconds a real second, no skips: time only flows, and the first timer (the app's
// hourly trigger) is an hour away, so nothing lands on a timer while the test runs.
const ARGS = ['--start', '2025-06-21T00:00:00Z', '--no-skip', '--speed', '60'];

let current: HostProcess | undefined;
afterAll(async () => {
  if (current && current.child.exitCode === null) await current.kill();
});

async function clockMs(host: HostProcess): Promise<number> {
  return ((await host.get('/admin/devhost/clock')).body as { nowMs: number }).nowMs;
}

test('a restart after a SIGKILL never puts the clock back before the work the hub recorded', async () => {
  let host = await spawnHost({ taskHub: hub, args: ARGS });
  current = host;
  // Wait (a hang guard, not a timing check) until time has flowed past the start.
  const guard = Date.now() + 60_000;
  while ((await clockMs(host)) < START + 30_000 && Date.now() < guard) await new Promise((r) => setTimeout(r, 50));
  expect(await clockMs(host)).toBeGreaterThanOrEqual(START + 30_000);
  // The start freezes time where it flowed to, and records the instance there.
  await startOrchestration(host, 'WaitForGo', undefined, 'clock-flowed');
  const created = Date.parse((await getStatus(host, 'clock-flowed')).createdTime);
  expect(created).toBeGreaterThanOrEqual(START + 30_000);
  await host.kill();

  host = await spawnHost({ taskHub: hub, args: ARGS });
  current = host;
  try {
    expect(await clockMs(host)).toBeGreaterThanOrEqual(created);
    expect((await getStatus(host, 'clock-flowed')).runtimeStatus).toBe('Running');
  } finally {
    await host.stop();
  }
});
