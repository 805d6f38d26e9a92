/**
 * Timer triggers on the virtual clock: hourly ticks fire at their virtual times during
 * a time skip, runOnStartup fires at each start, and after downtime a missed
 * occurrence fires once with isPastDue (useMonitor status persisted in the task hub).
 */
import { type HostProcess, WEBHOOKS, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

const hub = uniqueHub('timers');

async function counter(host: HostProcess, key: string, expected: number): Promise<number | undefined> {
  const deadline = Date.now() + 5000;
  let value: number | undefined;
  while (Date.now() < deadline) {
    const res = await host.get(`${WEBHOOKS}/entities/Counter/${key}`);
    value = res.status === 200 ? (res.body as number) : undefined;
    if (value === expected) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  return value;
}

test('ticks, runOnStartup and isPastDue after downtime', async () => {
  const first = await spawnHost({ taskHub: hub, args: ['--start', '2025-06-21T00:00:30Z'] });
  try {
    expect(await counter(first, 'startup', 1)).toBe(1);
    // A 5-hour durable timer drives the skip; hourly ticks fire at 01:00 ... 05:00 on the way.
    const id = await startOrchestration(first, 'Approval', { timeoutHours: 5 });
    const status = await waitFor(first, id);
    expect(status.output).toEqual({ approved: false, reason: 'timeout' });
    expect(await counter(first, 'ticks', 5)).toBe(5);
    expect(await counter(first, 'pastdue', 0)).toBeUndefined();
  } finally {
    await first.stop();
  }
  // A day later: the 06:00 occurrence was missed while the host was down.
  const second = await spawnHost({ taskHub: hub, args: ['--start', '2025-06-22T12:00:10Z'] });
  try {
    expect(await counter(second, 'pastdue', 1)).toBe(1);
    expect(await counter(second, 'ticks', 6)).toBe(6);
    expect(await counter(second, 'startup', 2)).toBe(2);
  } finally {
    await second.stop();
  }
});
