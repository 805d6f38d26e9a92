import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse } from 'yaml';
import { loadWindowFile } from '../../shared/window/load';
import { planWindow } from '../../shared/window/plan';
import { renderPlanHtml } from '../../shared/window/render-html';
import { Window } from '../../shared/window/schema';

/**
 * The plan page (`mw plan --html`) in Chromium, at desktop width (1440×900) and phone width
 * (390×844): axis labels never overlap, whatever the window's length; on a phone the page
 * does not scroll sideways, the charts do, at a size that can be read.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = join(__dirname, '../..');

function pages(): { name: string; html: string }[] {
  const example = loadWindowFile(join(ROOT, 'windows/2025-06-22-monthly.yaml')).window!;
  // Friday evening to Monday night: about three days on one axis.
  const long = parse(readFileSync(join(ROOT, 'test/fixtures/windows/plan-hand.yaml'), 'utf8')) as { phases: unknown[]; budget?: unknown };
  long.phases.unshift({ id: 'friday', start: 'Friday 18:00', steps: [{ id: 'early', kind: 'notify', channels: ['#x'], message: 'm' }] });
  long.phases.push({ id: 'monday', start: 'Monday 22:00', steps: [{ id: 'late', kind: 'notify', channels: ['#x'], message: 'm' }] });
  delete long.budget;
  const fall = Window.parse(parse(readFileSync(join(ROOT, 'test/fixtures/windows/plan-dst-fall.yaml'), 'utf8')));
  return [
    { name: '2025-06-22', html: renderPlanHtml(planWindow(example, { recommend: false })) },
    { name: 'three days', html: renderPlanHtml(planWindow(Window.parse(long), { recommend: false })) },
    { name: 'DST fall-back', html: renderPlanHtml(planWindow(fall, { recommend: false })) },
  ];
}

/** Bounding boxes of the axis labels of every chart, per chart. */
async function axisLabels(page: Page): Promise<{ left: number; right: number }[][]> {
  return page.$$eval('svg', (svgs) =>
    svgs.map((svg) =>
      [...svg.querySelectorAll('text[text-anchor="middle"]')]
        .map((t) => t.getBoundingClientRect())
        // One row of labels: the first line of the axis.
        .filter((r, _, all) => Math.abs(r.top - all[0]!.top) < 1)
        .map((r) => ({ left: r.left, right: r.right })),
    ),
  );
}

describe('the plan page in Chromium', () => {
  let browser: Browser;
  const rendered = pages();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian packages chromium and chromium-driver (.ci/run does)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each(rendered.map((r) => [r.name, r.html]))('%s: no two axis labels overlap at desktop width', async (_name, html) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.setContent(html);
    for (const labels of await axisLabels(page)) {
      expect(labels.length).toBeGreaterThanOrEqual(2);
      labels.slice(1).forEach((label, i) => expect(label.left).toBeGreaterThan(labels[i]!.right));
    }
    await page.close();
  });

  it.each(rendered.map((r) => [r.name, r.html]))('%s: at phone width the page does not scroll sideways, the charts do, with readable text', async (_name, html) => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true });
    await page.setContent(html);
    // Evaluated in the page (a string: this project's TypeScript has no DOM types).
    const widths = (await page.evaluate('({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })')) as { page: number; viewport: number };
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    const chart = await page.$eval('.scroll', (div) => ({ scroll: div.scrollWidth, client: div.clientWidth }));
    expect(chart.scroll).toBeGreaterThan(chart.client);
    // Chart text is drawn at its own size, not shrunk to fit: 12px in the SVG is about 12px on screen.
    const textHeight = await page.$eval('svg.gantt text.phase-label', (t) => t.getBoundingClientRect().height);
    expect(textHeight).toBeGreaterThanOrEqual(11);
    for (const labels of await axisLabels(page)) labels.slice(1).forEach((label, i) => expect(label.left).toBeGreaterThan(labels[i]!.right));
    await page.close();
  });
});
