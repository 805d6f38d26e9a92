import { gatewayPoolSizes, rehearse, slackTexts, type Report } from './harness';

/**
 * Fail safe: a failure never takes the maintenance page down. A smoke test that fails after the
 * page came down puts it back up (`onFailure: page-up`); a test that fails with the page up leaves
 * it up; the restore walk keeps it up, says so loudly, and a named person takes it down.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const MINI = 'test/fixtures/windows/e2e-mini.yaml';
const GW = 'agw-pri-appgateway0-prd';
const GW_POOL = 'bp-ic-web-prd';
const webs = Array.from({ length: 10 }, (_, i) => `IC-Web${i + 1}`);
const byNumber = (a: string, b: string) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, ''));
type Change = { name: string; content: string; action: string };
/** The content each DNS write of `host` set, in order. */
const dnsHistory = (r: Report, host: string): string[] => (r.estate.cloudflare.changes as Change[]).filter((c) => c.name === host).map((c) => c.content);
const recordOf = (r: Report, host: string): string | undefined =>
  (r.estate.cloudflare.zones as { name: string; records: { name: string; content: string }[] }[]).find((z) => z.name === 'invoicecloud.com')!.records.find((x) => x.name === host)?.content;

describe('a smoke test fails after the page came down (onFailure: page-up), and a named person takes the page down later', () => {
  let r: Report;
  let atEnd: Report['status'];
  beforeAll(async () => {
    r = await rehearse(MINI, {
      faults: [{ kind: 'devops-run', pipeline: 'IC-Smoke-Tests', result: 'failed' }],
      pageAfterEnd: { page: 'public', action: 'down', by: 'on-call-engineer', reason: 'fix deployed, smoke tests pass by hand' },
    });
    atEnd = r.runs[0]!;
  });

  it('fails the window at the smoke test and puts the page back up at once', () => {
    expect(atEnd.state).toBe('failed');
    expect(atEnd.stopReason).toMatch(/^step smoke-after-page-down failed: smoke tests: run \d+ ended failed; onFailure: maintenance page public put back UP$/);
    // Up, down (page-down), up again (the failed smoke test), then down by the person.
    for (const host of ['www.invoicecloud.com', 'my.invoicecloud.com', 'sso.invoicecloud.com']) {
      expect(dnsHistory(r, host)).toEqual(['icmaintenance.azurewebsites.net', 'pal.invoicecloud.com', 'icmaintenance.azurewebsites.net', 'pal.invoicecloud.com']);
    }
    expect(slackTexts(r, 'platform-support').some((t) => /^:rotating_light: .*smoke-after-page-down.* failed, so \(onFailure: page-up\) maintenance page public put back UP\.$/.test(t))).toBe(true);
  });

  it('keeps the page up at the end of the window, says so loudly and in the status, and restores nothing else wrongly', () => {
    expect(atEnd.maintenancePages).toEqual({ public: 'up' });
    expect(atEnd.stillChanged.map((c) => c.key).sort()).toEqual(['my', 'sso', 'www'].map((h) => `page:public:dns:${h}.invoicecloud.com`));
    expect(atEnd.stillChanged.every((c) => c.state === 'kept' && /stays until a person takes it down/.test(c.note ?? ''))).toBe(true);
    const loud = slackTexts(r, 'platform-support').filter((t) => t.startsWith(':rotating_light: e2e-mini stopped'));
    expect(loud).toHaveLength(1);
    expect(loud[0]).toMatch(/Customers are NOT let back in by the restore walk after a failure; a person decides:\n• Maintenance page public is still UP: take it down when the site is fit for customers: mw page e2e-mini public down -r "<why>"/);
    // Everything before the smoke test stays as it ended: servers patched and in the pools, no alert suppressed, the rotation kept.
    expect([...(r.estate.arm.applicationGateways[GW].pools[GW_POOL] as string[])].sort(byNumber)).toEqual(webs);
    expect(gatewayPoolSizes(r.calls, GW, GW_POOL).every((n) => n >= 5)).toBe(true);
    expect(r.estate.arm.alertProcessingRules).toEqual({});
    expect(atEnd.steps.find((s) => s.id === 'mailgun-rotation')?.state).toBe('done');
    const versions = r.estate.keyvault.secrets['Mailgun-ApiKey'].versions as { enabled: boolean; tags: Record<string, string> }[];
    expect(versions.at(-1)!.tags.mwRotation).toBeDefined();
    expect(versions.at(-1)!.enabled).toBe(true);
    // What follows the smoke test never ran.
    expect(atEnd.steps.filter((s) => ['page-was-up-note', 'no-page-note', 'done'].includes(s.id)).map((s) => s.state)).toEqual(['aborted', 'aborted', 'aborted']);
  });

  it('takes the page down only when a named person asks, and records who and why', () => {
    expect(r.status.maintenancePages).toEqual({ public: 'down' });
    expect(r.status.stillChanged).toEqual([]);
    for (const host of ['www.invoicecloud.com', 'my.invoicecloud.com', 'sso.invoicecloud.com']) expect(recordOf(r, host)).toBe('pal.invoicecloud.com');
    const asked = r.status.events.filter((e) => e.type === 'emergency-page').map((e) => e.data);
    expect(asked).toEqual([{ by: 'on-call-engineer', action: 'down', page: 'public', reason: 'fix deployed, smoke tests pass by hand' }]);
  });
});

