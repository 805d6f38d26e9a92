import type { Browser } from 'playwright-core';
import { renderStatusPage } from '../../shared/api/page';
import { hasIsoInstant } from '../../shared/api/times';
import type { WindowStatusView } from '../../shared/api/windows';
import { midWindow as view } from '../fixtures/status/midWindow';
import { launchChromium, overflowsHorizontally, screenshot, seriousAxeViolations } from '../support/browser';

/**
 * The on-call page in a real browser (Debian's Chromium), from a status view mid-window: what
 * a person sees at a glance, the legend, plan against actual, the server grid with servers in
 * flight, every time in ET and IST, at desktop and phone width, and accessible (axe-core).
 * status-page-live.test.ts drives the same page against a running rehearsal.
 */

const marcus = { viewer: { id: 'marcus-lee', person: 'marcus-lee' }, csrfToken: 'a'.repeat(43) };

describe('status page in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows where the window stands at a glance, every time in the window zone and IST', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage(view, marcus));
    await expect(page.title()).resolves.toBe('2025-06-22 Monthly — running');
    expect(await page.locator('#eta').innerText()).toBe('Sun 12:09 EDT | 21:39 IST');
    expect(await page.locator('#slip').innerText()).toBe('40m behind plan');
    expect(await page.locator('#planned-end').innerText()).toBe('Sun 11:29 EDT | 20:59 IST');
    expect(await page.locator('[data-page="public"]').innerText()).toMatch(/Maintenance page public is UP/);
    expect(await page.locator('#servers-out').innerText()).toBe('Out of their pools: IC-Web3 (sanity checks failed: IIS health page: status 503)');
    expect(await page.locator('#approvals').innerText()).toMatch(/needs 1 of release-manager \(dana-whitfield, marcus-lee\)/);
    expect(await page.locator('#now li').count()).toBe(2);
    expect(await page.locator('[data-alert-set="other-alerts"]').innerText()).toMatch(/Alerts other-alerts are PAUSED/);
    expect(await page.locator('#still-changed').getAttribute('class')).toBe('banner warn');
    // A raw UTC instant in a step's detail reaches the person in both zones; midnight is 00:00.
    const detail = await page.locator('[data-step="web-batch-2"] .detail').innerText();
    expect(detail).toBe('waiting for pool capacity: not before Sun 00:00 EDT | 09:30 IST');
    const text = await page.locator('body').innerText();
    expect(hasIsoInstant(text)).toBe(false);
    expect(text).not.toMatch(/24:\d\d/);
    await page.close();
  });

  it('says ahead of plan the right way round', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage({ ...view, slipMinutes: -84, eta: view.plannedEndAt }, marcus));
    expect(await page.locator('#slip').innerText()).toBe('1h 24m ahead of plan');
    await page.close();
  });

  it('carries the legend: done, doing, not doing, deferred, failed, waiting for approval, blocked, as words and colours', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage(view, marcus));
    const words = await page.locator('#legend .badge').allInnerTexts();
    for (const w of ['done', 'doing', 'not doing', 'deferred', 'failed', 'waiting for approval', 'blocked']) expect(words.map((x) => x.replace(/^\S+\s/, ''))).toContain(w);
    expect(await page.locator('[data-step="sftp-lb"] .badge').innerText()).toMatch(/deferred$/);
    expect(await page.locator('[data-step="patch-terminal-services"] .badge').innerText()).toMatch(/not doing$/);
    expect(await page.locator('[data-step="pipeline-approval"] .badge').innerText()).toMatch(/waiting for approval$/);
    await page.close();
  });

  it('lays the window out as the page does: numbered sequences inside bulleted parallel changes', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage(view, marcus));
    expect(await page.locator('[data-phase="pre-work"] > ol > li[data-step]').count()).toBe(2);
    expect(await page.locator('[data-phase="changes"] > ul > li.block > ol > li[data-step]').evaluateAll((l) => l.map((x) => x.getAttribute('data-step')))).toEqual(['page-up', 'pipeline-approval', 'page-down']);
    expect(await page.locator('[data-phase="changes"] > ul > li[data-step]').count()).toBe(3);
    // The title's angle brackets are text, not markup.
    expect(await page.locator('[data-step="pipeline-approval"]').innerText()).toContain('Pipeline approvals <Release Manager>');
    expect(await page.locator('release').count()).toBe(0);
    await page.close();
  });

  it('shows every server of the group, the ones in flight included, with pools, patch and probe', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage(view, marcus));
    expect(await page.locator('[data-group="web"] li.server').count()).toBe(10);
    expect(await page.locator('li.server[data-patch="patching"]').evaluateAll((l) => l.map((x) => x.getAttribute('data-server')))).toEqual(['IC-Web6', 'IC-Web7', 'IC-Web8']);
    expect(await page.locator('[data-server="IC-Web6"] .chip').allInnerTexts()).toEqual(['agw-web: out', 'ilb-web: out', 'patch: patching', 'probe: not run']);
    expect(await page.locator('[data-server="IC-Web3"] .chip').allInnerTexts()).toEqual(['agw-web: out', 'ilb-web: out', 'patch: failed', 'probe: failed']);
    expect(await page.locator('#in-flight').innerText()).toMatch(/^3 servers in flight/);
    await page.close();
  });

  it('draws plan against actual with a now line, the ETA and the page-up band', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage(view, marcus));
    expect(await page.locator('svg.gantt rect[data-kind="plan"]').count()).toBe(view.steps.length);
    // Steps that started have an actual bar; not-doing and not-started ones do not.
    expect(await page.locator('svg.gantt rect[data-kind="actual"]').count()).toBe(5);
    expect(await page.locator('#gantt-now').count()).toBe(1);
    expect(await page.locator('#gantt-eta title').textContent()).toBe('ETA: Sun 12:09 EDT | 21:39 IST');
    expect(await page.locator('svg.gantt rect.g-page').count()).toBe(1);
    expect(await page.locator('svg.gantt rect.g-page-plan').count()).toBe(1);
    await page.close();
  });

  it('shows approval buttons only to a listed approver who did not start the window', async () => {
    const page = await browser.newPage();
    await page.setContent(renderStatusPage(view, marcus));
    expect(await page.getByRole('button', { name: 'Approve pipeline-approval' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Reject pipeline-approval' }).count()).toBe(1);
    expect(await page.getByLabel('Comment for the record (optional)').count()).toBe(1);
    for (const viewer of [{ id: 'lena-morris', person: 'lena-morris' }, { id: 'someone@example.com' }, undefined]) {
      await page.setContent(renderStatusPage(view, { ...(viewer ? { viewer } : {}), csrfToken: 'a'.repeat(43) }));
      expect(await page.locator('form.decide').count()).toBe(0);
    }
    await page.setContent(renderStatusPage({ ...view, startedBy: 'marcus-lee' }, marcus));
    expect(await page.locator('form.decide').count()).toBe(0);
    await page.close();
  });

  it('turns what is still changed into an alarm once the window has ended, and links the report', async () => {
    const page = await browser.newPage();
    const ended: WindowStatusView = { ...view, state: 'aborted', finishedAt: '2025-06-22T11:00:00.000Z', eta: '2025-06-22T11:00:00.000Z' };
    await page.setContent(renderStatusPage(ended, marcus));
    expect(await page.locator('#still-changed').getAttribute('class')).toBe('banner alert');
    expect(await page.locator('#still-changed').innerText()).toMatch(/^Still changed \(2\):/);
    expect(await page.locator('#report-links a').evaluateAll((l) => l.map((a) => a.getAttribute('href')))).toEqual(['./runs/20250621223000/report.html', './runs/20250621223000/report.md']);
    await page.setContent(renderStatusPage({ ...ended, state: 'succeeded', stillChanged: view.stillChanged.filter((c) => c.state === 'kept') }, marcus));
    expect(await page.locator('#still-changed').getAttribute('class')).toBe('banner warn');
    await page.close();
  });

  it.each([
    [1440, 900],
    [390, 844],
  ])('reads at %ix%i with no sideways scrolling and no serious accessibility violation', async (width, height) => {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(renderStatusPage(view, marcus));
    expect(await page.locator('meta[name="viewport"]').getAttribute('content')).toBe('width=device-width, initial-scale=1');
    expect(await overflowsHorizontally(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, `status-page-fixture-${width}x${height}`);
    await page.close();
  });
});
