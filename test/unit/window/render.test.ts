import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { registerPlanCommand } from '../../../cli/commands/plan';
import { planWindow, type Plan } from '../../../shared/window/plan';
import { escapeHtml, renderPlanHtml } from '../../../shared/window/render-html';
import { renderPlanJson, renderPlanText } from '../../../shared/window/render-text';
import { Window } from '../../../shared/window/schema';

const FIXTURES = join(__dirname, '../../fixtures/windows');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const raw = (name: string): Doc => parse(readFileSync(join(FIXTURES, name), 'utf8')) as Doc;

const plan: Plan = planWindow(Window.parse(raw('plan-hand.yaml')));

describe('text', () => {
  const text = renderPlanText(plan);
  const lines = text.split('\n');

  it('lists each phase and step with window-zone and display-zone times', () => {
    expect(lines).toContain('Phase prep   Sun 01:00–02:40 EDT | Sun 10:30–12:10 IST');
    expect(text).toMatch(/^ {4}page-up +maintenance-page +Sun 02:35–02:40 EDT \| Sun 12:05–12:10 IST +5m {2}\[held until Sun 02:35 EDT: the window ends as early and the page is up for less\]$/m);
    expect(text).toMatch(/^ {4}build +pipeline +Sun 01:00–01:45 EDT \| Sun 10:30–11:15 IST +45m$/m);
    expect(text).toMatch(/^ {6}\* web-2#1 +Sun 04:00–05:20 EDT \| Sun 13:30–14:50 IST +1h 20m +W3, W4 +out of agw$/m);
  });

  it('marks critical steps and not-doing steps', () => {
    expect(text).toMatch(/^ {2}\* web-2 /m);
    expect(text).toMatch(/^ {2}\* done /m);
    expect(text).toMatch(/^ {4}web-1 /m);
    expect(text).toMatch(/^ {2}- legacy +manual +not doing \(not this month\)$/m);
  });

  it('plans a conditional step as if it runs, and says on what it depends', () => {
    const doc = raw('plan-hand.yaml');
    const last = doc.phases.at(-1).steps.find((x: Doc) => x.id === 'done');
    last.when = { done: 'page-down' };
    const conditional = planWindow(Window.parse(doc));
    expect(conditional.steps.find((x) => x.id === 'done')).toMatchObject({ status: 'planned', condition: 'if page-down is done' });
    expect(renderPlanText(conditional)).toMatch(/^ {2}\* done +notify +.* {2}\[only if page-down is done\]$/m);
  });

  it('prints makespan and page-up minutes beside their lower bounds', () => {
    expect(text).toMatch(/^Makespan +4h 27m +\| lower bound 4h 27m +\(critical path 4h 27m; patch capacity 4h 27m \(pool agw\); the critical path binds\)$/m);
    expect(text).toMatch(/^Page up +2h 40m +\| lower bound 2h 40m +public Sun 02:40–05:20 EDT \| Sun 12:10–14:50 IST$/m);
    expect(text).toContain('Critical path web-2#1 [not before "Sunday 04:00"] → page-down → done');
  });

  it('prints the pool capacity table, the budget and the recommendations', () => {
    expect(text).toMatch(/^ {2}agw +4 +2 +2 +Sun 01:00 EDT 4 · Sun 02:40 EDT 2 · Sun 05:20 EDT 4$/m);
    expect(text).toMatch(/^Budget +max 4h → deadline Sun 05:00 EDT \| Sun 14:30 IST: OVERRUNS by 27m$/m);
    expect(text).toMatch(/^ {2}- start web-2 at Sun 03:12 EDT \| Sun 12:42 IST \("Sunday 03:12"\) instead of "Sunday 04:00": the window ends 48m earlier/m);
  });
});

describe('JSON', () => {
  it('is the plan, with ISO times, in a stable key order', () => {
    const json = renderPlanJson(plan);
    expect(JSON.parse(json)).toEqual({ ...plan, problems: [] });
    expect(renderPlanJson(planWindow(Window.parse(raw('plan-hand.yaml'))))).toBe(json);
    expect(Object.keys(JSON.parse(json) as object)).toEqual([
      'windowId', 'title', 'date', 'timeZone', 'displayZones', 'start', 'end', 'makespanMinutes', 'lowerBound', 'batching', 'search',
      'phases', 'steps', 'criticalPath', 'pageUp', 'pools', 'budget', 'recommendations', 'problems',
    ]);
    expect((JSON.parse(json) as Plan).steps[0]!.start).toEqual({ epochMs: Date.parse('2025-06-22T05:00:00Z'), iso: '2025-06-22T01:00:00-04:00', zones: { 'Asia/Kolkata': '2025-06-22T10:30:00+05:30' } });
  });
});

describe('HTML', () => {
  const html = renderPlanHtml(plan);

  it('is one self-contained page: no scripts, no external assets', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).toContain('<style>');
  });

  it('draws one bar per step, with the critical path highlighted', () => {
    const bars = [...html.matchAll(/<rect class="(bar[^"]*)" data-step="([^"]+)"/g)];
    expect(bars.map((m) => m[2])).toEqual(plan.steps.map((s) => s.id));
    const critical = bars.filter((m) => m[1]!.split(' ').includes('critical')).map((m) => m[2]);
    expect(critical).toEqual(['web-2', 'page-down', 'done']);
    expect(bars.find((m) => m[2] === 'legacy')![1]).toBe('bar not-doing');
    expect(html).toMatch(/<rect class="batch critical" data-batch="web-2#1"/);
  });

  it('shades the page-up interval across the chart', () => {
    const shade = /<rect class="page-up" data-page="public" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(html);
    expect(shade).not.toBeNull();
    const bar = (id: string) => {
      const m = new RegExp(`data-step="${id}" x="([\\d.]+)" y="[\\d.]+" width="([\\d.]+)"`).exec(html)!;
      return { x: Number(m[1]), width: Number(m[2]) };
    };
    // From the end of page-up to the start of page-down.
    const up = bar('page-up');
    expect(Number(shade![1])).toBeCloseTo(up.x + up.width, 0);
    expect(Number(shade![1]) + Number(shade![2])).toBeCloseTo(bar('page-down').x, 0);
    expect(html).toContain('public up 2h 40m (lower bound 2h 40m)');
  });

  it('labels the axis in the window zone with the display zone beneath, and draws each pool with its floor', () => {
    expect(html).toContain('>Sun 02:00 EDT<');
    expect(html).toContain('>Sun 11:30 IST<');
    expect(html).toMatch(/<svg class="pool" data-pool="agw"[\s\S]*?<line class="floor"[\s\S]*?<path class="capacity"/);
    expect(html).toContain('Makespan</th><td>4h 27m — lower bound 4h 27m');
  });

  it('keeps axis labels apart on a long window: the tick step grows with the window', () => {
    const doc = raw('plan-hand.yaml');
    doc.phases.push({ id: 'monday', start: 'Monday 20:00', steps: [{ id: 'late', kind: 'notify', channels: ['#x'], message: 'm' }] });
    delete doc.budget;
    for (const page of [html, renderPlanHtml(planWindow(Window.parse(doc), { recommend: false }))]) {
      const xs = [...page.matchAll(/<text x="([\d.]+)" y="14" text-anchor="middle">/g)].map((m) => Number(m[1]));
      expect(xs.length).toBeGreaterThanOrEqual(3);
      expect(xs.length).toBeLessThanOrEqual(10);
      // "Sun 02:00 EDT" is about 85px at 12px: ticks at least 96px apart never overlap.
      xs.slice(1).forEach((x, i) => expect(x - xs[i]!).toBeGreaterThanOrEqual(96));
    }
  });

  it('names each zone by every abbreviation it takes during the window (EDT → EST across the fall-back)', () => {
    const page = renderPlanHtml(planWindow(Window.parse(raw('plan-dst-fall.yaml')), { recommend: false }));
    expect(page).toContain('>America/New_York (EDT → EST)<');
    expect(page).toContain('>Asia/Kolkata (IST)<');
    expect(page).toContain('>Sun 01:00 EST<');
  });

  it('draws parallel batches of one step in lanes of their own', () => {
    const parallel = structuredClone(plan);
    const web = parallel.steps.find((x) => x.id === 'web-1')!;
    const first = web.batches![0]!;
    web.batches = [first, { ...first, id: 'web-1#2', members: ['W9'] }];
    const page = renderPlanHtml(parallel);
    const lane = (id: string) => /data-lane="(\d+)" x="[\d.]+" y="([\d.]+)"/.exec(page.slice(page.indexOf(`data-batch="${id}"`)))!;
    expect(lane('web-1#1')[1]).toBe('0');
    expect(lane('web-1#2')[1]).toBe('1');
    expect(Number(lane('web-1#2')[2])).toBeGreaterThan(Number(lane('web-1#1')[2]));
    // A step's batches one after another share a lane.
    expect(html).not.toContain('data-lane="1"');
  });

  it('says "no maintenance page" and leaves out a capacity of 0m when nothing is patched', () => {
    const doc = raw('plan-hand.yaml');
    doc.phases = doc.phases.map((p: Doc) => ({ ...p, steps: p.steps.filter((x: Doc) => x.kind !== 'patch' && x.kind !== 'maintenance-page').map((x: Doc) => ({ ...x, after: undefined })) }));
    delete doc.budget;
    const page = renderPlanHtml(planWindow(Window.parse(doc), { recommend: false }));
    expect(page).not.toMatch(/patch capacity 0m|\b0m — lower bound 0m/);
    expect(page).toContain('<th>Maintenance page up</th><td>no maintenance page</td>');
  });

  it('puts each chart in a container that scrolls sideways on a phone instead of shrinking it', () => {
    expect(html).toMatch(/<div class="scroll"><svg class="gantt"/);
    expect(html).toMatch(/@media \(max-width:720px\)\{[^}]*\}\.scroll svg\{max-width:none;width:1300px\}/);
  });

  it('escapes every text it prints', () => {
    const doc = raw('plan-hand.yaml');
    doc.title = '<script>alert("x")</script> & co';
    doc.phases[0].steps[0].title = "Build 'it' <b>now</b>";
    const page = renderPlanHtml(planWindow(Window.parse(doc), { recommend: false }));
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<b>now</b>');
    expect(page).toContain(escapeHtml('<script>alert("x")</script> & co'));
    expect(page).toContain('Build &#39;it&#39; &lt;b&gt;now&lt;/b&gt;');
  });
});

