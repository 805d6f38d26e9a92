import { formatStatus } from '../../../cli/commands/ops';
import { formatWatch, watchLine } from '../../../cli/commands/live';
import { hasIsoInstant } from '../../../shared/api/times';
import type { WindowStatusView } from '../../../shared/api/windows';
import { midWindow } from '../../fixtures/status/midWindow';

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
  details: { ...midWindow.details!, serverGroups: [] },
};

describe('mw status text', () => {
  it('puts what needs a person in capitals: the stop, servers out of their pools, alerts still off and what was not put back', () => {
    const text = formatStatus(base);
    expect(text.split('\n')).toEqual([
      '2025-06-22 Monthly (2025-06-22-monthly): ABORTED',
      '  started Sat 18:30 EDT | Sun 04:00 IST by scheduler; planned end Sun 11:29 EDT | 20:59 IST; ETA Sun 12:09 EDT | 21:39 IST (40m behind plan)',
      '  steps: 3 done, 1 not doing, 2 aborted',
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
      { runId: '20250621223000', mode: 'rehearsal', state: 'succeeded', startedBy: 'rehearsal-runner', startedAt: '2025-06-21T22:30:00.000Z', summary: ':white_check_mark: done.\nDone 3' },
      { runId: '20250622010000', mode: 'manual', state: 'aborted', startedBy: 'dana-whitfield', startedAt: '2025-06-22T01:00:00.000Z' },
      { runId: '20250622020000', mode: 'manual', state: 'aborted', startedBy: 'scheduler', startedAt: '2025-06-22T02:00:00.000Z' },
    ];
    const lines = formatStatus({ ...base, runId: '20250622020000', runs }).split('\n');
    expect(lines.slice(4, 7)).toEqual([
      '  run 20250622020000, the 3rd of this window; earlier:',
      '    20250621223000 rehearsal succeeded by rehearsal-runner: :white_check_mark: done.',
      '    20250622010000 manual    aborted   by dana-whitfield',
    ]);
    expect(formatStatus(base)).not.toMatch(/earlier:/);
  });
});

describe('mw times and plan wording', () => {
  it('says ahead of plan when the window is ahead, never "-84m behind"', () => {
    const text = formatStatus({ ...base, state: 'running', finishedAt: undefined, slipMinutes: -84 } as WindowStatusView);
    expect(text).toMatch(/\(1h 24m ahead of plan\)/);
    expect(text).not.toMatch(/-\d+m behind/);
  });

  it('shows no raw UTC instant anywhere, step details included', () => {
    for (const text of [formatStatus(midWindow), formatWatch(midWindow).join('\n'), watchLine(midWindow)]) expect(hasIsoInstant(text)).toBe(false);
    expect(formatStatus(midWindow)).toContain('waiting for pool capacity: not before Sun 00:00 EDT | 09:30 IST');
  });
});

describe('mw status and the seeds\' times', () => {
  it('says which steps began later than the seed\'s time for them', () => {
    const steps = [{ id: 'smoke-tests', title: 'Smoke', kind: 'test', phase: 'testing', state: 'doing', plannedStart: '2025-06-22T13:10:00.000Z', plannedEnd: '2025-06-22T13:40:00.000Z', tickets: [], expectedBy: '2025-06-22T12:00:00.000Z', lateMinutes: 70 }];
    const text = formatStatus({ ...base, steps, details: { ...(base.details ?? {}), timeZone: 'America/New_York', displayZones: ['Asia/Kolkata'] } as typeof base.details });
    expect(text).toContain('  later than the seed: smoke-tests 70m after Sun 08:00 EDT | 17:30 IST');
  });
});

describe('mw watch', () => {
  it('fits where a window stands in a few lines: now, ETA against plan, what runs, servers in flight', () => {
    expect(formatWatch(midWindow)).toEqual([
      '2025-06-22 Monthly (2025-06-22-monthly) RUNNING · now Sun 06:30 EDT | 16:00 IST',
      'ETA Sun 12:09 EDT | 21:39 IST (40m behind plan) · planned end Sun 11:29 EDT | 20:59 IST',
      'steps: 3 done, 1 doing, 1 waiting for approval, 2 not doing, 1 not started',
      '  ▶ doing web-batch-2 — waiting for pool capacity: not before Sun 00:00 EDT | 09:30 IST',
      '  ? waiting for approval pipeline-approval',
      'servers web: 4 patched, 3 in flight (IC-Web6, IC-Web7, IC-Web8), 1 failed (IC-Web3), 2 not started',
      'page public UP · alerts other-alerts PAUSED',
      'still changed: 2 (mw status 2025-06-22-monthly)',
    ]);
  });

  it('prints one plain line per look, the same words as the page', () => {
    expect(watchLine(midWindow)).toBe('[Sun 06:30 EDT | 16:00 IST] running · done 3/8 · doing web-batch-2, pipeline-approval (waiting for approval) · 3 in flight · ETA Sun 12:09 EDT | 21:39 IST (40m behind plan)');
  });
});
