import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import { poolMembership } from '../../../shared/window/estate';
import { ancestors, buildGraph } from '../../../shared/window/graph';
import { loadWindowFile } from '../../../shared/window/load';
import { PATCH_BATCH_OVERHEAD_MINUTES, PLANNER_DEFAULTS, budgetProblems, planWindow, type Plan } from '../../../shared/window/plan';
import { renderPlanText } from '../../../shared/window/render-text';
import { Window, type WindowDef } from '../../../shared/window/schema';
import { parseWallTime, resolveWallTime } from '../../../shared/window/walltime';

const FIXTURES = join(__dirname, '../../fixtures/windows');
const EXAMPLE = join(__dirname, '../../../windows/2025-06-22-monthly.yaml');
const NY = 'America/New_York';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

const raw = (name: string): Doc => parse(readFileSync(join(FIXTURES, name), 'utf8')) as Doc;
const fixture = (name: string): WindowDef => Window.parse(raw(name));
const hhmm = (ms: number, zone = NY) => DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');
const at = (date: string, time: string) => DateTime.fromISO(`${date}T${time}`, { zone: NY }).toMillis();
const step = (plan: Plan, id: string) => {
  const found = plan.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
};

/**
 * Floors checked from the batches' member lists alone (not the planner's own pool
 * bookkeeping) at every instant where anything changes.
 */
function expectFloorsKept(window: WindowDef, plan: Plan): void {
  const membership = poolMembership(window);
  const batches = plan.steps.flatMap((s) => s.batches ?? []);
  const instants = [...new Set(batches.flatMap((b) => [b.start.epochMs, b.end.epochMs]))];
  for (const [poolId, pool] of Object.entries(window.pools)) {
    const inPool = new Set((membership.get(poolId) ?? []).map((m) => m.toLowerCase()));
    for (const t of instants) {
      const out = new Set(batches.filter((b) => b.start.epochMs <= t && t < b.end.epochMs).flatMap((b) => b.members.map((m) => m.toLowerCase())).filter((m) => inPool.has(m)));
      const left = inPool.size - out.size;
      if (left < pool.minHealthy) throw new Error(`pool ${poolId} has ${left} < floor ${pool.minHealthy} at ${new Date(t).toISOString()}`);
    }
    const reported = plan.pools.find((p) => p.pool === poolId)!;
    expect(reported.min).toBeGreaterThanOrEqual(pool.minHealthy);
    expect(reported.timeline.every((p) => p.inPool >= pool.minHealthy)).toBe(true);
  }
}

/** Every step starts after everything it waits for has finished, and a finish-after step ends after its targets. */
function expectDependenciesKept(window: WindowDef, plan: Plan): void {
  const graph = buildGraph(window);
  const times = new Map(plan.steps.map((s) => [s.id, s]));
  for (const node of graph.steps) {
    const me = times.get(node.id)!;
    const before = new Set(node.deps.flatMap((d) => [d, ...ancestors(graph, d)]));
    for (const id of before) {
      const other = times.get(id);
      if (other && other.end.epochMs > me.start.epochMs) throw new Error(`${node.id} starts before ${id} ends`);
    }
    for (const id of node.finishAfter) {
      const other = times.get(id);
      if (other && me.status === 'planned') expect(me.end.epochMs).toBeGreaterThanOrEqual(other.end.epochMs + PLANNER_DEFAULTS.rolloutBatch * 60_000);
    }
  }
}

/** No planned step starts before its own not-before time or any enclosing phase/block start. */
function expectGatesKept(window: WindowDef, plan: Plan): void {
  const graph = buildGraph(window);
  const resolve = (text: string) => {
    const parsed = parseWallTime(text);
    if (typeof parsed === 'string') throw new Error(parsed);
    const r = resolveWallTime(parsed, window.date, window.timeZone);
    if (!r.ok) throw new Error(r.reason);
    return r.epochMs;
  };
  for (const node of graph.steps) {
    const me = plan.steps.find((s) => s.id === node.id)!;
    if (me.status === 'not-doing') continue;
    // Its own gate and those of the phase and block starts it waits for (a step's own gate only binds that step).
    const waitsFor = node.deps.flatMap((d) => [d, ...ancestors(graph, d)]).map((id) => graph.nodes.get(id)!);
    const gates = [node, ...waitsFor.filter((n) => n.type !== 'step')].flatMap((n) => (n.notBefore ? [n.notBefore.text] : []));
    for (const gate of gates) expect(me.start.epochMs).toBeGreaterThanOrEqual(resolve(gate));
  }
}

