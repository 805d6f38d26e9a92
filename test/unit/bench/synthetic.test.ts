import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { syntheticEstate, writeSyntheticFiles } from '../../../bench/synthetic/estate';
import { loadEstateFile } from '../../../sandbox/estate/load';
import { loadWindowFile } from '../../../shared/window/load';
import { formatProblem } from '../../../shared/window/problems';

/** The synthetic estates `npm run bench` rehearses (bench/synthetic/estate.ts). */

it('gives the same window and estate for the same seed, and another for another seed', () => {
  expect(JSON.stringify(syntheticEstate({ servers: 60, seed: 7 }))).toBe(JSON.stringify(syntheticEstate({ servers: 60, seed: 7 })));
  expect(JSON.stringify(syntheticEstate({ servers: 60, seed: 7 }))).not.toBe(JSON.stringify(syntheticEstate({ servers: 60, seed: 8 })));
});

it('has N servers, each patched within the AUM cap, and the changes asked for', () => {
  const s = syntheticEstate({ servers: 130, changes: 9 });
  expect(s.azure.virtualMachines).toHaveLength(130);
  expect(new Set(s.azure.virtualMachines.map((vm: { name: string }) => vm.name)).size).toBe(130);
  expect(new Set(s.azure.virtualMachines.map((vm: { privateIp: string }) => vm.privateIp)).size).toBe(130);
  for (const vm of s.azure.virtualMachines) expect(vm.patch.durationMinutes).toBeLessThanOrEqual(235);
  expect(s.window.phases[1].steps).toHaveLength(9);
  // Dependencies only point back: the changes form a graph the planner can order.
  for (const [i, step] of (s.window.phases[1].steps as { id: string; after?: string[] }[]).entries()) for (const dep of step.after ?? []) expect(Number(dep.slice(-4))).toBeLessThanOrEqual(i);
});

it('keeps every pool at its 75% floor: the groups sharing a pool take out at most what the floor leaves', () => {
  const s = syntheticEstate({ servers: 1000 });
  expect(Object.keys(s.pools).length).toBeGreaterThan(0);
  const groups = s.window.serverGroups as Record<string, { members: { name: string }[]; pools?: string[]; batchSize?: number }>;
  for (const [name, pool] of Object.entries(s.pools)) {
    expect(pool.minHealthy).toBe(Math.ceil(pool.members.length * 0.75));
    expect(s.window.pools[name].minHealthy).toBe(pool.minHealthy);
    const out = Object.values(groups)
      .filter((g) => g.pools?.includes(name))
      .reduce((sum, g) => sum + (g.batchSize ?? g.members.length), 0);
    expect(out).toBeGreaterThan(0);
    expect(out).toBeLessThanOrEqual(pool.members.length - pool.minHealthy);
  }
});

it('writes a window that loads without problems and an estate that validates', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-synthetic-'));
  try {
    const { windowFile, estateFile } = writeSyntheticFiles(dir, { servers: 50 });
    const loaded = loadWindowFile(windowFile);
    expect(loaded.problems.map(formatProblem)).toEqual([]);
    expect(loaded.window?.id).toBe('synthetic-50');
    const estate = (await loadEstateFile(estateFile)) as { azure: { virtualMachines: { name: string }[] } };
    // The default estate's servers stay: the other windows still rehearse against it.
    expect(estate.azure.virtualMachines.map((vm) => vm.name)).toEqual(expect.arrayContaining(['IC-Web1', 'SYN-001-001', 'SYN-002-025']));
    expect(readFileSync(windowFile, 'utf8')).not.toContain('&a');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
