import { formatStatus } from '../../../cli/commands/ops';
import type { WindowStatusView } from '../../../shared/api/windows';

const base: WindowStatusView = {
  windowId: '2025-06-22-monthly',
  title: '2025-06-22 Monthly',
  state: 'aborted',
  instanceId: 'window-2025-06-22-monthly',
  runs: [],
  startedBy: 'scheduler',
  startedAt: '2025-06-21T22:30:00.000Z',
  plannedEndAt: '2025-06-22T15:29:00.000Z',
  eta: '2025-06-22T16:09:00.000Z',
  slipMinutes: 40,
  stopReason: 'aborted by on-call-engineer: errors on www',
  counts: { done: 3, 'not-doing': 1, aborted: 2 },
  phases: [],
  steps: [],
  approvalsPending: [],
  servers: { 'IC-Web3': { state: 'failed', step: 'web-batch-1', detail: 'sanity checks failed' } },
  maintenancePages: { public: 'down' },
  alertSets: { 'other-alerts': 'paused' },
  stillChanged: [{ key: 'alerts:other-alerts:rule', step: 'disable-other-alerts', description: 'alerts of other-alerts back on', state: 'failed', note: '403 AuthorizationFailed' }],
  events: [],
};

describe('mw status text', () => {
  it('puts what needs a person in capitals: the stop, servers out of their pools, alerts still off and what was not put back', () => {
    const text = formatStatus(base);
    expect(text.split('\n')).toEqual([
      '2025-06-22 Monthly (2025-06-22-monthly): ABORTED',
      '  started 2025-06-21T22:30:00.000Z by scheduler; planned end 2025-06-22T15:29:00.000Z; ETA 2025-06-22T16:09:00.000Z (40m behind plan)',
      '  steps: 3 done, 1 not-doing, 2 aborted',
      '  STOPPED: aborted by on-call-engineer: errors on www',
      '  maintenance page public is DOWN',
      '  alerts other-alerts are PAUSED',
      '  OUT OF THEIR POOLS: IC-Web3 (sanity checks failed)',
      '  still changed (1):',
      '    failed alerts of other-alerts back on (disable-other-alerts: 403 AuthorizationFailed)',
    ]);
  });

  it('says plainly when nothing is left changed', () => {
    expect(formatStatus({ ...base, servers: {}, alertSets: {}, stillChanged: [] })).toMatch(/\n {2}nothing left changed$/);
  });

  it('lists the earlier runs of the window, this run last', () => {
    const runs = [
      { runId: '20250621T223000Z', mode: 'rehearsal', state: 'succeeded', startedBy: 'rehearsal-runner', startedAt: '2025-06-21T22:30:00.000Z', summary: ':white_check_mark: done.\nDone 3' },
      { runId: '20250622T010000Z', mode: 'manual', state: 'aborted', startedBy: 'dana-whitfield', startedAt: '2025-06-22T01:00:00.000Z' },
      { runId: '20250622T020000Z', mode: 'manual', state: 'aborted', startedBy: 'scheduler', startedAt: '2025-06-22T02:00:00.000Z' },
    ];
    const lines = formatStatus({ ...base, runId: '20250622T020000Z', runs }).split('\n');
    expect(lines.slice(4, 7)).toEqual([
      '  run 20250622T020000Z, the 3rd of this window; earlier:',
      '    20250621T223000Z rehearsal succeeded by rehearsal-runner: :white_check_mark: done.',
      '    20250622T010000Z manual    aborted   by dana-whitfield',
    ]);
    expect(formatStatus(base)).not.toMatch(/earlier:/);
  });

  it('shows times in the window\'s zone and its display zones, never UTC', () => {
    const line = formatStatus({ ...base, timeZone: 'America/New_York', displayZones: ['Asia/Kolkata'] }).split('\n')[1];
    expect(line).toBe('  started Sat 18:30 EDT | Sun 04:00 IST by scheduler; planned end Sun 11:29 EDT | 20:59 IST; ETA Sun 12:09 EDT | 21:39 IST (40m behind plan)');
  });
});
