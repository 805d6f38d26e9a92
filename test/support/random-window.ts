import fc from 'fast-check';

/**
 * Random windows for property tests and the planner benchmark: pools with floors, server
 * groups (member pools, batch sizes, concurrency limits, one-after-another chains), patch
 * steps that share pools, other steps, phases with and without start times, `at:` and
 * `after:`, blocks, a skipped step, a maintenance page put up and taken down, and a secret
 * rotation whose rollout waits for patching. Zones and dates include DST changes, so some
 * windows are (rightly) refused by the validator.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;

const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata'] as const;
// Ordinary Sundays and the Sundays clocks change in New York or London.
const DATES = ['2025-06-22', '2025-02-23', '2025-03-09', '2025-03-30', '2025-10-26', '2025-11-02'] as const;

const member = fc.record({ minutes: fc.integer({ min: 2, max: 47 }).map((n) => n * 5), ownPools: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined, freq: 5 }) });

const group = fc.record({
  members: fc.array(member, { minLength: 1, maxLength: 6 }),
  poolMask: fc.integer({ min: 0, max: 7 }),
  batchSize: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  maxConcurrency: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 4 }),
  chain: fc.boolean(),
  split: fc.boolean(),
});

const filler = fc.record({
  kind: fc.constantFrom('notify', 'pipeline', 'manual', 'test'),
  minutes: fc.option(fc.integer({ min: 1, max: 24 }).map((n) => n * 5), { nil: undefined }),
  phase: fc.nat(),
  gateHour: fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined, freq: 4 }),
  afterEarlier: fc.option(fc.nat(), { nil: undefined, freq: 3 }),
});

export interface RandomWindowOptions {
  /** Every window has at least two patch steps drawing on one pool (the benchmark's set). */
  sharedPools?: boolean;
}

export function randomWindow(options: RandomWindowOptions = {}): fc.Arbitrary<Doc> {
  return fc
    .record({
      zone: fc.constantFrom(...ZONES),
      date: fc.constantFrom(...DATES),
      pools: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
      groups: fc.array(group, { minLength: options.sharedPools ? 2 : 1, maxLength: 3 }),
      phases: fc.array(fc.record({ startHour: fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined }), saturday: fc.boolean(), parallel: fc.boolean() }), { minLength: 1, maxLength: 3 }),
      fillers: fc.array(filler, { maxLength: 8 }),
      page: fc.option(fc.record({ upPhase: fc.nat(), downPhase: fc.nat(), upGateHour: fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined, freq: 3 }) }), { nil: undefined }),
      rotate: fc.boolean(),
      skipIndex: fc.option(fc.nat(), { nil: undefined, freq: 4 }),
      blockFrom: fc.option(fc.nat(), { nil: undefined, freq: 3 }),
      patchPhase: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
      patchGates: fc.array(fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined, freq: 3 }), { minLength: 6, maxLength: 6 }),
    })
    .map((r) => build(r, options));
}

const hhmm = (h: number) => `${String(h).padStart(2, '0')}:00`;

