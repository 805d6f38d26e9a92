import { announceOnce, startDueWindows } from '../../../shared/api/scheduler';
import type { DurableStatusView, OrchestrationControl } from '../../../shared/api/windows';
import { parseLatest } from '../../../shared/preflight/latest';
import { preflightOnce } from '../../../shared/preflight/scheduled';
import type { PreflightReport } from '../../../shared/preflight';
import type { WindowStore } from '../../../shared/store/windowStore';
import { miniWindowSource } from '../../support/miniWindowSource';

/** The day-before pre-flight: run once (claimed in the store), posted to the window's channels, only while there is time to act. */

const windows = miniWindowSource();
// e2e-mini's first step is Saturday 2025-06-21 23:00 EDT (2025-06-22 03:00 UTC).
const START = Date.parse('2025-06-22T03:00:00Z');
const HOUR = 3_600_000;

const durable: OrchestrationControl = { getStatus: async (): Promise<DurableStatusView | undefined> => undefined, startNew: async () => undefined, raiseEvent: async () => 'missing' };

function setup(options: { failPosts?: number } = {}) {
  const marks = new Map<string, string>();
  const store = {
    claimMark: async (w: string, k: string, v: string) => (marks.has(`${w}/${k}`) ? false : (marks.set(`${w}/${k}`, v), true)),
    clearMark: async (w: string, k: string) => void marks.delete(`${w}/${k}`),
    setMark: async (w: string, k: string, v: string) => void marks.set(`${w}/${k}`, v),
  } as unknown as Pick<WindowStore, 'claimMark' | 'clearMark' | 'setMark'>;
  const posts: { channel: string; text: string }[] = [];
  let failures = options.failPosts ?? 0;
  const chat = {
    postMessage: async (channel: string, t: string) => {
      if (failures-- > 0) throw new Error('slack: could not post: fatal_error');
      posts.push({ channel, text: t });
      return { channel, ts: '1' };
    },
  };
  const runs: string[] = [];
  const report: PreflightReport = {
    windowId: 'e2e-mini',
    title: 'E2E mini',
    timeZone: 'America/New_York',
    displayZones: ['Asia/Kolkata'],
    ranAtMs: START - 20 * HOUR,
    checked: { credentials: 1, resources: 2, permissions: 1, pools: 1, page: 0, chat: 1, pipelines: 0, secrets: 0 },
    findings: [{ severity: 'error', check: 'pools', field: 'serverGroups.web.members[1]', message: 'IC-Web2 (10.0.0.2) is not in pool agw-web' }],
    errors: 1,
    warnings: 0,
  };
  const announce = announceOnce({ store, chat });
  const preflight = preflightOnce({ store, announce, run: async (w) => (runs.push(w.id), report) });
  const fire = (at: number) => startDueWindows({ windows, durable, clock: { now: async () => at }, announce, preflight });
  return { fire, posts, runs, marks };
}

describe('the day-before pre-flight', () => {
  it('runs once the day before and posts its findings, in the window\'s zones, to the window\'s channels', async () => {
    const { fire, posts, runs, marks } = setup();
    await fire(START - 20 * HOUR);
    await fire(START - 19 * HOUR);
    expect(runs).toEqual(['e2e-mini']);
    const preflights = posts.filter((p) => p.text.includes('Pre-flight'));
    expect(preflights.length).toBeGreaterThan(0);
    expect(new Set(preflights.map((p) => p.channel)).size).toBe(preflights.length);
    expect(preflights[0]!.text).toMatch(/^:x: Pre-flight of E2E mini, Sat 03:00 EDT \| Sat 12:30 IST: 1 error, 0 warnings: fix the errors before the window\n• \*error\* `serverGroups\.web\.members\[1\]`: IC-Web2/);
    expect(preflights[0]!.text).not.toMatch(/UTC|Z\b/);
    // Kept as the latest, for the status page.
    expect(parseLatest(marks.get('e2e-mini/preflight:latest'))).toMatchObject({ errors: 1, findings: [{ field: 'serverGroups.web.members[1]' }], by: 'the scheduler, the day before' });
  });

  it('does not run more than a day ahead, nor in the last two hours, when there is no time to act', async () => {
    const { fire, runs } = setup();
    await fire(START - 25 * HOUR);
    await fire(START - 90 * 60_000);
    await fire(START - 40 * 60_000);
    expect(runs).toEqual([]);
  });

  it('gives its claim back when the post fails, so the next fire runs it again', async () => {
    const { marks } = setup();
    const store = {
      claimMark: async (w: string, k: string, v: string) => (marks.has(`${w}/${k}`) ? false : (marks.set(`${w}/${k}`, v), true)),
      clearMark: async (w: string, k: string) => void marks.delete(`${w}/${k}`),
      setMark: async (w: string, k: string, v: string) => void marks.set(`${w}/${k}`, v),
    };
    let fail = true;
    const posted: string[] = [];
    const once = preflightOnce({
      store,
      announce: async ({ text }) => {
        if (fail) throw new Error('slack: could not post: fatal_error');
        posted.push(text);
      },
      run: async () => {
        throw new Error('azure: could not read the app\'s permissions: 503');
      },
    });
    const window = (await import('../../../shared/window/load')).loadWindowText((await windows.read('e2e-mini'))!.text).window!;
    await expect(once('e2e-mini', window, ['#ops'])).rejects.toThrow(/fatal_error/);
    fail = false;
    expect(await once('e2e-mini', window, ['#ops'])).toBe('posted');
    expect(await once('e2e-mini', window, ['#ops'])).toBe('already');
    // A pre-flight that cannot run says so, loudly, rather than staying silent.
    expect(posted).toEqual([`:x: The pre-flight of ${window.title} could not run (azure: could not read the app's permissions: 503). Run it by hand: mw preflight e2e-mini`]);
  });
});
