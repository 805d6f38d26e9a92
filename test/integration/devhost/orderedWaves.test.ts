/**
 * Ordered mode (one work item at a time, in a fixed order) with activity functions the app says
 * commute: consecutive queued calls of one such function run together, and their results still
 * reach the orchestrator in the order they were scheduled.
 */
import { readFileSync } from 'node:fs';
import { type HostProcess, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

async function fanOut(host: HostProcess, width: number): Promise<{ results: { i: number; peak: number }[]; after: string }> {
  const id = await startOrchestration(host, 'OverlapFanOut', { width });
  const status = await waitFor(host, id);
  expect(status.runtimeStatus).toBe('Completed');
  return status.output as { results: { i: number; peak: number }[]; after: string };
}

describe('ordered dispatch', () => {
  let ordered: HostProcess;
  let waves: HostProcess;

  beforeAll(async () => {
    [ordered, waves] = await Promise.all([
      spawnHost({ taskHub: uniqueHub('ordered'), memory: true, args: ['--ordered'], logInvocations: true }),
      spawnHost({ taskHub: uniqueHub('waves'), memory: true, args: ['--ordered', '--parallel-activities', 'Overlap'] }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([ordered?.stop(), waves?.stop()]);
  });

  it('runs one activity at a time when no function is said to commute', async () => {
    const out = await fanOut(ordered, 6);
    expect(out.results.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Math.max(...out.results.map((r) => r.peak))).toBe(1);
    expect(out.after).toBe('Hello after');
  });

  it('runs consecutive calls of a commuting function together and hands back their results in scheduled order', async () => {
    const out = await fanOut(waves, 6);
    expect(out.results.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Math.max(...out.results.map((r) => r.peak))).toBe(6);
    expect(out.after).toBe('Hello after');
  });

  it('logs how much history text each orchestrator episode was sent, growing with the history', async () => {
    const id = await startOrchestration(ordered, 'OverlapFanOut', { width: 3 });
    expect((await waitFor(ordered, id)).runtimeStatus).toBe('Completed');
    type Line = { msg?: string; kind?: string; instanceId?: string; bindingChars?: number };
    const lines = (): Line[] => readFileSync(ordered.logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
    // The last line is written just after the episode's commit: wait for the log, not the clock.
    for (let i = 0; i < 100 && lines().filter((l) => l.instanceId === id && l.kind === 'orchestrator').length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const mine = lines().filter((l) => l.msg === 'invocation' && l.instanceId === id);
    const episodes = mine.filter((l) => l.kind === 'orchestrator').map((l) => l.bindingChars ?? 0);
    expect(episodes.length).toBeGreaterThanOrEqual(3);
    expect(episodes[0]).toBeGreaterThan(0);
    for (let i = 1; i < episodes.length; i++) expect(episodes[i]).toBeGreaterThan(episodes[i - 1]!);
    expect(mine.filter((l) => l.kind === 'activity').every((l) => l.bindingChars === undefined)).toBe(true);
  });
});