describe('the hand-computed window (plan-hand.yaml)', () => {
  const window = fixture('plan-hand.yaml');
  const plan = planWindow(window);
  const date = '2025-06-22';

  it('schedules every step at the hand-computed times', () => {
    const expected: [string, string, string][] = [
      ['build', '01:00', '01:45'],
      ['announce', '01:45', '01:47'],
      ['legacy', '01:47', '01:47'],
      ['page-up', '02:35', '02:40'],
      ['web-1', '02:40', '04:00'],
      ['web-2', '04:00', '05:20'],
      ['smoke', '04:00', '04:20'],
      ['page-down', '05:20', '05:25'],
      ['done', '05:25', '05:27'],
    ];
    expect(plan.steps.map((s) => [s.id, hhmm(s.start.epochMs), hhmm(s.end.epochMs)])).toEqual(expected);
    expect(plan.start.epochMs).toBe(at(date, '01:00'));
    expect(plan.makespanMinutes).toBe(267);
  });

  it('gives ISO times in the window zone and each display zone', () => {
    const build = step(plan, 'build');
    expect(build.start.iso).toBe('2025-06-22T01:00:00-04:00');
    expect(build.start.zones).toEqual({ 'Asia/Kolkata': '2025-06-22T10:30:00+05:30' });
    const extra = planWindow(window, { zones: ['Europe/London'], recommend: false });
    expect(step(extra, 'build').start.zones['Europe/London']).toBe('2025-06-22T06:00:00+01:00');
  });

  it('keeps a skipped step in the plan as not doing, taking no time', () => {
    const legacy = step(plan, 'legacy');
    expect(legacy).toMatchObject({ status: 'not-doing', notDoingReason: 'not this month', minutes: 0, estimateFrom: 'not-doing', critical: false });
    expect(step(plan, 'page-up').start.epochMs).toBeGreaterThan(step(plan, 'announce').end.epochMs);
  });

  it('holds the page up as late as the end allows, and says so', () => {
    expect(step(plan, 'page-up').holdUntil?.epochMs).toBe(at(date, '02:35'));
    expect(step(plan, 'announce').holdUntil).toBeUndefined();
    // Without the hold the page would go up at 01:52 for the same end.
    const lifted = planWindow(window, { ignoreNotBefore: ['web-2'], recommend: false });
    expect(step(lifted, 'page-up').holdUntil).toBeUndefined();
  });

  it('takes estimates from the window before the step, then window kinds, then the defaults', () => {
    expect(step(plan, 'build')).toMatchObject({ estimateMinutes: 45, estimateFrom: 'window-step' });
    expect(step(plan, 'announce')).toMatchObject({ estimateMinutes: 2, estimateFrom: 'window-kind' });
    expect(step(plan, 'page-up')).toMatchObject({ estimateMinutes: PLANNER_DEFAULTS.kinds['maintenance-page'], estimateFrom: 'default' });
    expect(step(plan, 'smoke')).toMatchObject({ estimateMinutes: PLANNER_DEFAULTS.testSuites.smoke, estimateFrom: 'default' });

    const doc = raw('plan-hand.yaml');
    delete doc.estimates.steps.build;
    const own = planWindow(Window.parse(doc), { recommend: false });
    expect(step(own, 'build')).toMatchObject({ estimateMinutes: 30, estimateFrom: 'step' });
  });

  it('takes patch time per member, then the window, the step, the group, window kinds, the default', () => {
    const minutesOf = (mutate: (d: Doc) => void) => {
      const doc = raw('plan-hand.yaml');
      mutate(doc);
      const p = planWindow(Window.parse(doc), { recommend: false });
      return step(p, 'web-1').batches![0]!.minutes - PATCH_BATCH_OVERHEAD_MINUTES;
    };
    expect(minutesOf(() => undefined)).toBe(60);
    expect(minutesOf((d) => delete d.serverGroups.web.patch.estimate)).toBe(PLANNER_DEFAULTS.kinds.patch);
    expect(minutesOf((d) => { delete d.serverGroups.web.patch.estimate; d.estimates.kinds.patch = '70m'; })).toBe(70);
    expect(minutesOf((d) => (d.phases[1].steps[0].estimate = '50m'))).toBe(50);
    expect(minutesOf((d) => { d.phases[1].steps[0].estimate = '50m'; d.estimates.steps['web-1'] = '40m'; })).toBe(40);
    expect(
      minutesOf((d) => {
        d.estimates.steps['web-1'] = '40m';
        d.serverGroups.web.members = [{ name: 'W1', patchEstimate: '100m' }, 'W2', 'W3', 'W4'];
      }),
    ).toBe(100);
    // Update Manager stops at the group's maximum duration: an estimate above it is refused, not capped.
    expect(() => minutesOf((d) => (d.serverGroups.web.patch = { estimate: '5h', maxDuration: '235m' }))).toThrow(/above serverGroups\.web\.patch\.maxDuration/);
  });

  it('follows the binding constraints back from the end for the critical path', () => {
    expect(plan.criticalPath.map((l) => [l.id, l.boundBy.kind])).toEqual([
      ['web-2#1', 'not-before'],
      ['page-down', 'dependency'],
      ['done', 'dependency'],
    ]);
    expect(plan.criticalPath[0]!.boundBy).toMatchObject({ kind: 'not-before', node: 'web-2', text: 'Sunday 04:00' });
    expect(plan.steps.filter((s) => s.critical).map((s) => s.id)).toEqual(['web-2', 'page-down', 'done']);
    expect(step(plan, 'web-2').batches![0]!.critical).toBe(true);
  });

  it('follows a pool wait on the critical path when the gate is lifted', () => {
    const lifted = planWindow(window, { ignoreNotBefore: ['web-2'], recommend: false });
    expect(lifted.criticalPath.map((l) => [l.id, l.boundBy.kind, 'on' in l.boundBy ? l.boundBy.on : ''])).toEqual([
      ['build', 'not-before', ''],
      ['announce', 'dependency', 'build'],
      ['page-up', 'dependency', 'announce'],
      ['web-1#1', 'dependency', 'page-up'],
      ['web-2#1', 'pool-wait', 'web-1#1'],
      ['page-down', 'dependency', 'web-2#1'],
      ['done', 'dependency', 'page-down'],
    ]);
    expect(lifted.criticalPath[4]!.boundBy).toMatchObject({ resource: 'agw' });
    expect(hhmm(step(lifted, 'web-2').start.epochMs)).toBe('03:12');
    expect(lifted.makespanMinutes).toBe(219);
  });

  it('bounds the makespan below: equal to it when no pool binds', () => {
    expect(plan.lowerBound).toMatchObject({ minutes: 267, criticalPathMinutes: 267, binds: 'critical-path' });
    expect(plan.lowerBound.criticalPathSteps).toEqual(['web-2', 'page-down', 'done']);
    // agw: W3+W4 released 04:00, 80 minutes each through 2 slots, then page-down and done (7m) → 05:27.
    expect(plan.lowerBound.capacity).toEqual([
      expect.objectContaining({ resource: 'agw', kind: 'pool', capacity: 2, workMinutes: 320, members: ['W3', 'W4'], packMinutes: 80, packExact: true, tailMinutes: 7, tail: ['page-down', 'done'], minutes: 267 }),
    ]);
    expect(plan.search.provenOptimal).toBe(true);
  });

  it('bounds the makespan below with the pool when capacity binds', () => {
    const lifted = planWindow(window, { ignoreNotBefore: ['web-2'], recommend: false });
    // Unlimited capacity: both web steps 01:52-03:12, smoke to 03:32, wrap to 03:39.
    expect(lifted.lowerBound.criticalPathMinutes).toBe(159);
    // 4 × 80 member-minutes through 2 slots from 01:52 (160m), then the 7m wrap: 04:39, 219 minutes after 01:00.
    expect(lifted.lowerBound).toMatchObject({ minutes: 219, capacityMinutes: 219, binds: 'capacity', bindingResource: 'agw' });
    expect(lifted.makespanMinutes).toBe(219);
  });

  it('counts the minutes the maintenance page is up and their lower bound', () => {
    expect(plan.pageUp.intervals).toEqual([
      expect.objectContaining({ page: 'public', upStep: 'page-up', downStep: 'page-down', minutes: 160, lowerBoundMinutes: 160, lowerBoundPath: ['pool agw: W1, W2, W3, W4'] }),
    ]);
    expect(hhmm(plan.pageUp.intervals[0]!.from.epochMs)).toBe('02:40');
    expect(hhmm(plan.pageUp.intervals[0]!.to.epochMs)).toBe('05:20');
    const lifted = planWindow(window, { ignoreNotBefore: ['web-2'], recommend: false });
    expect(lifted.pageUp).toMatchObject({ minutes: 160, lowerBoundMinutes: 160 });
  });

  it('reports the budget overrun in minutes', () => {
    expect(plan.budget).toMatchObject({ maxDurationMinutes: 240, binding: 'maxDuration', fits: false, overrunMinutes: 27, spareMinutes: 0 });
    expect(hhmm(plan.budget!.deadline.epochMs)).toBe('05:00');
    const doc = raw('plan-hand.yaml');
    doc.budget = { maxDuration: '5h', endsBy: 'Sunday 05:10' };
    const endsBy = planWindow(Window.parse(doc), { recommend: false });
    expect(endsBy.budget).toMatchObject({ binding: 'endsBy', fits: false, overrunMinutes: 17 });
    doc.budget = { endsBy: 'Sunday 06:00' };
    expect(planWindow(Window.parse(doc), { recommend: false }).budget).toMatchObject({ fits: true, overrunMinutes: 0, spareMinutes: 33 });
  });

  it('gives the validator a budget problem naming the field and the overrun', () => {
    const problems = budgetProblems(window);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('budget.maxDuration');
    expect(problems[0]!.reason).toContain('27m past the budget');
    const doc = raw('plan-hand.yaml');
    doc.budget.maxDuration = '5h';
    expect(budgetProblems(Window.parse(doc))).toEqual([]);
  });

  it('recommends starting the gated second batch as soon as the pool allows', () => {
    expect(plan.recommendations).toHaveLength(1);
    const rec = plan.recommendations[0]!;
    expect(rec).toMatchObject({ target: 'web-2', targetType: 'step', minutesSaved: 48, makespanMinutes: 219, suggestedText: 'Sunday 03:12' });
    expect(hhmm(rec.suggested.epochMs)).toBe('03:12');
    expect(hhmm(rec.earliest.epochMs)).toBe('03:12');
    expect(rec.gate.text).toBe('Sunday 04:00');

    // Taking the advice gives the promised plan, floors intact.
    const doc = raw('plan-hand.yaml');
    doc.phases[1].steps[1].at = rec.suggestedText;
    const taken = planWindow(Window.parse(doc));
    expect(taken.makespanMinutes).toBe(219);
    expect(taken.recommendations).toEqual([]);
    expectFloorsKept(Window.parse(doc), taken);
  });

  it('keeps dependencies, gates and floors', () => {
    expectDependenciesKept(window, plan);
    expectGatesKept(window, plan);
    expectFloorsKept(window, plan);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(planWindow(window))).toBe(JSON.stringify(plan));
  });
});

