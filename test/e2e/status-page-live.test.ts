import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hasIsoInstant } from '../../shared/api/times';
import type { WindowStatusView } from '../../shared/api/windows';
import { launchChromium, overflowsHorizontally, screenshot, seriousAxeViolations } from '../support/browser';
import { startLiveWindow, type LiveWindow } from './liveWindow';

/**
 * The status page against a live rehearsal of e2e-mini kept running at real speed, its gate left
 * for people to answer: approvers approve from the page and the window moves on; a non-approver
 * sees no buttons and a forged POST is refused; the legend, the Gantt and the server grid (with
 * servers in flight) follow the window without a reload; axe-core finds nothing serious at
 * desktop and phone width; the report is linked once the window ends.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const WINDOW = 'e2e-mini';

let live: LiveWindow;
let base: string;
let key: string;
let browser: Browser;
let evil: Server | undefined;

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 900): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function status(): Promise<WindowStatusView> {
  const r = await fetch(`${base}/api/windows/${WINDOW}`, { headers: { 'x-functions-key': key } });
  return (await r.json()) as WindowStatusView;
}

/** A browser session as `who` (the local identity header stands in for App Service authentication's cookie). */
async function as(who: string, viewport = { width: 1440, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, extraHTTPHeaders: { 'x-mw-user': who } });
  const page = await context.newPage();
  await page.goto(`${base}/api/windows/${WINDOW}/page?code=${encodeURIComponent(key)}&refresh=2`);
  return { context, page };
}

const stateOf = (page: Page, step: string) => page.locator(`[data-step="${step}"]`).getAttribute('data-state');
const legendOf = (page: Page, step: string) => page.locator(`[data-step="${step}"] .badge`).getAttribute('data-legend');

beforeAll(async () => {
  live = await startLiveWindow('test/fixtures/windows/e2e-mini.yaml', 'go-ahead');
  base = live.hostUrl;
  key = live.masterKey;
  browser = await launchChromium();
  // Another site (localhost is not 127.0.0.1 to a browser) whose page posts to the approval API.
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><form id="f" method="POST" enctype="text/plain" action="${base}/api/windows/${WINDOW}/approvals/go-ahead?code=${encodeURIComponent(key)}"><input name='{"decision":"approve","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  evil = server;
});

afterAll(async () => {
  await browser?.close();
  if (evil) await new Promise((resolve) => evil!.close(resolve));
  await live?.stop();
});