describe('a regression test fails while the page is up (2025-04-13)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse('windows/2025-04-13-monthly.yaml', { faults: [{ kind: 'devops-run', pipeline: 'IC-Full-Regression', result: 'failed' }] });
  });

  it('fails the window and leaves the page up, with Pingdom still in maintenance', () => {
    expect(r.status.state).toBe('failed');
    expect(r.status.stopReason).toMatch(/^step regression-tests failed: regression tests: run \d+ ended failed$/);
    for (const host of ['www.invoicecloud.com', 'my.invoicecloud.com']) expect(recordOf(r, host)).toBe('icmaintenance.azurewebsites.net');
    expect(r.status.maintenancePages).toEqual({ public: 'up' });
    const page = r.status.stillChanged.filter((c) => c.key.startsWith('page:public:'));
    expect(page.map((c) => c.key).sort()).toEqual(['page:public:dns:my.invoicecloud.com', 'page:public:dns:www.invoicecloud.com', 'page:public:uptime']);
    expect(page.every((c) => c.state === 'kept')).toBe(true);
    expect(r.status.steps.find((s) => s.id === 'page-down')?.state).toBe('aborted');
  });

  it('asks a human loudly, in the failure channel and the page\'s channel', () => {
    for (const channel of ['platform-support', 'engineering-maintenance']) {
      const loud = slackTexts(r, channel).filter((t) => t.startsWith(':rotating_light: 2025-04-13-monthly stopped (step regression-tests failed'));
      expect(loud).toHaveLength(1);
      expect(loud[0]).toMatch(/Maintenance page public is still UP: take it down when the site is fit for customers: mw page 2025-04-13-monthly public down/);
    }
    expect(r.stdout).toMatch(/Left changed on purpose \(\d+\):\n {2}KEPT /);
  });
});

describe('a take-down whose redirect is not in place (HAProxy does not act on the key)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse('windows/consul-takedown.yaml', { faults: [{ kind: 'haproxy', fault: 'ignore-key' }] });
  });

  it('fails the take-down at the redirect check, before any box goes into Consul maintenance', () => {
    const step = r.status.steps.find((s) => s.id === 'take-down')!;
    expect(step.state).toBe('failed');
    // The normal site answers 200 too: the check looks for the message, and the API's 503 with Retry-After.
    expect(step.detail).toMatch(/^traffic is not redirected yet: redirect https:\/\/billpay\.alliedpayment\.com\/: body does not contain 'down for scheduled maintenance'; .*API answers 503 with Retry-After: status 200, expected 503$/);
    expect((r.estate.consul.events as { action: string }[]).map((e) => e.action)).toEqual(['kv-put']);
    // No worker service or job was touched (each goes through Run Command).
    expect(r.calls.filter((c) => c.path.toLowerCase().endsWith('/runcommand'))).toEqual([]);
  });

  it('keeps the maintenance key set for a person to decide, and says so', () => {
    expect(r.status.state).toBe('failed');
    expect(r.status.stillChanged.map((c) => [c.key, c.state])).toEqual([['estate:billpay:key', 'kept']]);
    expect(r.stdout).toMatch(/KEPT Consul key haproxy\/billpay\/maintenance back/);
  });
});