describe('patch batches under shared pools (plan-shared-pools.yaml)', () => {
  const window = fixture('plan-shared-pools.yaml');
  const plan = planWindow(window);
  const batchesOf = (id: string) => step(plan, id).batches!;

  it('never leaves a pool below its floor at any instant', () => {
    expectFloorsKept(window, plan);
  });

  it('shares a pool between patch steps running at the same time', () => {
    const web = batchesOf('patch-web');
    const api = batchesOf('patch-api');
    const overlapping = api.filter((a) => web.some((w) => w.start.epochMs < a.end.epochMs && a.start.epochMs < w.end.epochMs));
    expect(overlapping.length).toBeGreaterThan(0);
    // agw: 10 members, floor 6 → never more than 4 of web and api out together.
    const agw = plan.pools.find((p) => p.pool === 'agw')!;
    expect(agw).toMatchObject({ size: 10, floor: 6 });
    expect(agw.min).toBe(6);
  });

  it('reports pool capacity as a step function that matches the batches', () => {
    const batches = plan.steps.flatMap((s) => s.batches ?? []);
    for (const pool of plan.pools) {
      for (const point of pool.timeline) {
        const out = batches.filter((b) => b.pools.includes(pool.pool) && b.start.epochMs <= point.at.epochMs && point.at.epochMs < b.end.epochMs);
        expect(point.inPool).toBe(pool.size - out.reduce((n, b) => n + b.members.length, 0));
      }
    }
  });

  it('patches every member exactly once within the batch size', () => {
    for (const [id, size, members] of [
      ['patch-web', 3, 6],
      ['patch-api', 2, 4],
      ['patch-sftp', 3, 3],
    ] as const) {
      const batches = batchesOf(id);
      const all = batches.flatMap((b) => b.members);
      expect(new Set(all).size).toBe(members);
      expect(all).toHaveLength(members);
      expect(Math.max(...batches.map((b) => b.members.length))).toBeLessThanOrEqual(size);
    }
  });

  it('patches one-after-another members in separate batches, in order', () => {
    const batches = batchesOf('patch-sftp');
    const first = batches.find((b) => b.members.includes('SFTP1'))!;
    const second = batches.find((b) => b.members.includes('SFTP2'))!;
    expect(first.id).not.toBe(second.id);
    expect(second.start.epochMs).toBeGreaterThanOrEqual(first.end.epochMs);
  });

  it('never plans less than the lower bound, and names the binding pool', () => {
    expect(plan.lowerBound.minutes).toBeLessThanOrEqual(plan.makespanMinutes);
    expect(plan.lowerBound).toMatchObject({ binds: 'capacity', bindingResource: 'agw' });
    // agw: web 3×110 + 3×50 and api 4×65 member-minutes on 4 slots. Each slot holding a 110 can
    // take one more job below 3h10m, leaving four jobs (≥ 3×50 + 65) for the fourth: the best
    // packing is 3h30m (110+50+50), then smoke (20m).
    expect(plan.lowerBound.capacity.find((c) => c.resource === 'agw')).toMatchObject({ workMinutes: 740, capacity: 4, packMinutes: 210, packExact: true, tailMinutes: 20, tail: ['smoke'], minutes: 230 });
    expect(plan.makespanMinutes).toBe(230);
  });

  it('keeps dependencies and gates', () => {
    expectDependenciesKept(window, plan);
    expectGatesKept(window, plan);
  });
});

