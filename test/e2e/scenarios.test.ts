import { unrecordedAzureCalls } from '../support/azureCalls';
import { gatewayPoolSizes, lbPoolSizes, leakedSecrets, rehearse, slackTexts, type Report } from './harness';

/**
 * Failure scenarios, each rehearsed end to end with faults injected into the estate or
 * people behaving badly, and the final state asserted: nothing left drained, suppressed
 * or down unless it is reported, and floors never broken anywhere in the call log.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const MINI = 'test/fixtures/windows/e2e-mini.yaml';
const GW = 'agw-pri-appgateway0-prd';
const GW_POOL = 'bp-ic-web-prd';
const LB = 'IC-LB-WebSVR-4AppSVR';
const LB_POOL = 'IC-WebSVR-BackendPool';

const byNumber = (a: string, b: string) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, ''));
const gatewayMembers = (r: Report): string[] => [...(r.estate.arm.applicationGateways[GW].pools[GW_POOL] as string[])].sort(byNumber);
const lbMembers = (r: Report): string[] => [...(r.estate.arm.loadBalancers[LB].pools[LB_POOL] as string[])].sort(byNumber);
const webs = Array.from({ length: 10 }, (_, i) => `IC-Web${i + 1}`);
const stepState = (r: Report, id: string) => r.status.steps.find((s) => s.id === id)?.state;

function expectFloorsKept(r: Report): void {
  for (const size of gatewayPoolSizes(r.calls, GW, GW_POOL)) expect(size).toBeGreaterThanOrEqual(5);
  for (const size of lbPoolSizes(r.calls, LB, LB_POOL)) expect(size).toBeGreaterThanOrEqual(5);
}

const HOSTS = ['www.invoicecloud.com', 'my.invoicecloud.com', 'sso.invoicecloud.com'];
const records = (r: Report) => (r.estate.cloudflare.zones as { name: string; records: { name: string; content: string }[] }[]).find((z) => z.name === 'invoicecloud.com')!.records;

/**
 * Fail safe: a window that failed or was aborted with the page up leaves it up, in the estate, in
 * the status (kept, with why) and loudly in Slack, with how a person takes it down.
 */
function expectPageKeptUp(r: Report): void {
  for (const host of HOSTS) expect(records(r).find((x) => x.name === host)?.content).toBe('icmaintenance.azurewebsites.net');
  expect(r.status.maintenancePages).toEqual({ public: 'up' });
  const page = r.status.stillChanged.filter((c) => c.key.startsWith('page:public:'));
  expect(page.map((c) => c.key).sort()).toEqual(HOSTS.map((h) => `page:public:dns:${h}`).sort());
  expect(page.every((c) => c.state === 'kept' && /stays until a person takes it down/.test(c.note ?? ''))).toBe(true);
  for (const channel of ['platform-support', 'eng-monthlymaintenance']) {
    const loud = slackTexts(r, channel).filter((t) => t.startsWith(':rotating_light: e2e-mini stopped'));
    expect(loud).toHaveLength(1);
    expect(loud[0]).toMatch(/Maintenance page public is still UP: take it down when the site is fit for customers: mw page e2e-mini public down -r/);
  }
}

describe('a web server fails patching (below the error threshold)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(MINI, { faults: [{ kind: 'vm', vm: 'IC-Web3', fault: 'patchFailure' }] });
  });

  it('keeps the failed server out of every pool and reports it; the others finish', () => {
    expect(gatewayMembers(r)).toEqual(webs.filter((w) => w !== 'IC-Web3'));
    expect(lbMembers(r)).toEqual(webs.filter((w) => w !== 'IC-Web3'));
    expect(r.status.servers['IC-Web3']).toMatchObject({ state: 'failed' });
    expect(webs.filter((w) => w !== 'IC-Web3').every((w) => r.status.servers[w]?.state === 'patched')).toBe(true);
    expect(r.status.summary).toMatch(/OUT OF POOL IC-Web3 \(agw-web, ilb-web\)/);
    const failures = slackTexts(r, 'platform-support');
    expect(failures.some((t) => t.includes('IC-Web3'))).toBe(true);
    // On-call's status says what is still changed: IC-Web3 out of its pools, left on purpose.
    expect(r.status.stillChanged.length).toBeGreaterThan(0);
    expect(r.status.stillChanged.every((c) => c.state === 'kept' && c.description.includes('IC-Web3'))).toBe(true);
  });

  it('never breaks a floor, though the second batch had one member fewer to spare', () => {
    expectFloorsKept(r);
    // Batch two could drain only four at first (IC-Web3 stayed out), then the fifth on its own.
    expect(gatewayPoolSizes(r.calls, GW, GW_POOL)).toEqual([5, 9, 5, 9, 8, 9]);
    expect(lbPoolSizes(r.calls, LB, LB_POOL)).toEqual([5, 9, 5, 9, 8, 9]);
  });
});

