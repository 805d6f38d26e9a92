import { readFileSync } from 'fs';
import { join } from 'path';
import { runIdOf, windowDetails } from '../../../shared/api/details';
import type { LedgerEntry } from '../../../shared/orchestrations/contracts';
import type { EventRecord, StepRecord } from '../../../shared/store/windowStore';
import { layoutSteps } from '../../../shared/window/layout';
import { loadWindowText } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { compileRunbook, type Runbook } from '../../../shared/window/runbook';

function runbookOf(file: string): Runbook {
  const text = readFileSync(join(__dirname, '../../..', file), 'utf8');
  const { window } = loadWindowText(text, file);
  return compileRunbook(window!, planWindow(window!, { recommend: false }), 'test');
}

const mini = runbookOf('test/fixtures/windows/e2e-mini.yaml');
const run = { windowId: 'e2e-mini', runId: '20250622023000', instanceId: 'window-e2e-mini', revision: 'test', startedBy: 'rehearsal-runner', mode: 'rehearsal', state: 'running', startedAt: '2025-06-22T02:30:00.000Z' };
const web = mini.steps.find((s) => s.id === 'web')!;
const spec = web.spec as Extract<Runbook['steps'][number]['spec'], { kind: 'patch' }>;
const agw = spec.pools.find((p) => p.id === 'agw-web')!;
const ilb = spec.pools.find((p) => p.id === 'ilb-web')!;
const drain = (pool: typeof agw, names: string[], state: LedgerEntry['state'], chunk: string): LedgerEntry => ({
  key: `web:${chunk}:pool:${pool.id}`,
  stepId: 'web',
  order: 1,
  action: { type: 'pool-add', pool, servers: names.map((name) => ({ name, address: '10.0.0.1' })) },
  description: `${names.join(', ')} back into ${pool.id}`,
  state,
});

describe('status details', () => {
  it('keeps the page layout: every runbook step once, in the order the page writes them', () => {
    expect(mini.layout).toBeDefined();
    expect([...layoutSteps(mini.layout!)].sort()).toEqual(mini.steps.map((s) => s.id).sort());
    for (const file of ['windows/2025-06-22-monthly.yaml', 'windows/2025-04-13-monthly.yaml', 'windows/2025-09-08-canary.yaml', 'windows/consul-takedown.yaml']) {
      const rb = runbookOf(file);
      expect({ file, steps: [...layoutSteps(rb.layout!)].sort() }).toEqual({ file, steps: rb.steps.map((s) => s.id).sort() });
    }
  });

  it('shows servers in flight: drained (their put-back still open in the ledger) before any outcome is recorded', () => {
    const first = ['IC-Web1', 'IC-Web2', 'IC-Web3', 'IC-Web4', 'IC-Web5'];
    const second = ['IC-Web6', 'IC-Web7', 'IC-Web8', 'IC-Web9', 'IC-Web10'];
    const ledger = [drain(agw, first, 'undone', 'b1.1'), drain(ilb, first, 'undone', 'b1.1'), drain(agw, ['IC-Web3'], 'kept', 'b1.1x'), drain(agw, second, 'open', 'b2.1'), drain(ilb, second, 'open', 'b2.1')];
    const events: EventRecord[] = [
      {
        stepId: 'web',
        type: 'servers',
        at: '2025-06-22T07:00:00.000Z',
        data: { chunk: 'b1.1', servers: { 'IC-Web1': { state: 'patched' }, 'IC-Web2': { state: 'patched' }, 'IC-Web3': { state: 'failed', detail: 'sanity checks failed: IIS health page: status 503' }, 'IC-Web4': { state: 'patched' }, 'IC-Web5': { state: 'patched' } } },
      },
    ];
    const records: Record<string, StepRecord> = { web: { stepId: 'web', state: 'doing', at: '2025-06-22T07:05:00.000Z', startedAt: '2025-06-22T03:00:00.000Z' } };
    const d = windowDetails({ runbook: mini, run, records, events, ledger, nowMs: Date.parse('2025-06-22T08:00:00.000Z'), stateOf: (id) => records[id]?.state ?? 'pending' });
    const group = d.serverGroups.find((g) => g.group === 'web')!;
    expect(group.pools).toEqual(['agw-web', 'ilb-web']);
    const by = (name: string) => group.servers.find((s) => s.name === name)!;
    expect(group.servers).toHaveLength(10);
    expect(second.map((n) => by(n).patch)).toEqual(['patching', 'patching', 'patching', 'patching', 'patching']);
    expect(by('IC-Web6').pools).toEqual({ 'agw-web': 'out', 'ilb-web': 'out' });
    expect(by('IC-Web1')).toMatchObject({ patch: 'patched', probe: 'passed', pools: { 'agw-web': 'in', 'ilb-web': 'in' } });
    expect(by('IC-Web3')).toMatchObject({ patch: 'failed', probe: 'failed', pools: { 'agw-web': 'out', 'ilb-web': 'in' } });
    expect(d.timeline.web).toEqual({ startedAt: '2025-06-22T03:00:00.000Z' });
    expect(d).toMatchObject({ timeZone: 'America/New_York', displayZones: ['Asia/Kolkata'], now: '2025-06-22T08:00:00.000Z', runId: '20250622023000' });
  });

  it('lists who decided each gate, when and why, and whether it counted', () => {
    const events: EventRecord[] = [
      { stepId: 'go-ahead', type: 'approval', at: '2025-06-22T03:01:00.000Z', data: { by: 'marcus-lee', decision: 'approve', comment: 'looks right', at: '2025-06-22T03:01:00.000Z', via: 'http', counted: true } },
      { stepId: 'go-ahead', type: 'approval', at: '2025-06-22T03:02:00.000Z', data: { by: 'rehearsal-runner', decision: 'approve', at: '2025-06-22T03:02:00.000Z', counted: false } },
    ];
    const d = windowDetails({ runbook: mini, run, records: {}, events, ledger: [], nowMs: 0, stateOf: () => 'waiting-for-approval' });
    expect(d.approvals).toEqual([
      {
        gate: 'go-ahead',
        title: 'go-ahead',
        state: 'waiting-for-approval',
        roles: expect.any(Array),
        decisions: [
          { by: 'marcus-lee', decision: 'approve', comment: 'looks right', at: '2025-06-22T03:01:00.000Z', via: 'http', counted: true },
          { by: 'rehearsal-runner', decision: 'approve', at: '2025-06-22T03:02:00.000Z', counted: false },
        ],
      },
    ]);
  });

  it('gives the page-up band as planned and as it happened', () => {
    const records: Record<string, StepRecord> = {
      'page-up': { stepId: 'page-up', state: 'done', at: '2025-06-22T03:10:00.000Z', startedAt: '2025-06-22T03:08:00.000Z' },
      'page-down': { stepId: 'page-down', state: 'done', at: '2025-06-22T09:00:00.000Z', startedAt: '2025-06-22T08:58:00.000Z' },
    };
    const d = windowDetails({ runbook: mini, run, records, events: [], ledger: [], nowMs: 0, stateOf: (id) => records[id]?.state ?? 'pending' });
    expect(d.pageUp.actual).toEqual({ from: '2025-06-22T03:10:00.000Z', to: '2025-06-22T09:00:00.000Z' });
    expect(d.pageUp.planned).toEqual({ from: mini.steps.find((s) => s.id === 'page-up')!.plannedEnd, to: mini.steps.find((s) => s.id === 'page-down')!.plannedEnd });
  });

  it('names a run by its start', () => {
    expect(runIdOf({ startedAt: '2025-06-21T22:30:00.000Z' })).toBe('20250621223000');
  });
});