describe('batch composition', () => {
  const base = (members: unknown[], extra: Doc = {}): Doc => ({
    apiVersion: 'mw/v1',
    id: 'compose',
    title: 'Compose',
    timeZone: NY,
    date: '2025-06-22',
    pools: { p: { kind: 'load-balancer', loadBalancer: 'lb', backendPool: 'b', minHealthy: 2 } },
    serverGroups: { g: { members, pools: ['p'], ...extra } },
    phases: [{ id: 'x', start: 'Sunday 01:00', steps: [{ id: 'patch', kind: 'patch', group: 'g' }] }],
  });

  it('puts the longest members together so short ones do not wait for them', () => {
    const members = [
      { name: 'M1', patchEstimate: '10m' },
      { name: 'M2', patchEstimate: '60m' },
      { name: 'M3', patchEstimate: '10m' },
      { name: 'M4', patchEstimate: '60m' },
    ];
    const plan = planWindow(Window.parse(base(members)));
    // Pool of 4 with floor 2: batches of 2. File order would take (60+20) + (60+20) = 160m.
    expect(step(plan, 'patch').batches!.map((b) => b.members)).toEqual([
      ['M2', 'M4'],
      ['M1', 'M3'],
    ]);
    expect(plan.makespanMinutes).toBe(80 + 30);
    expect(plan.batching).toBe('longest-first');
  });

  it('respects a group maxConcurrency below what the pool allows', () => {
    const doc = base(['A', 'B', 'C', 'D', 'E', 'F'], { maxConcurrency: 1 });
    doc.pools.p.minHealthy = 0;
    const plan = planWindow(Window.parse(doc), { recommend: false });
    const batches = step(plan, 'patch').batches!;
    expect(batches).toHaveLength(6);
    const sorted = [...batches].sort((a, b) => a.start.epochMs - b.start.epochMs);
    sorted.slice(1).forEach((b, i) => expect(b.start.epochMs).toBeGreaterThanOrEqual(sorted[i]!.end.epochMs));
  });

  it("takes a step's batch size over the group's", () => {
    const doc = base(['A', 'B', 'C', 'D', 'E', 'F'], { batchSize: 4 });
    doc.pools.p.minHealthy = 0;
    doc.phases[0].steps[0].batchSize = 2;
    const plan = planWindow(Window.parse(doc), { recommend: false });
    expect(step(plan, 'patch').batches!.map((b) => b.members.length)).toEqual([2, 2, 2]);
  });

  it('patches everything at once when nothing limits it: the lower bound is the makespan', () => {
    const doc = base(['A', 'B', 'C']);
    delete doc.pools;
    doc.serverGroups.g.pools = [];
    const plan = planWindow(Window.parse(doc));
    expect(step(plan, 'patch').batches).toHaveLength(1);
    expect(plan.makespanMinutes).toBe(PLANNER_DEFAULTS.kinds.patch + PATCH_BATCH_OVERHEAD_MINUTES);
    expect(plan.lowerBound).toMatchObject({ minutes: plan.makespanMinutes, capacityMinutes: 0, binds: 'critical-path' });
  });

  it('refuses a member that cannot leave its pool without breaking the floor', () => {
    const doc = base(['A', 'B']);
    expect(() => planWindow(Window.parse(doc))).toThrow(/cannot be drained from pool "p"/);
  });
});