describe('a group reaches its error threshold (06-22: threshold 1)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse('windows/2025-06-22-monthly.yaml', { faults: [{ kind: 'vm', vm: 'IC-Web2', fault: 'probeFailureAfterPatch' }] });
  });

  it('stops the line and the window, and the ledger puts everything else back', () => {
    expect(r.status.state).toBe('failed');
    expect(stepState(r, 'web-batch-1')).toBe('failed');
    expect(r.status.stopReason).toMatch(/web-batch-1 failed/);
    // IC-Web2 stays out, reported; the rest of its batch came back; batch two never started.
    expect(gatewayMembers(r)).toEqual(webs.filter((w) => w !== 'IC-Web2'));
    expect(lbMembers(r)).toEqual(webs.filter((w) => w !== 'IC-Web2'));
    expect(stepState(r, 'web-batch-2')).not.toBe('done');
    expect(r.estate.arm.alertProcessingRules).toEqual({});
    expectFloorsKept(r);
  });
});

describe('abort in the middle', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(MINI, { abortWhen: { step: 'web', state: 'doing', reason: 'on-call saw errors' } });
  });

  it('stops cleanly and the ledger restores every pool and every alert', () => {
    expect(r.status.state).toBe('aborted');
    expect(r.status.stopReason).toMatch(/aborted by on-call-engineer: on-call saw errors/);
    expect(gatewayMembers(r)).toEqual(webs);
    expect(lbMembers(r)).toEqual(webs);
    expect(r.estate.arm.alertProcessingRules).toEqual({});
    expectFloorsKept(r);
    // The status agrees with the estate: nothing but the page is still changed.
    expect(r.status.stillChanged.filter((c) => !c.key.startsWith('page:'))).toEqual([]);
  });

  it('keeps the maintenance page up and says so loudly: no machine lets customers in after an abort', () => {
    expectPageKeptUp(r);
  });
});

describe('approval gates', () => {
  it('fails the window when the gate times out with onTimeout reject, before anything changes', async () => {
    const r = await rehearse(MINI, { approvals: { 'go-ahead': 'ignore' } });
    expect(r.status.state).toBe('failed');
    expect(r.status.steps.find((s) => s.id === 'go-ahead')?.detail).toMatch(/no approval within 30m \(onTimeout: reject\)/);
    expect(r.estate.cloudflare.changes).toEqual([]);
    expect(gatewayPoolSizes(r.calls, GW, GW_POOL)).toEqual([]);
  });

  it('fails the window on a rejection and records who rejected', async () => {
    const r = await rehearse(MINI, { approvals: { 'go-ahead': 'reject' } });
    expect(r.status.state).toBe('failed');
    expect(r.status.steps.find((s) => s.id === 'go-ahead')?.detail).toMatch(/^rejected by (dana-whitfield|marcus-lee|priya-raman|tom-okafor)/);
    const decisions = r.status.events.filter((e) => e.type === 'approval').map((e) => (e.data as { decision: string }).decision);
    expect(decisions).toContain('reject');
  });
});

describe('a concurrent gateway update conflict', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(MINI, {
      faults: [{ listener: 'arm', method: 'PUT', path: '*/applicationGateways/*', status: 409, body: { error: { code: 'AnotherOperationInProgress', message: 'Another operation is in progress.' } }, count: 2 }],
    });
  });

  it('is retried and loses no pool member', () => {
    expect(r.status.state).toBe('succeeded');
    const conflicts = r.calls.filter((c) => c.method === 'PUT' && c.path.includes('applicationGateways') && c.status === 409);
    expect(conflicts).toHaveLength(2);
    expect(gatewayMembers(r)).toEqual(webs);
    expectFloorsKept(r);
  });
});

