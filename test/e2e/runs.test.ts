import { rehearse, slackTexts, type Report } from './harness';

/**
 * Runs are first-class: the same window runs three times in one task hub (a success, an abort,
 * a success). Every run ends, none finds the instances of the one before, and the last run's
 * status is as clean as a first run's, with the history of all three.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const MINI = 'test/fixtures/windows/e2e-mini.yaml';

describe('the same window run three times in one task hub (success, abort, success)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(MINI, { runs: [{ abortWhen: { step: 'web', state: 'doing', reason: 'second run stopped on purpose' } }, {}] });
  }, 15 * 60_000);

  it('ends every run: succeeded, aborted, succeeded, each with its own run id', () => {
    expect(r.runs.map((s) => s.state)).toEqual(['succeeded', 'aborted', 'succeeded']);
    const ids = r.runs.map((s) => s.runId);
    expect(new Set(ids).size).toBe(3);
    expect(r.runs[1]!.stopReason).toMatch(/aborted by on-call-engineer: second run stopped on purpose/);
  });

  it('leaves the third run clean: every step done or not doing, nothing still changed, no stop reason', () => {
    const last = r.status;
    expect(last.runId).toBe(r.runs[2]!.runId);
    expect(last.stopReason).toBeUndefined();
    expect(last.steps.filter((s) => !['done', 'not-doing'].includes(s.state))).toEqual([]);
    expect(last.stillChanged).toEqual([]);
    expect(Object.values(last.maintenancePages)).toEqual(['down']);
    expect(r.estate.arm.alertProcessingRules).toEqual({});
  });

  it('shows the run history in the status, oldest first', () => {
    expect(r.status.runs.map((x) => [x.runId, x.state])).toEqual(r.runs.map((s) => [s.runId, s.state]));
    expect(r.status.runs.every((x) => x.mode === 'rehearsal' && x.startedBy === 'rehearsal-runner')).toBe(true);
  });

  it('scopes step and restore instances to their run: each run started its own, and all of them ended', () => {
    for (const run of r.runs) {
      const own = r.instances.filter((i) => i.instanceId.startsWith(`window-e2e-mini@${run.runId}:`));
      expect(own.length).toBeGreaterThan(0);
      expect(r.instances.some((i) => i.instanceId === `window-e2e-mini@${run.runId}|restore`)).toBe(true);
    }
    expect(r.instances.filter((i) => ['Running', 'Pending'].includes(i.runtimeStatus)).map((i) => i.instanceId)).toEqual([]);
    expect(r.instances.filter((i) => i.instanceId === 'window-e2e-mini')).toHaveLength(1);
  });

  it('announces each run in Slack, the start notice once per run', () => {
    expect(slackTexts(r, 'eng-monthlymaintenance').filter((t) => t.startsWith(':construction: E2E mini window has started'))).toHaveLength(3);
  });
});