describe('other step kinds', () => {
  const doc = (): Doc => ({
    apiVersion: 'mw/v1',
    id: 'kinds',
    title: 'Kinds',
    timeZone: NY,
    date: '2025-06-22',
    teams: { apps: { title: 'Apps' } },
    pools: { p: { kind: 'load-balancer', loadBalancer: 'lb', backendPool: 'b', minHealthy: 0 } },
    serverGroups: { web: { members: ['W1', 'W2'], pools: ['p'], patch: { estimate: '100m' } } },
    phases: [
      {
        id: 'x',
        start: 'Sunday 01:00',
        mode: 'parallel',
        steps: [
          { id: 'patch', kind: 'patch', group: 'web' },
          {
            id: 'rotate',
            kind: 'rotate-secret',
            secret: { type: 'mailgun', vault: 'kv', name: 'mailgun', domain: 'mg.example.com' },
            rollout: { validateOn: 'W1', batches: [{ members: ['W1'] }, { members: ['W2'], after: ['patch'] }] },
          },
          {
            id: 'canary',
            kind: 'canary',
            server: { name: 'New1' },
            pools: ['p'],
            checkpoints: { every: '1h', teams: ['apps'], channel: '#canary' },
            decisionAt: 'Sunday 06:30',
            defaultOutcome: 'go',
          },
        ],
      },
    ],
  });

  it('finishes a secret rotation only after the steps its rollout waits for, plus a rollout batch', () => {
    const plan = planWindow(Window.parse(doc()), { recommend: false });
    const rotate = step(plan, 'rotate');
    expect(hhmm(rotate.start.epochMs)).toBe('01:00');
    // patch: 100m + 20m overhead → 03:00; the W2 rollout batch follows → 03:10.
    expect(hhmm(rotate.end.epochMs)).toBe('03:10');
    expect(rotate.estimateMinutes).toBe(PLANNER_DEFAULTS.kinds['rotate-secret']);
  });

  it('runs a canary until its go/no-go decision', () => {
    const plan = planWindow(Window.parse(doc()), { recommend: false });
    expect(hhmm(step(plan, 'canary').end.epochMs)).toBe('06:30');
    expect(plan.criticalPath.at(-1)).toMatchObject({ id: 'canary', boundBy: { kind: 'decision-at' } });
  });

  it('refuses a dependency cycle with the cycle named', () => {
    const d = doc();
    d.phases[0].steps[0].after = ['rotate'];
    d.phases[0].steps[1].after = ['patch'];
    expect(() => planWindow(Window.parse(d))).toThrow(/dependency cycle: .*patch.*rotate|dependency cycle: .*rotate.*patch/);
  });
});

