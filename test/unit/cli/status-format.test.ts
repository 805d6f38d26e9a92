import { formatStatus } from '../../../cli/commands/ops';
import type { WindowStatusView } from '../../../shared/api/windows';

const base: WindowStatusView = {
  windowId: '2025-06-22-monthly',
  title: '2025-06-22 Monthly',
  state: 'aborted',
  instanceId: 'window-2025-06-22-monthly',
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
});
