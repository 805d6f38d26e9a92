import { seeded } from '../../shared/window/plan/search';

/**
 * A seeded set of monthly-shaped windows whose patch steps share pools: pre-work at midnight, a patching
 * phase where two to four patch steps (some gated later) drain the same gateway pool (and
 * sometimes a load balancer), a changes phase under the maintenance page with one more patch
 * step and a few changes, and tests and post-steps after. Patch estimates are uneven, floors
 * leave one to five servers free, groups have batch sizes or not.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

export function randomSharedPoolWindows(count: number, seed = 20250622): Doc[] {
  const random = seeded(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: count }, (_, w) => {
    const groups = int(3, 5);
    const doc: Doc = {
      apiVersion: 'mw/v1',
      id: `random-${w + 1}`,
      title: `Random shared-pool window ${w + 1}`,
      timeZone: 'America/New_York',
      displayZones: ['Asia/Kolkata'],
      date: '2025-06-22',
      pools: {},
      serverGroups: {},
      maintenancePages: { public: { cloudflare: { zone: 'example.com', hostnames: ['www.example.com'], origin: 'origin.example.com', maintenance: 'maintenance.example.net' } } },
      phases: [],
    };
    const lb = random() < 0.4;
    let agw = 0;
    let ilb = 0;
    for (let g = 0; g < groups; g++) {
      const n = int(2, 8);
      const inLb = lb && random() < 0.5;
      agw += n;
      if (inLb) ilb += n;
      const base = pick([30, 45, 60, 90, 120]);
      doc.serverGroups[`g${g}`] = {
        members: Array.from({ length: n }, (_, m) => ({ name: `G${g}-${m + 1}`, patchEstimate: Math.min(235, base + pick([0, 0, 15, 30, 60, 90])) })),
        pools: inLb ? ['agw', 'ilb'] : ['agw'],
        ...(random() < 0.6 ? { batchSize: int(1, 4) } : {}),
      };
    }
    const widest = Math.max(1, ...Object.values<Doc>(doc.serverGroups).map((g) => Math.min(g.batchSize ?? 1, g.members.length)));
    doc.pools.agw = { kind: 'application-gateway', gateway: 'agw', backendPool: 'web', minHealthy: Math.max(0, agw - Math.max(widest, int(1, 5))) };
    if (ilb > 0) doc.pools.ilb = { kind: 'load-balancer', loadBalancer: 'lb', backendPool: 'web', minHealthy: Math.max(0, ilb - Math.max(widest, int(1, 4))) };

    const patch = (g: number, extra: Doc = {}) => ({ id: `patch-g${g}`, kind: 'patch', group: `g${g}`, ...extra });
    const changes = int(1, 3);
    doc.phases.push(
      { id: 'pre-work', start: 'Sunday 00:00', steps: [{ id: 'prepare', kind: 'pipeline', pipeline: { name: 'Preparation' } }, { id: 'announce', kind: 'notify', channels: ['#maint'], message: 'starting' }] },
      {
        id: 'patching',
        mode: 'parallel',
        steps: Array.from({ length: groups - 1 }, (_, g) => patch(g, random() < 0.3 ? { at: `Sunday 0${int(1, 4)}:${pick(['00', '30'])}` } : {})),
      },
      {
        id: 'changes',
        steps: [
          { id: 'page-up', kind: 'maintenance-page', page: 'public', action: 'up' },
          {
            kind: 'parallel',
            steps: [
              patch(groups - 1),
              ...Array.from({ length: changes }, (_, c) => ({ id: `change-${c + 1}`, kind: 'pipeline', estimate: pick([15, 30, 45, 60, 90]), pipeline: { name: `Change${c + 1}` } })),
            ],
          },
          { id: 'page-down', kind: 'maintenance-page', page: 'public', action: 'down' },
        ],
      },
      { id: 'testing', steps: [{ id: 'smoke', kind: 'test', suite: 'smoke' }, ...(random() < 0.5 ? [{ id: 'regression', kind: 'test', suite: 'regression' }] : [])] },
    );
    return doc;
  });
}