describe('random windows: floors, dependencies and bounds hold', () => {
  const windowArb = fc
    .record({
      pools: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
      groups: fc.array(
        fc.record({
          members: fc.array(fc.integer({ min: 10, max: 235 }), { minLength: 1, maxLength: 6 }),
          poolMask: fc.integer({ min: 0, max: 7 }),
          batchSize: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
          split: fc.boolean(),
          gateHour: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ pools, groups }) => {
      const poolIds = pools.map((_, i) => `pool${i}`);
      const doc: Doc = {
        apiVersion: 'mw/v1',
        id: 'random',
        title: 'Random',
        timeZone: NY,
        date: '2025-06-22',
        pools: {},
        serverGroups: {},
        phases: [{ id: 'patching', start: 'Sunday 00:00', mode: 'parallel', steps: [] }],
      };
      groups.forEach((g, gi) => {
        const names = g.members.map((_, mi) => `g${gi}m${mi}`);
        doc.serverGroups[`g${gi}`] = {
          members: names.map((name, mi) => ({ name, patchEstimate: g.members[mi] })),
          pools: poolIds.filter((_, pi) => (g.poolMask >> pi) & 1),
          ...(g.batchSize ? { batchSize: g.batchSize } : {}),
        };
        const halves = g.split && names.length > 1 ? [names.slice(0, Math.ceil(names.length / 2)), names.slice(Math.ceil(names.length / 2))] : [undefined];
        halves.forEach((members, h) => {
          doc.phases[0].steps.push({
            id: `patch-g${gi}-${h}`,
            kind: 'patch',
            group: `g${gi}`,
            ...(members ? { members } : {}),
            ...(h === 1 && g.gateHour ? { at: `Sunday 0${g.gateHour}:00` } : {}),
          });
        });
      });
      // Floors leave at least one member free to drain in every pool that has members.
      const window = Window.parse(doc);
      const sizes = poolMembership(window);
      poolIds.forEach((id, i) => {
        const size = sizes.get(id)?.length ?? 0;
        doc.pools[id] = { kind: 'load-balancer', loadBalancer: 'lb', backendPool: id, minHealthy: Math.max(0, Math.min(pools[i]!, size - 1)) };
      });
      return Window.parse(doc);
    });

  it('plans any such window within its floors and above its lower bound', () => {
    fc.assert(
      fc.property(windowArb, (window) => {
        const plan = planWindow(window, { recommend: false });
        expectFloorsKept(window, plan);
        expectDependenciesKept(window, plan);
        expectGatesKept(window, plan);
        expect(plan.lowerBound.minutes).toBeLessThanOrEqual(plan.makespanMinutes + 1e-9);
        for (const s of plan.steps) {
          const members = (s.batches ?? []).flatMap((b) => b.members);
          expect(new Set(members).size).toBe(members.length);
        }
      }),
      { numRuns: 150, seed: 20250622 },
    );
  });
});

describe('the 2025-06-22 monthly example window', () => {
  const loaded = existsSync(EXAMPLE) ? loadWindowFile(EXAMPLE) : undefined;

  it('exists and passes validation', () => {
    expect(loaded?.problems).toEqual([]);
  });

  const window = loaded?.window;
  const plan = window ? planWindow(window) : undefined;

  it('plans web batches that never leave fewer than the floor in any pool', () => {
    expect(plan).toBeDefined();
    const web = plan!.steps.filter((s) => s.kind === 'patch' && s.batches?.some((b) => b.members.some((m) => /web/i.test(m))));
    expect(web.length).toBeGreaterThan(0);
    expectFloorsKept(window!, plan!);
    for (const pool of plan!.pools) expect(pool.min).toBeGreaterThanOrEqual(pool.floor);
  });

  it('keeps every dependency and gate', () => {
    expectDependenciesKept(window!, plan!);
    expectGatesKept(window!, plan!);
  });

  it('shows the lower bound beside the makespan', () => {
    const text = renderPlanText(plan!);
    expect(plan!.lowerBound.minutes).toBeLessThanOrEqual(plan!.makespanMinutes);
    expect(text).toMatch(/^Makespan +\S+( \S+)? +\| lower bound \S+/m);
    expect(text).toMatch(/^Page up +\S+( \S+)? +\| lower bound/m);
  });

  it('recommends starting the second web batch earlier, as the 02-23 notes ask', () => {
    const second = plan!.recommendations.find((r) => r.target === 'web-batch-2');
    expect(second).toBeDefined();
    expect(second!.minutesSaved).toBeGreaterThan(0);
    expect(second!.suggested.epochMs).toBeLessThan(second!.gate.at.epochMs);
  });
});

describe('issue 12: shared pools, bounds that name what binds', () => {
  const pools = (members: Record<string, number>): Doc => ({
    apiVersion: 'mw/v1',
    id: 'shared',
    title: 'Shared',
    timeZone: NY,
    date: '2025-06-22',
    pools: {},
    serverGroups: {},
    phases: [],
    ...members,
  });

  it('lets a gated web step go before an API step that is ready first, as an at: pin would (190m, not 260m)', () => {
    // agw: Web1, Web2, Api1 with a floor of 1, so 2 may be out. Starting the API step at 01:00 makes
    // the web batch (gated 01:10) wait until 02:20 and smoke end at 05:20; pinning the API step
    // after the web batch ends everything at 04:10, which is also the critical path's length.
    const doc = pools({});
    doc.pools.agw = { kind: 'application-gateway', gateway: 'agw', backendPool: 'web', minHealthy: 1 };
    doc.serverGroups.web = { members: ['Web1', 'Web2'], pools: ['agw'], patch: { estimate: '60m' } };
    doc.serverGroups.api = { members: ['Api1'], pools: ['agw'], patch: { estimate: '60m' } };
    doc.phases = [
      {
        id: 'patching',
        start: 'Sunday 01:00',
        mode: 'parallel',
        steps: [
          { id: 'patch-api', kind: 'patch', group: 'api' },
          { id: 'patch-web', kind: 'patch', group: 'web', at: 'Sunday 01:10' },
          { id: 'smoke', kind: 'test', suite: 'smoke', estimate: '100m', after: ['patch-web'] },
        ],
      },
    ];
    const window = Window.parse(doc);
    const plan = planWindow(window, { recommend: false });
    expect(plan.makespanMinutes).toBe(190);
    expect(hhmm(step(plan, 'patch-web').start.epochMs)).toBe('01:10');
    expect(hhmm(step(plan, 'patch-api').start.epochMs)).toBe('02:30');
    expect(plan.lowerBound.minutes).toBe(190);
    expect(plan.search.provenOptimal).toBe(true);
    expectFloorsKept(window, plan);
  });

  it('names the pool whose work and the work after it bind, not the one with the most work', () => {
    // agw-web: four 80m web outages, one at a time (320m), nothing after them. agw-api: two 80m API
    // outages one at a time (160m), then a 200m smoke test: 360m, which binds.
    const doc = pools({});
    doc.pools['agw-web'] = { kind: 'application-gateway', gateway: 'agw', backendPool: 'web', minHealthy: 3 };
    doc.pools['agw-api'] = { kind: 'application-gateway', gateway: 'agw', backendPool: 'api', minHealthy: 1 };
    doc.serverGroups.web = { members: ['Web1', 'Web2', 'Web3', 'Web4'], pools: ['agw-web'], patch: { estimate: '60m' } };
    doc.serverGroups.api = { members: ['Api1', 'Api2'], pools: ['agw-api'], patch: { estimate: '60m' } };
    doc.phases = [
      {
        id: 'patching',
        start: 'Sunday 01:00',
        mode: 'parallel',
        steps: [
          { id: 'patch-web', kind: 'patch', group: 'web' },
          { id: 'patch-api-1', kind: 'patch', group: 'api', members: ['Api1'] },
          { id: 'patch-api-2', kind: 'patch', group: 'api', members: ['Api2'] },
          { id: 'smoke-api', kind: 'test', suite: 'smoke', estimate: '200m', after: ['patch-api-1', 'patch-api-2'] },
        ],
      },
    ];
    const plan = planWindow(Window.parse(doc), { recommend: false });
    expect(plan.lowerBound).toMatchObject({ minutes: 360, criticalPathMinutes: 320, binds: 'capacity', bindingResource: 'agw-api' });
    expect(plan.lowerBound.capacity.find((c) => c.resource === 'agw-api')).toMatchObject({ packMinutes: 160, tailMinutes: 200, tail: ['smoke-api'], members: ['Api1', 'Api2'] });
    expect(plan.lowerBound.capacity.find((c) => c.resource === 'agw-web')).toMatchObject({ minutes: 320 });
    expect(plan.makespanMinutes).toBe(360);
  });
});
