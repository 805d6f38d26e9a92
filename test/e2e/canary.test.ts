import { rehearse, slackTexts, type Report } from './harness';

/**
 * The canary's no-go (seed 003: "A Go/No-Go decision will be made at 3:30 PM IST to determine
 * whether the new server remains in the pool or is removed"): by a team's "not ok", and by a team
 * that never answers when silence means no-go. Either way the server leaves the pool, and the
 * decision message states the decision and what every team said.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const FILE = 'windows/2025-09-08-canary.yaml';
const inPool = (r: Report): boolean => Object.values(r.estate.arm.applicationGateways['agw-pri-appgateway0-prd'].pools as Record<string, string[]>).some((m) => m.includes('IC-W25-Web01'));
const decisionOf = (r: Report) => r.status.events.find((e) => e.type === 'canary-decision')!.data as { decision: string; reasons: string[]; history: { team: string; ok: boolean }[] };
const decisionText = (r: Report) => slackTexts(r, 'prod-server-2025-rollout').find((t) => /^:(no_entry|white_check_mark): (NO-GO|GO)/.test(t))!;

describe('a canary no-go by one team\'s "not ok"', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(FILE, { canary: { pace: { ok: false, note: 'CTP latency doubled' } } });
  });

  it('takes the server out of the pool at the decision, and the record says why', () => {
    expect(inPool(r)).toBe(false);
    const d = decisionOf(r);
    expect(d.decision).toBe('no-go');
    expect(d.reasons).toEqual(['pace not ok (CTP latency doubled)']);
    expect(r.status.stillChanged).toEqual([]);
  });

  it('keeps every answer and states the decision and what each team said', () => {
    const d = decisionOf(r);
    expect(d.history.filter((a) => a.team === 'pace').every((a) => !a.ok)).toBe(true);
    expect(d.history.length).toBeGreaterThan(6);
    const text = decisionText(r);
    expect(text).toMatch(/^:no_entry: NO-GO: pace not ok \(CTP latency doubled\)\. Canary IC-W25-Web01 taken out of the pool\./);
    expect(text).toMatch(/\n• PACE: NOT OK \(CTP latency doubled\), /);
    expect(text).toMatch(/\n• Shared Services: ok/);
  });
});

describe('a canary no-go by silence (a team never answers; silence is no-go)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(FILE, { canary: { tbd: 'silent' } });
  });

  it('takes the server out at the decision and names the silent team', () => {
    expect(inPool(r)).toBe(false);
    expect(decisionOf(r)).toMatchObject({ decision: 'no-go', reasons: ['no answer from tbd (default no-go)'] });
    expect(decisionText(r)).toMatch(/\n• TBD: no answer \(default no-go\)/);
  });
});