function build(r: Doc, options: RandomWindowOptions): Doc {
  const poolIds = r.pools.map((_: unknown, i: number) => `pool${i}`);
  const doc: Doc = {
    apiVersion: 'mw/v1',
    id: 'random',
    title: 'Random window',
    timeZone: r.zone,
    displayZones: r.zone === 'Asia/Kolkata' ? ['America/New_York'] : ['Asia/Kolkata'],
    date: r.date,
    pools: {},
    serverGroups: {},
    maintenancePages: {},
    phases: r.phases.map((p: Doc, i: number) => ({
      id: `phase${i}`,
      ...(p.startHour !== undefined || i === 0 ? { start: `${p.saturday ? 'Saturday' : 'Sunday'} ${hhmm(p.startHour ?? 18)}` } : {}),
      mode: p.parallel ? 'parallel' : 'sequence',
      steps: [] as Doc[],
    })),
  };
  const phaseOf = (n: number) => doc.phases[n % doc.phases.length];
  // Step ids with their phase index: `after:` names only steps of the same or an earlier phase (no cycles).
  const stepIds: { id: string; phase: number }[] = [];
  const add = (phase: Doc, step: Doc) => {
    phase.steps.push(step);
    stepIds.push({ id: step.id, phase: doc.phases.indexOf(phase) });
  };

  // Server groups and their patch steps.
  const servers: string[] = [];
  let patchIndex = 0;
  r.groups.forEach((g: Doc, gi: number) => {
    const names = g.members.map((_: unknown, mi: number) => `g${gi}m${mi}`);
    servers.push(...names);
    // The shared-pool set puts every group in pool0.
    const mask = options.sharedPools ? g.poolMask | 1 : g.poolMask;
    doc.serverGroups[`g${gi}`] = {
      members: g.members.map((m: Doc, mi: number) => ({
        name: names[mi],
        patchEstimate: m.minutes,
        ...(m.ownPools !== undefined ? { pools: poolIds.filter((_: unknown, pi: number) => (m.ownPools >> pi) & 1) } : {}),
      })),
      pools: poolIds.filter((_: unknown, pi: number) => (mask >> pi) & 1),
      ...(g.batchSize ? { batchSize: g.batchSize } : {}),
      ...(g.maxConcurrency && (!g.batchSize || g.maxConcurrency >= g.batchSize) ? { maxConcurrency: g.maxConcurrency } : {}),
      ...(g.chain && names.length > 1 ? { oneAfterAnother: [[names[0], names[1]]] } : {}),
    };
    const halves = g.split && names.length > 1 ? [names.slice(0, Math.ceil(names.length / 2)), names.slice(Math.ceil(names.length / 2))] : [undefined];
    halves.forEach((members: string[] | undefined, h: number) => {
      const k = patchIndex++ % 6;
      const gate = r.patchGates[k];
      add(phaseOf(r.patchPhase[k]), {
        id: `patch-g${gi}-${h}`,
        kind: 'patch',
        group: `g${gi}`,
        ...(members ? { members } : {}),
        ...(gate !== undefined ? { at: `Sunday ${hhmm(gate)}` } : {}),
      });
    });
  });

  // Floors: every pool with members keeps at least one free slot and fits every group's batch.
  const size = new Map<string, number>();
  const widest = new Map<string, number>();
  for (const g of Object.values<Doc>(doc.serverGroups)) {
    const perPool = new Map<string, number>();
    for (const m of g.members) for (const p of m.pools ?? g.pools) perPool.set(p, (perPool.get(p) ?? 0) + 1);
    for (const [p, n] of perPool) {
      size.set(p, (size.get(p) ?? 0) + n);
      widest.set(p, Math.max(widest.get(p) ?? 1, Math.min(g.batchSize ?? 1, n)));
    }
  }
  poolIds.forEach((id: string, i: number) => {
    const n = size.get(id) ?? 0;
    doc.pools[id] = { kind: i % 2 ? 'load-balancer' : 'application-gateway', ...(i % 2 ? { loadBalancer: 'lb' } : { gateway: 'agw' }), backendPool: id, minHealthy: Math.max(0, Math.min(r.pools[i], n - (widest.get(id) ?? 1))) };
  });

  // Other steps.
  r.fillers.forEach((f: Doc, i: number) => {
    const id = `${f.kind}-${i}`;
    const step: Doc = { id, kind: f.kind };
    if (f.kind === 'notify') Object.assign(step, { channels: ['#maintenance'], message: 'hello' });
    if (f.kind === 'pipeline') step.pipeline = { name: `Pipeline${i}` };
    if (f.kind === 'manual') step.instructions = 'do it';
    if (f.kind === 'test') step.suite = 'smoke';
    if (f.minutes !== undefined) step.estimate = f.minutes;
    if (f.gateHour !== undefined) step.at = `Sunday ${hhmm(f.gateHour)}`;
    const phase = phaseOf(f.phase);
    const earlier = stepIds.filter((x) => x.phase <= doc.phases.indexOf(phase));
    if (f.afterEarlier !== undefined && earlier.length > 0) step.after = [earlier[f.afterEarlier % earlier.length]!.id];
    if (r.skipIndex !== undefined && r.skipIndex % Math.max(1, r.fillers.length) === i) step.skip = 'not this time';
    add(phase, step);
  });

  // A maintenance page, taken down after it goes up.
  if (r.page) {
    doc.maintenancePages.public = { cloudflare: { zone: 'example.com', hostnames: ['www.example.com'], origin: 'origin.example.com', maintenance: 'maintenance.example.net' } };
    const up: Doc = { id: 'page-up', kind: 'maintenance-page', page: 'public', action: 'up', ...(r.page.upGateHour !== undefined ? { at: `Sunday ${hhmm(r.page.upGateHour)}` } : {}) };
    const upPhase = r.page.upPhase % doc.phases.length;
    add(doc.phases[upPhase], up);
    const downPhase = upPhase + (r.page.downPhase % (doc.phases.length - upPhase));
    add(doc.phases[downPhase], { id: 'page-down', kind: 'maintenance-page', page: 'public', action: 'down', after: ['page-up'] });
    // Work under the page: patch steps of later phases up to the down step's wait for it, and the down step for them.
    const down = doc.phases[downPhase].steps.find((d: Doc) => d.id === 'page-down');
    doc.phases.forEach((phase: Doc, i: number) => {
      if (i <= upPhase || i > downPhase) return;
      for (const s of phase.steps) {
        if (s.kind !== 'patch') continue;
        s.after = [...(s.after ?? []), 'page-up'];
        if (i < downPhase || phase.mode === 'parallel') down.after.push(s.id);
      }
    });
  }

  // A secret rotation whose last rollout batch waits for the first patch step.
  if (r.rotate && servers.length > 0) {
    add(phaseOf(r.patchPhase[0]), {
      id: 'rotate',
      kind: 'rotate-secret',
      secret: { type: 'mailgun', vault: 'kv', name: 'mailgun', domain: 'mg.example.com' },
      rollout: { validateOn: servers[0], batches: [{ members: [servers[0]] }, { members: servers.slice(1, 3).length ? servers.slice(1, 3) : [servers[0]], after: ['patch-g0-0'] }] },
    });
  }

  // A parallel block around the last steps of the first phase.
  if (r.blockFrom !== undefined && doc.phases[0].steps.length > 1) {
    const steps = doc.phases[0].steps;
    const moved = steps.splice(r.blockFrom % steps.length);
    steps.push({ kind: 'parallel', id: 'block', steps: moved });
  }
  return doc;
}