describe('the status page against a running window', () => {
  it('shows a non-approver no buttons, and the API refuses their forged and cross-site POSTs', async () => {
    const { context, page } = await as('lena-morris');
    expect(await page.locator('#approvals [data-gate="go-ahead"]').count()).toBe(1);
    expect(await page.locator('form.decide').count()).toBe(0);
    // Same origin but no token: refused before the API looks at who it is.
    const post = (withToken: boolean) =>
      page.evaluate(
        `fetch('./approvals/go-ahead', { method: 'POST', headers: Object.assign({ 'content-type': 'application/json', 'x-functions-key': ${JSON.stringify(key)} }, ${withToken} ? { 'x-mw-csrf': document.querySelector('meta[name="mw-csrf"]').content } : {}), body: JSON.stringify({ decision: 'approve' }) }).then(async (r) => ({ status: r.status, body: await r.json() }))`,
      );
    expect(await post(false)).toMatchObject({ status: 403, body: { error: { code: 'CsrfTokenMissing' } } });
    // With the page's token, the API itself refuses someone who is not a listed approver.
    expect(await post(true)).toMatchObject({ status: 403, body: { error: { code: 'NotAnApprover' } } });
    // A page on another site posting a form (with the function key, cookies attached) is refused too.
    const forged = await context.newPage();
    await forged.goto(`http://localhost:${(evil!.address() as AddressInfo).port}/`);
    await forged.waitForURL(/approvals\/go-ahead/);
    expect(await forged.locator('body').innerText()).toContain('CrossSiteRequest');
    expect((await status()).details?.approvals.find((a) => a.gate === 'go-ahead')?.decisions).toEqual([]);
    // The person who started the window sees no buttons either.
    const starter = await as('rehearsal-runner');
    expect(await starter.page.locator('form.decide').count()).toBe(0);
    await starter.context.close();
    await context.close();
  });

  it('is accessible and fits a phone and a desktop while the window waits (screenshots kept)', async () => {
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const { context, page } = await as('marcus-lee', viewport);
      expect(await overflowsHorizontally(page)).toBe(false);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(hasIsoInstant(await page.locator('body').innerText())).toBe(false);
      await screenshot(page, `status-page-live-waiting-${viewport.width}x${viewport.height}`);
      await context.close();
    }
  });

  it('lets approvers approve from the page; the window moves on and the page follows without a reload', async () => {
    const { context, page } = await as('marcus-lee');
    expect(await legendOf(page, 'go-ahead')).toBe('waiting-for-approval');
    expect(await stateOf(page, 'page-up')).toBe('pending');
    // A marker that a reload would lose.
    await page.evaluate('window.__sameDocument = true');
    await page.getByLabel('Comment for the record (optional)').fill('pipelines look right');
    await page.getByRole('button', { name: 'Approve go-ahead' }).click();
    await page.locator('form[data-gate="go-ahead"] .result', { hasText: 'Approval recorded for marcus-lee.' }).waitFor();
    // Marcus is counted; his buttons go, the other role is still needed.
    await page.locator('form.decide').waitFor({ state: 'detached' });
    expect(await page.locator('#approvals').innerText()).toMatch(/marcus-lee approved at \w{3} \d\d:\d\d EDT \| (\w{3} )?\d\d:\d\d IST: “pipelines look right”/);

    const priya = await as('priya-raman');
    await priya.page.getByRole('button', { name: 'Approve go-ahead' }).click();
    await priya.page.locator('form[data-gate="go-ahead"] .result', { hasText: 'Approval recorded' }).waitFor();
    await priya.context.close();

    // The first page, never reloaded, shows the gate done and the window past it.
    await page.locator('[data-step="go-ahead"][data-state="done"]').waitFor({ timeout: 60_000 });
    expect(await legendOf(page, 'go-ahead')).toBe('done');
    await page.locator('[data-step="page-up"][data-state="doing"], [data-step="page-up"][data-state="done"]').first().waitFor({ timeout: 60_000 });
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    expect(Number(await page.locator('body').getAttribute('data-refreshed'))).toBeGreaterThan(0);
    const decisions = (await status()).details?.approvals.find((a) => a.gate === 'go-ahead')?.decisions;
    expect(decisions?.map((d) => ({ by: d.by, counted: d.counted, comment: d.comment }))).toEqual([
      { by: 'marcus-lee', counted: true, comment: 'pipelines look right' },
      { by: 'priya-raman', counted: true, comment: undefined },
    ]);
    await context.close();
  });

  it('shows servers in flight in the grid and draws plan against actual with a now line', async () => {
    // Poll the status (the batch is out only while it patches) and catch the page then.
    await until('servers in flight', async () => ((await status()).details?.serverGroups.some((g) => g.servers.some((s) => s.patch === 'patching')) ? true : undefined), 3000);
    const { context, page } = await as('on-call-engineer', { width: 390, height: 844 });
    const inFlight = await page.locator('li.server[data-patch="patching"]').count();
    expect(inFlight).toBeGreaterThan(0);
    expect(await page.locator('li.server[data-patch="patching"] .chip', { hasText: 'agw-web: out' }).count()).toBe(inFlight);
    expect(await page.locator('#in-flight').innerText()).toMatch(/servers? in flight/);
    await screenshot(page, 'status-page-live-in-flight-390x844');
    expect(await page.locator('[data-group="web"] li.server').count()).toBe(10);
    const view = await status();
    expect(await page.locator('svg.gantt rect[data-kind="plan"]').count()).toBe(view.steps.length);
    expect(await page.locator('svg.gantt rect[data-kind="actual"]').count()).toBeGreaterThanOrEqual(3);
    if (!['succeeded', 'failed', 'aborted'].includes(view.state)) expect(await page.locator('#gantt-now').count()).toBe(1);
    expect(await page.locator('svg.gantt rect.g-page').count()).toBe(1);
    expect(await overflowsHorizontally(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  });

  it('links the window report once the window ends; the report has every step and approval', async () => {
    const final = await until('the window to end', async () => {
      const v = await status();
      return ['succeeded', 'failed', 'aborted'].includes(v.state) && v.summary ? v : undefined;
    }, 1200);
    expect(final.state).toBe('succeeded');
    const { context, page } = await as('on-call-engineer');
    expect(await page.locator('#report-links a').count()).toBe(2);
    await screenshot(page, 'status-page-live-finished-1440x900');
    await page.locator('#report-links a', { hasText: 'Markdown' }).click();
    const md = await page.locator('body').innerText();
    for (const s of final.steps) expect(md).toContain(`\`${s.id}\``);
    expect(md).toMatch(/\| go-ahead \| done \| marcus-lee approved via http \| .* \| pipelines look right \|/);
    expect(md).toMatch(/\| go-ahead \| done \| priya-raman approved via http \|/);
    expect(hasIsoInstant(md)).toBe(false);
    await context.close();
  });
});