describe('a secret rotation whose verification fails', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(MINI, { faults: [{ listener: 'mailgun', method: 'GET', path: '/v4/domains*', status: 401, body: 'Forbidden', count: 10 }] });
  });

  it('makes only Azure calls the roles were checked against (the only path that disables a secret version)', () => {
    expect(unrecordedAzureCalls(r.calls)).toEqual([]);
  });

  it('rolls Key Vault back, deletes the new key and keeps the old one', () => {
    expect(stepState(r, 'mailgun-rotation')).toBe('failed');
    expect(r.status.steps.find((s) => s.id === 'mailgun-rotation')?.detail).toMatch(/rolled back to the previous version, old key kept/);
    const versions = r.estate.keyvault.secrets['Mailgun-ApiKey'].versions as { enabled: boolean; tags: Record<string, string> }[];
    const created = versions.find((v) => v.tags.mwRotation)!;
    expect(created.enabled).toBe(false);
    expect(versions.at(-1)!.tags.mwRollbackOf).toBeDefined();
    expect(versions.at(-1)!.tags.mailgunKeyId).toBe('5c2e88d0-19ab4f31');
    const keys = (r.estate.mailgun.keys as { id: string }[]).map((k) => k.id);
    expect(keys).toContain('5c2e88d0-19ab4f31');
    expect(keys).not.toContain(created.tags.mailgunKeyId);
    // The window failed with the page up: it stays up.
    expectPageKeptUp(r);
    expect(leakedSecrets(r)).toEqual([]);
  });
});

describe('a duplicate timer fire', () => {
  it('starts exactly one instance', async () => {
    const r = await rehearse(MINI, { startViaTimer: true });
    const windows = r.instances.filter((i) => i.instanceId === 'window-e2e-mini');
    expect(windows).toHaveLength(1);
    expect(r.status.startedBy).toBe('scheduler');
    expect(r.status.state).toBe('succeeded');
    // Both fires found the window within a day of its start: one heads-up, posted before the window's own start notice.
    const texts = slackTexts(r, 'eng-monthlymaintenance');
    const headsUp = texts.filter((t) => t.startsWith(':calendar: '));
    expect(headsUp).toHaveLength(1);
    expect(headsUp[0]).toMatch(/^:calendar: .* starts Sat 23:00 EDT \| Sun 08:30 IST and should end .*People named in it: .*Dana Whitfield.*Follow it with: mw status e2e-mini$/);
    expect(texts.indexOf(headsUp[0]!)).toBeLessThan(texts.findIndex((t) => t.startsWith(':construction: ')));
  });

  it('refuses a second start over the API with 409', async () => {
    const r = await rehearse(MINI, { duplicateStart: true });
    expect(r.duplicateStart).toBe(409);
    expect(r.status.state).toBe('succeeded');
  });
});

