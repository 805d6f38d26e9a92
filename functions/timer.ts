import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { durableControl } from '../shared/api/durableControl';
import { announceOnce, startDueWindows } from '../shared/api/scheduler';
import { services } from '../shared/composition';
import { appPreflight } from '../shared/preflight/app';
import { preflightOnce } from '../shared/preflight/scheduled';

/** Every five minutes (in WEBSITE_TIME_ZONE): start each window whose time has come, once; the day before, its heads-up and pre-flight. */
app.timer('windowScheduler', {
  schedule: '%MW_SCHEDULER_SCHEDULE%',
  runOnStartup: false,
  useMonitor: true,
  extraInputs: [df.input.durableClient()],
  handler: async (timer: Timer, context: InvocationContext) => {
    const s = services();
    const client = df.getClient(context);
    const announce = announceOnce({ store: s.store, chat: s.ports.chat });
    const decisions = await startDueWindows({
      windows: s.windows,
      clock: s.clock,
      durable: durableControl(client),
      announce,
      preflight: preflightOnce({ store: s.store, announce, run: appPreflight(s) }),
    });
    for (const d of decisions.filter((x) => (x.action !== 'not-due' || x.detail?.includes('pre-flight')) && x.action !== 'already-ran')) {
      context.log(`window ${d.windowId}: ${d.action}${d.detail ? ` (${d.detail})` : ''}${timer.isPastDue ? ' [past due]' : ''}`);
    }
  },
});