describe('mw plan', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const spies: jest.SpyInstance[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mw-plan-'));
    out = [];
    err = [];
    spies.push(
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      }),
      jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(`${args.join(' ')}\n`)),
      jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(`${args.join(' ')}\n`)),
    );
    process.exitCode = undefined;
  });

  afterEach(() => {
    spies.splice(0).forEach((s) => s.mockRestore());
    rmSync(dir, { recursive: true, force: true });
    process.exitCode = undefined;
  });

  const run = async (...args: string[]) => {
    const program = new Command('mw').exitOverride();
    registerPlanCommand(program);
    await program.parseAsync(['plan', ...args], { from: 'user' });
  };

  it('prints the schedule, and writes the HTML page when asked', async () => {
    const html = join(dir, 'plan.html');
    await run(join(FIXTURES, 'plan-shared-pools.yaml'), '--html', html, '--zone', 'Europe/London');
    expect(process.exitCode).toBeUndefined();
    expect(out.join('')).toMatch(/^Makespan .*\| lower bound/m);
    expect(out.join('')).toContain('BST');
    expect(readFileSync(html, 'utf8')).toContain('<svg class="gantt"');
    expect(err.join('')).toContain(`wrote ${html}`);
  });

  it('prints JSON with --json', async () => {
    await run(join(FIXTURES, 'plan-shared-pools.yaml'), '--json');
    const parsed = JSON.parse(out.join('')) as Plan;
    expect(parsed.windowId).toBe('plan-shared-pools');
  });

  it('prints problems as file:line:column  field.path  reason and exits 1', async () => {
    const file = join(dir, 'broken.yaml');
    const doc = raw('plan-shared-pools.yaml');
    doc.phases[0].steps[0].grup = 'web';
    writeFileSync(file, JSON.stringify(doc));
    await run(file);
    expect(process.exitCode).toBe(1);
    expect(out.join('')).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+  phases\\[0\\]\\.steps\\[0\\]\\.grup  unknown field "grup"`, 'm'));
    expect(out.join('')).not.toContain('Makespan');
  });

  it('prints only JSON with --json when the budget overruns, the problem inside it', async () => {
    await run(join(FIXTURES, 'plan-hand.yaml'), '--json');
    expect(process.exitCode).toBe(1);
    const parsed = JSON.parse(out.join('')) as Plan & { problems: { path: string; reason: string }[] };
    expect(parsed.windowId).toBe('plan-hand');
    expect(parsed.problems).toEqual([expect.objectContaining({ path: 'budget.maxDuration', reason: expect.stringMatching(/^the plan takes 4h 27m/) as unknown })]);
  });

  it('prints only JSON with --json for a window it cannot plan, its problems inside', async () => {
    const file = join(dir, 'broken.yaml');
    const doc = raw('plan-shared-pools.yaml');
    doc.timeZone = 'EST';
    writeFileSync(file, JSON.stringify(doc));
    await run(file, '--json');
    expect(process.exitCode).toBe(1);
    expect(JSON.parse(out.join(''))).toEqual({ problems: [expect.objectContaining({ file, path: 'timeZone', reason: expect.stringContaining('America/New_York') as unknown })] });
  });

  it('still shows the plan of a window that only overruns its budget, and exits 1', async () => {
    await run(join(FIXTURES, 'plan-hand.yaml'));
    expect(process.exitCode).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/plan-hand\.yaml:\d+:\d+ {2}budget\.maxDuration {2}the plan takes 4h 27m/);
    expect(text).toContain('OVERRUNS by 27m');
  });
});