describe('approvals with the buttons in Slack', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse(MINI, { approvalsVia: 'slack', slackProbes: true });
  });
  type Interaction = { user: string; actionId: string; signature: string; timestampOffsetSeconds?: number; status: number | null; responseUrlId: string };
  type Response = { id: string; clickedBy: string; text: string; responseType: string };
  type Message = { text: string; history: string[]; blocks?: unknown[] };
  const slack = () => r.estate.slack as { interactions: (Interaction & { value: string })[]; responses: Response[]; channels: { messages: Message[] }[] };

  it('posts the request with Approve and Reject buttons, the approvers clicks pass the gate, and the request is closed', () => {
    expect(r.status.state).toBe('succeeded');
    const clicked = slack().interactions.filter((i) => i.signature === 'valid' && !i.timestampOffsetSeconds);
    expect([...new Set(clicked.map((i) => `${i.actionId} ${i.value}`))]).toEqual([`mw-approve ${r.windowId}|go-ahead`]);
    // Once the gate passed, the request says so and its buttons are gone.
    const request = slack().channels.flatMap((c) => c.messages).find((m) => m.history[0]?.startsWith(':lock: Approval needed'))!;
    expect(request.text).toMatch(/^:white_check_mark: Approval for .* \(go-ahead\) is closed: approved by dana-whitfield, priya-raman\.$/);
    expect(request.blocks ?? []).toEqual([]);
    const decisions = r.status.events.filter((e) => e.type === 'approval').map((e) => e.data as { by: string; via?: string; counted: boolean });
    expect(decisions.filter((d) => d.counted).map((d) => [d.by, d.via]).sort()).toEqual([
      ['dana-whitfield', 'slack'],
      ['priya-raman', 'slack'],
    ]);
  });

  it('refuses a forged signature and a replayed click with 401, recording nothing', () => {
    const forged = slack().interactions.filter((i) => i.signature === 'forged');
    const replayed = slack().interactions.filter((i) => i.signature === 'valid' && (i.timestampOffsetSeconds ?? 0) <= -600);
    expect(forged.map((i) => i.status)).toEqual([401]);
    expect(replayed.map((i) => i.status)).toEqual([401]);
    const refusedIds = new Set([...forged, ...replayed].map((i) => i.responseUrlId));
    expect(slack().responses.filter((x) => refusedIds.has(x.id))).toEqual([]);
  });

  it('tells someone who may not approve, and only them, that the click did not count', () => {
    // grace-kim (platform lead, U03PL0GKIM) is in the window but not among the gate's approvers.
    const outsider = slack().interactions.find((i) => i.user === 'U03PL0GKIM');
    expect(outsider?.status).toBe(200);
    const answer = slack().responses.find((x) => x.id === outsider!.responseUrlId)!;
    expect(answer.responseType).toBe('ephemeral');
    expect(answer.text).toMatch(/^:no_entry: Not recorded: .* is not an approver of "go-ahead"/);
    for (const approver of ['U04RM0DANA', 'U05PA0PRIY']) {
      const click = slack().interactions.find((i) => i.user === approver && i.signature === 'valid' && !i.timestampOffsetSeconds)!;
      expect(slack().responses.find((x) => x.id === click.responseUrlId)?.text).toMatch(/^:white_check_mark: Your approval of .* is recorded\.$/);
    }
  });

  it('decides conditional steps at run time: the page went up, so only the note that says so ran', () => {
    expect(stepState(r, 'page-was-up-note')).toBe('done');
    expect(r.status.steps.find((s) => s.id === 'no-page-note')).toMatchObject({ state: 'not-doing', detail: 'not doing: runs only if page-up is not done; it is done' });
  });

  it('leaks neither the signing secret nor any other credential', () => {
    expect(leakedSecrets(r)).toEqual([]);
  });
});

describe('an inverse that keeps failing during the restore walk', () => {
  let r: Report;
  beforeAll(async () => {
    // Azure refuses every deletion of alert processing rules: the suppression can never be lifted.
    const forbidden = { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.AlertsManagement/actionRules/delete.' } };
    r = await rehearse(MINI, {
      faults: [{ listener: 'arm', method: 'DELETE', path: '*/actionRules/*', status: 403, body: forbidden, count: 1000 }],
      abortWhen: { step: 'web', state: 'doing', reason: 'on-call saw errors' },
    });
  });

  it('puts everything else back and says loudly, in Slack and in the status, what it could not', () => {
    expect(['aborted', 'failed']).toContain(r.status.state);
    // The walk went on past the failure: pools whole; the page kept up (the window stopped).
    expect(gatewayMembers(r)).toEqual(webs);
    expect(lbMembers(r)).toEqual(webs);
    expectPageKeptUp(r);
    // The suppression is honestly still there, and said to be.
    expect(Object.keys(r.estate.arm.alertProcessingRules as object).length).toBeGreaterThan(0);
    const failed = r.status.stillChanged.filter((c) => c.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((c) => /^alerts back on for /.test(c.description) && /AuthorizationFailed|authorization/i.test(c.note ?? ''))).toBe(true);
    const support = slackTexts(r, 'platform-support');
    expect(support.some((t) => t.startsWith(':rotating_light: RESTORE FAILED') && t.includes('alerts back on for'))).toBe(true);
    expect(r.stdout).toMatch(/STILL CHANGED, NOT PUT BACK \(\d+\):\n {2}FAILED alerts back on for /);
  });
});
