import { eachLimited, pollEach } from '../../../shared/activities/estate';
import type { Progress } from '../../../shared/orchestrations/contracts';

/** A poll that answers after the given number of microtask turns, so checks end out of order. */
function poller(answers: Record<string, Progress<number>>, turns: Record<string, number>) {
  const calls: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const poll = async (token: string): Promise<Progress<number>> => {
    calls.push(token);
    inFlight++;
    peak = Math.max(peak, inFlight);
    for (let i = 0; i < (turns[token] ?? 0); i++) await Promise.resolve();
    inFlight--;
    return answers[token]!;
  };
  return { poll, calls, peak: () => peak };
}

describe('pollEach (one check of each long operation in a poll activity)', () => {
  it('leaves out a running token that did not change, keeps a changed one and every end state', async () => {
    const p = poller(
      {
        t1: { state: 'running', resumeToken: 't1' },
        t2: { state: 'running', resumeToken: 't2-later' },
        t3: { state: 'succeeded', result: 3 },
        t4: { state: 'failed', code: 'PatchInstallationFailed', message: 'no' },
      },
      {},
    );
    const out = await pollEach({ a: 't1', b: 't2', c: 't3', d: 't4' }, p.poll);
    expect(out).toEqual({
      a: { state: 'running' },
      b: { state: 'running', resumeToken: 't2-later' },
      c: { state: 'succeeded', result: 3 },
      d: { state: 'failed', code: 'PatchInstallationFailed', message: 'no' },
    });
  });

  it('checks each operation once, at most 8 at a time, and answers in the order asked', async () => {
    const tokens = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`vm${i}`, `t${i}`]));
    const answers = Object.fromEntries(Object.values(tokens).map((t, i) => [t, { state: 'succeeded', result: i } as Progress<number>]));
    // Later tokens finish first.
    const turns = Object.fromEntries(Object.values(tokens).map((t, i) => [t, 20 - i]));
    const p = poller(answers, turns);
    const out = await pollEach(tokens, p.poll);
    expect(Object.keys(out)).toEqual(Object.keys(tokens));
    expect(Object.values(out).map((o) => (o.state === 'succeeded' ? o.result : -1))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect([...p.calls].sort()).toEqual(Object.values(tokens).sort());
    expect(p.peak()).toBe(8);
  });

  it('fails the activity when a check throws (the durable retry polls again)', async () => {
    await expect(
      pollEach({ a: 't1' }, async () => {
        throw new Error('azure: check installPatches on vm1 failed: 503');
      }),
    ).rejects.toThrow('503');
  });

  it('throws the first failure in the order asked, after every check ran, whichever failed first', async () => {
    const ran: string[] = [];
    const check = async (t: string): Promise<string> => {
      ran.push(t);
      // b fails late, d fails at once.
      for (let i = 0; i < (t === 'b' ? 10 : 0); i++) await Promise.resolve();
      if (t === 'b' || t === 'd') throw new Error(`${t} failed`);
      return t;
    };
    await expect(eachLimited(['a', 'b', 'c', 'd', 'e'], check, 2)).rejects.toThrow('b failed');
    expect(ran.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await expect(eachLimited(['a', 'c', 'e'], check, 2)).resolves.toEqual(['a', 'c', 'e']);
    await expect(eachLimited([], check)).resolves.toEqual([]);
  });
});
