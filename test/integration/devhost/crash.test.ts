/**
 * Crash-resume: a child-process host is killed with SIGKILL during a fan-out, during a
 * durable timer and right after an external event; each restart resumes from Azurite,
 * and every instance ends with the output of an uninterrupted run.
 */
import { type HostProcess, type Status, getStatus, raiseEvent, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

const hub = uniqueHub('crash');
const WIDTH = 200;
const IDS = ['crash-a', 'crash-b', 'crash-c'];
// 2 virtual hours pass in one real second: the timer wait is long enough to be killed in.
const ARGS = ['--start', '2025-06-21T00:00:00Z', '--no-skip', '--speed', '7200'];

/** What an uninterrupted run returns (Work squares its input; children multiply by the factor). */
function expected(factor: number): { sum: number; children: number[] } {
  let sum = 0;
  for (let i = 0; i < WIDTH; i++) sum += i * i;
  const children = [1, 2, 3].map((k) => {
    let t = 0;
    for (let i = 0; i < 4; i++) t += (k * 10 + i) ** 2;
    return t * factor;
  });
  return { sum, children };
}

let current: HostProcess | undefined;

afterAll(async () => {
  // A failed assertion must not leave a host running.
  if (current && current.child.exitCode === null) await current.kill();
});

const start = (): Promise<HostProcess> => spawnHost({ taskHub: hub, args: ARGS });

async function statuses(host: HostProcess): Promise<Status[]> {
  return Promise.all(IDS.map((id) => getStatus(host, id)));
}

test('SIGKILL during fan-out, timer and after an event: every instance completes as if uninterrupted', async () => {
  // 1. Kill while the fan-outs run (600 activities of 15 ms, 20 at a time).
  let host = await start();
  current = host;
  for (const id of IDS) await startOrchestration(host, 'CrashWorkflow', { width: WIDTH }, id);
  await waitFor(host, IDS[2] ?? '', (s) => s.customStatus === 'fan-out', 10_000, false);
  await new Promise((r) => setTimeout(r, 100));
  expect((await statuses(host)).some((s) => s.customStatus === 'fan-out')).toBe(true);
  await host.kill();

  // 2. Resume; kill while at least one instance waits on its durable timer.
  host = await start();
  current = host;
  await waitFor(host, IDS[0] ?? '', (s) => s.customStatus === 'timer', 15_000, false);
  expect((await statuses(host)).some((s) => s.customStatus === 'timer')).toBe(true);
  await host.kill();

  // 3. Resume; once all wait for the event, raise it and kill right after the acknowledgement.
  host = await start();
  current = host;
  for (const id of IDS) await waitFor(host, id, (s) => s.customStatus === 'waiting', 15_000, false);
  for (const id of IDS) expect(await raiseEvent(host, id, 'Resume', { factor: 2 })).toBe(202);
  await host.kill();

  // 4. Resume; kill once while the children run, then let everything finish.
  host = await start();
  current = host;
  await waitFor(host, IDS[2] ?? '', (s) => s.customStatus === 'children' || s.customStatus === 'done', 15_000, false);
  await host.kill();

  host = await start();
  current = host;
  try {
    for (const id of IDS) {
      const s = await waitFor(host, id, undefined, 15_000, false);
      expect(s.runtimeStatus).toBe('Completed');
      expect(s.output).toEqual(expected(2));
    }
    // The same workload without interruption, in the same host, gives the same output.
    await startOrchestration(host, 'CrashWorkflow', { width: WIDTH }, 'crash-ref');
    await waitFor(host, 'crash-ref', (s) => s.customStatus === 'waiting', 15_000, false);
    await raiseEvent(host, 'crash-ref', 'Resume', { factor: 2 });
    const ref = await waitFor(host, 'crash-ref', undefined, 15_000, false);
    const outputs = await statuses(host);
    for (const s of outputs) expect(s.output).toEqual(ref.output);
  } finally {
    await host.stop();
  }
});
