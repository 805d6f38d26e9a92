import { runAbuse } from '../support/httpAbuse';
import { startLiveWindow, type LiveWindow } from './liveWindow';

/**
 * Abuse of every route of a live app (the probes: test/support/httpAbuse.ts, shared with
 * bench/fuzz.ts): malformed JSON, wrong types, extra fields, bodies over
 * the limit (3 MB and 21 MB), control characters, path traversal and very long ids, wrong
 * methods and content types, missing or wrong keys and identities. Never a 500, never a hang,
 * always a 4xx whose body says what is wrong, and nothing changes: the run, its events, every
 * orchestration and the estate are as before.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

let live: LiveWindow;
beforeAll(async () => {
  live = await startLiveWindow();
});
afterAll(async () => {
  await live?.stop();
});

describe('HTTP abuse of every route', () => {
  it('answers each with a clear 4xx, never a 500 or a hang, and changes nothing', async () => {
    const before = await live.glance();
    // Three minutes without an answer is a hang; 30 s (the bench's figure) is a timing check that
    // a loaded machine once missed, and timing belongs in bench/fuzz.ts.
    const outcome = await runAbuse(live.hostUrl, live.masterKey, { windowId: live.windowId, gate: 'go-ahead', step: 'page-up' }, 3 * 60_000);
    expect(outcome.problems).toEqual([]);
    expect(outcome.requests).toBeGreaterThan(100);
    expect(await live.glance()).toEqual(before);
  });
});
