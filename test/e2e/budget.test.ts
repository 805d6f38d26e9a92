import { rehearse, slackTexts, type Report } from './harness';

/**
 * The time budget at run time: before each step starts, the engine compares what the step and what
 * must follow it need with what is left. A deferrable step that no longer fits is pushed to a
 * following window (not started, recorded, listed, announced); one that may not be deferred asks an
 * approver of `budget.approvers`.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const stepOf = (r: Report, id: string) => r.status.steps.find((s) => s.id === id)!;

describe('a window that runs out of budget (its first change takes 55 minutes, planned 15)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse('test/fixtures/windows/e2e-budget.yaml');
  });

  it('defers the deferrable changes that no longer fit, never starting them, and says why', () => {
    expect(r.status.state).toBe('succeeded');
    for (const id of ['global-infra', 'hub-infra']) {
      expect(stepOf(r, id).state).toBe('deferred');
      expect(stepOf(r, id).detail).toMatch(/^deferred to a following window: it and what must follow it need \d+m, to 2025-06-22T1\d:\d\d:\d\d\.\d{3}Z, past the budget end 2025-06-22T10:35:00\.000Z$/);
    }
    const started = (r.estate.devops.runs as { pipelineName: string }[]).map((x) => x.pipelineName);
    expect(started).not.toContain('Global_Infrastructure');
    expect(started).not.toContain('Hub_Infrastructure');
    expect(started).toEqual(expect.arrayContaining(['MyIIS', 'Kong_Infrastructure', 'IC-Smoke-Tests']));
  });

  it('lists the deferred changes with their tickets for the next window, in the summary and the record', () => {
    expect(r.status.summary).toMatch(/deferred 2\./);
    expect(r.status.summary).toMatch(/\nDEFERRED global-infra \(PLAT-1594\): it and what must follow it need/);
    expect(r.status.summary).toMatch(/\nDEFERRED hub-infra \(PLAT-1594, PLAT-1723\): /);
    const deferred = r.status.events.filter((e) => e.type === 'deferred').map((e) => [e.step, (e.data as { tickets: string[] }).tickets]);
    expect(deferred).toEqual([
      ['global-infra', ['PLAT-1594']],
      ['hub-infra', ['PLAT-1594', 'PLAT-1723']],
    ]);
  });

  it('announces each deferral in the window\'s channel', () => {
    const notices = slackTexts(r, 'eng-monthlymaintenance').filter((t) => t.startsWith(':fast_forward: Deferred to a following window: '));
    expect(notices.map((t) => /\((\S+?)[,)]/.exec(t)?.[1])).toEqual(['global-infra', 'hub-infra']);
    // In the window's zones, never UTC.
    expect(notices.every((t) => /past the budget end Sun 06:35 EDT \| 16:05 IST/.test(t) && !/\d{4}-\d\d-\d\dT/.test(t))).toBe(true);
  });

  it('asks a budget approver before the smoke test, which may not be deferred, runs past the end', () => {
    expect(stepOf(r, 'smoke').state).toBe('done');
    // The request as first posted (once answered it is rewritten to say so and loses its buttons).
    const messages = (r.estate.slack.channels as { name: string; messages: { text: string; history: string[] }[] }[]).find((c) => c.name === 'eng-monthlymaintenance')!.messages;
    const asked = messages.map((m) => m.history[0] ?? m.text).find((t) => t.startsWith(':lock: Approval needed for smoke (smoke): '))!;
    expect(asked).toMatch(/it and what must follow it need \d+m, to Sun \d\d:\d\d EDT \| \d\d:\d\d IST, past the budget end Sun 06:35 EDT \| 16:05 IST\. Approve to run it anyway; reject \(or no answer in 30m\) defers it to a following window\. Needs 1 of release-manager/);
    const decisions = r.status.events.filter((e) => e.type === 'approval' && e.step === 'smoke').map((e) => e.data as { by: string; counted: boolean });
    expect(decisions.filter((d) => d.counted).map((d) => d.by)).toEqual(['dana-whitfield']);
    expect(slackTexts(r, 'eng-monthlymaintenance').some((t) => /^:hourglass: .*\(smoke\) runs past the budget: approved by dana-whitfield\.$/.test(t))).toBe(true);
  });
});

describe('seed 004 with a slow Mock (45 minutes: production would need 90)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse('windows/consul-takedown.yaml', { manual: { 'mock-maintenance': { afterMinutes: 45 } } });
  });

  it('defers the updates to a following window and still takes down and restores in order', () => {
    expect(r.status.state).toBe('succeeded');
    expect(stepOf(r, 'perform-maintenance').state).toBe('deferred');
    expect(stepOf(r, 'perform-maintenance').detail).toMatch(/need (9\d|1\d\d)m, to 2025-10-16T0\d:\d\d:\d\d\.\d{3}Z, past the budget end 2025-10-16T02:25:00\.000Z$/);
    expect(['take-down', 'restore'].map((id) => stepOf(r, id).state)).toEqual(['done', 'done']);
    expect(r.status.summary).toMatch(/\nDEFERRED perform-maintenance: /);
    expect(r.status.stillChanged).toEqual([]);
  });
});

describe('seed 004 with Mock on time (20 minutes)', () => {
  it('performs the maintenance', async () => {
    const r = await rehearse('windows/consul-takedown.yaml', { manual: { 'mock-maintenance': { afterMinutes: 20 } } });
    expect(r.status.state).toBe('succeeded');
    expect(stepOf(r, 'perform-maintenance').state).toBe('done');
  });
});
