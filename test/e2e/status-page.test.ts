import { existsSync } from 'fs';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { chromium, type Browser } from 'playwright-core';
import { renderStatusPage } from '../../shared/api/page';
import type { WindowStatusView } from '../../shared/api/windows';

/**
 * The on-call page in a real browser (Debian's Chromium): what a person sees at a glance —
 * the window's state, the ETA against plan, what is running, who must approve, which
 * servers are out of their pools, whether the maintenance page is up.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const view: WindowStatusView = {
  windowId: '2025-06-22-monthly',
  title: '2025-06-22 Monthly',
  state: 'running',
  instanceId: 'window-2025-06-22-monthly',
  runs: [],
  revision: '3ea51bbde0583504',
  startedBy: 'scheduler',
  startedAt: '2025-06-21T22:30:00.000Z',
  plannedEndAt: '2025-06-22T15:29:00.000Z',
  eta: '2025-06-22T16:09:00.000Z',
  slipMinutes: 40,
  counts: { done: 12, doing: 2, 'waiting-for-approval': 1, pending: 19, 'not-doing': 1 },
  phases: [
    { id: 'pre-work', state: 'done' },
    { id: 'changes', state: 'doing' },
  ],
  steps: [
    { id: 'web-batch-1', title: 'Patching for IC-Web1 thru 5', kind: 'patch', phase: 'pre-work', state: 'done', plannedStart: '2025-06-22T04:00:00.000Z', plannedEnd: '2025-06-22T08:05:00.000Z', at: '2025-06-22T08:11:00.000Z', tickets: [] },
    { id: 'web-batch-2', title: 'Patching for IC-Web6 thru 10', kind: 'patch', phase: 'changes', state: 'doing', plannedStart: '2025-06-22T08:30:00.000Z', plannedEnd: '2025-06-22T12:35:00.000Z', tickets: [], detail: 'patching IC-Web6..10' },
    { id: 'pipeline-approval', title: 'Pipeline approvals <Release Manager>', kind: 'approval', phase: 'changes', state: 'waiting-for-approval', plannedStart: '2025-06-22T09:00:00.000Z', plannedEnd: '2025-06-22T09:15:00.000Z', tickets: ['PLAT-2018'] },
    { id: 'patch-terminal-services', title: 'Terminal Services', kind: 'patch', phase: 'changes', state: 'not-doing', plannedStart: '2025-06-22T09:02:00.000Z', plannedEnd: '2025-06-22T09:02:00.000Z', tickets: [], detail: 'not doing: no Jira ticket' },
  ],
  approvalsPending: [{ gate: 'pipeline-approval', title: 'Pipeline approvals <Release Manager>', roles: [{ role: 'release-manager', quorum: 1, approvers: ['dana-whitfield', 'marcus-lee'] }] }],
  servers: {
    'IC-Web1': { state: 'patched', step: 'web-batch-1' },
    'IC-Web3': { state: 'failed', step: 'web-batch-1', detail: 'sanity checks failed: IIS health page: status 503' },
  },
  maintenancePages: { public: 'up' },
  alertSets: { 'other-alerts': 'paused' },
  stillChanged: [
    { key: 'page:public:dns:www.invoicecloud.com', step: 'page-up', description: 'DNS www.invoicecloud.com back to its saved value', state: 'open' },
    { key: 'web-batch-1:c2:pool:agw-web', step: 'web-batch-1', description: 'IC-Web3 back into agw-web', state: 'kept', note: 'failed its sanity checks' },
  ],
  events: [],
};

describe('status page in Chromium', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian packages chromium and chromium-driver (.ci/run does)`);
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderStatusPage(view, { zone: 'America/New_York', refreshSeconds: 600 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('shows where the window stands at a glance', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await expect(page.title()).resolves.toBe('2025-06-22 Monthly — running');
    const eta = await page.locator('#eta').innerText();
    expect(eta).toMatch(/Sun.*12:09.*EDT/);
    expect(await page.locator('body').innerText()).toMatch(/40m behind plan/);
    expect(await page.locator('[data-page="public"]').innerText()).toMatch(/Maintenance page public is UP/);
    expect(await page.locator('#servers-out').innerText()).toBe('Out of their pools: IC-Web3 (sanity checks failed: IIS health page: status 503)');
    expect(await page.locator('#approvals').innerText()).toMatch(/1 of release-manager \(dana-whitfield, marcus-lee\)/);
    expect(await page.locator('#now li').count()).toBe(2);
    expect(await page.locator('[data-alert-set="other-alerts"]').innerText()).toMatch(/Alerts other-alerts are PAUSED/);
    // While the window runs, what is still changed is a warning, listed in the order it was changed.
    expect(await page.locator('#still-changed').getAttribute('class')).toBe('warn');
    expect(await page.locator('#still-changed li').allInnerTexts()).toEqual([
      'open DNS www.invoicecloud.com back to its saved value (page-up)',
      'kept IC-Web3 back into agw-web (web-batch-1: failed its sanity checks)',
    ]);
    await page.close();
  });

  it('turns what is still changed into an alarm once the window has ended', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage({ ...view, state: 'aborted' }, { refreshSeconds: 600 }));
    expect(await page.locator('#still-changed').getAttribute('class')).toBe('alert');
    expect(await page.locator('#still-changed').innerText()).toMatch(/^Still changed \(2\):/);
    // What a decision kept (a canary on go, a failed server left out) is not an alarm by itself.
    await page.setContent(renderStatusPage({ ...view, state: 'succeeded', stillChanged: view.stillChanged.filter((c) => c.state === 'kept') }, { refreshSeconds: 600 }));
    expect(await page.locator('#still-changed').getAttribute('class')).toBe('warn');
    await page.close();
  });

  it('lists every step with its state, escaping what the window file says', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.locator('#steps tr[data-step]').count()).toBe(4);
    expect(await page.locator('tr[data-step="patch-terminal-services"] .badge').innerText()).toBe('not-doing');
    expect(await page.locator('tr[data-step="pipeline-approval"]').innerText()).toContain('Pipeline approvals <Release Manager>');
    // The title's angle brackets are text, not markup.
    expect(await page.locator('release').count()).toBe(0);
    await page.close();
  });
});
