import type { WindowStore } from '../store/windowStore';
import type { WindowDef } from '../window/schema';
import { LATEST_PREFLIGHT_MARK, latestOf } from './latest';
import { renderPreflightSlack } from './render';
import type { PreflightReport } from './types';

/** The day-before pre-flight runs from this long before the window's first step ... */
export const PREFLIGHT_FROM_HOURS = 24;
/** ... until this long before it: later, the people are on the window's own start notice and there is no time left to act. */
export const PREFLIGHT_UNTIL_HOURS = 2;

/** Posts once per window, key and channel (scheduler.ts `announceOnce`). */
type Announce = (input: { windowId: string; key: string; channels: string[]; text: string }) => Promise<unknown>;

/**
 * The scheduled pre-flight: claimed once per window in the store (every five-minute fire asks; one
 * runs it), run, and its result posted to the window's channels. A pre-flight that cannot run is
 * said so in the channels; a post that fails gives the claim back so the next fire tries again.
 */
export function preflightOnce(deps: { store: Pick<WindowStore, 'claimMark' | 'clearMark' | 'setMark'>; announce: Announce; run: (window: WindowDef) => Promise<PreflightReport> }) {
  return async (windowId: string, window: WindowDef, channels: string[]): Promise<'posted' | 'already'> => {
    const mark = 'preflight:day-before';
    if (!(await deps.store.claimMark(windowId, mark, 'running'))) return 'already';
    let text: string;
    try {
      const report = await deps.run(window);
      text = renderPreflightSlack(report);
      await deps.store.setMark(windowId, LATEST_PREFLIGHT_MARK, latestOf(report, 'the scheduler, the day before'));
    } catch (e) {
      text = `:x: The pre-flight of ${window.title} could not run (${e instanceof Error ? e.message : String(e)}). Run it by hand: mw preflight ${windowId}`;
    }
    try {
      await deps.announce({ windowId, key: 'preflight', channels, text });
    } catch (e) {
      await deps.store.clearMark(windowId, mark);
      throw e;
    }
    return 'posted';
  };
}
