import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { createPersistence, type Persistence } from '../../../sandbox/core/persistence';
import type { PartedState, SandboxService } from '../../../sandbox/core/types';

/** A parted service over a plain record of entities, which can be told to forget to report one. */
function partedService(name: string) {
  const state = new Map<string, unknown>();
  const dirty = new Set<string>();
  let forget: string | undefined;
  const parts: PartedState = {
    all: () => new Map([...state].map(([k, v]) => [k, JSON.stringify(v)])),
    changed: () => {
      const out = new Map<string, string | null>();
      for (const k of dirty) if (k !== forget) out.set(k, state.has(k) ? JSON.stringify(state.get(k)) : null);
      dirty.clear();
      return out;
    },
    load: (all) => {
      state.clear();
      for (const [k, v] of all) state.set(k, v);
    },
    loadPart: (k, v) => (v === null ? state.delete(k) : state.set(k, v)),
  };
  return {
    service: { name, register: () => undefined, snapshot: () => Object.fromEntries(state), parts } satisfies SandboxService,
    put: (k: string, v: unknown) => (state.set(k, v), dirty.add(k)),
    remove: (k: string) => (state.delete(k), dirty.add(k)),
    forgetting: (k: string) => (forget = k),
    state,
  };
}

function plainService(name: string) {
  let value: unknown = { n: 0 };
  return {
    service: { name, register: () => undefined, snapshot: () => value, save: () => value, load: (v: unknown) => (value = v) } satisfies SandboxService,
    set: (v: unknown) => (value = v),
    get: () => value,
  };
}

function estate(dir: string, check = false) {
  const arm = partedService('arm');
  const slack = plainService('slack');
  let ids: Record<string, number> = {};
  const persistence: Persistence = createPersistence({ stateDir: dir, services: () => [arm.service, slack.service], ids: () => ids, setIds: (v) => (ids = v), now: () => 0, check });
  return { arm, slack, persistence, ids: () => ids, setId: (k: string, n: number) => (ids = { ...ids, [k]: n }) };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'mw-persist-'));

test('a killed estate comes back from its snapshot and journal with every saved change, and the journal holds only changes', async () => {
  const dir = tmp();
  const a = estate(dir);
  for (let i = 0; i < 50; i++) a.arm.put(`vm/${i}`, { i, big: 'x'.repeat(200) });
  await a.persistence.save(); // the first save is a snapshot
  a.arm.put('vm/3', { i: 3, patched: true });
  a.arm.remove('vm/7');
  a.slack.set({ n: 1 });
  a.setId('op', 2);
  await a.persistence.save();
  a.arm.put('op/1', { status: 'Succeeded' });
  await a.persistence.save();
  await a.persistence.save(); // nothing changed: nothing written
  const journal = readFileSync(path.join(dir, 'state.journal'), 'utf8').trim().split('\n');
  expect(journal).toHaveLength(3);
  expect(journal[1]).not.toContain('vm/4');

  const b = estate(dir);
  expect(await b.persistence.restore()).toBe(true);
  expect(b.arm.state).toEqual(a.arm.state);
  expect(b.slack.get()).toEqual({ n: 1 });
  expect(b.ids()).toEqual({ op: 2 });
});

test('a journal line cut short by a kill is ignored whole, and a journal left from an older snapshot is ignored', async () => {
  const dir = tmp();
  const a = estate(dir);
  a.arm.put('vm/1', { v: 1 });
  await a.persistence.save();
  a.arm.put('vm/1', { v: 2 });
  await a.persistence.save();
  appendFileSync(path.join(dir, 'state.journal'), '{"ids":{},"p":[["arm","vm/1",{"v":3}],["arm","vm/2",');
  const b = estate(dir);
  await b.persistence.restore();
  expect(b.arm.state.get('vm/1')).toEqual({ v: 2 });
  expect(b.arm.state.has('vm/2')).toBe(false);

  // Killed between the snapshot's rename and the new journal's: the old journal must not be replayed over it.
  const journal = readFileSync(path.join(dir, 'state.journal'), 'utf8');
  a.arm.put('vm/1', { v: 4 });
  await a.persistence.snapshot();
  writeFileSync(path.join(dir, 'state.journal'), journal);
  const c = estate(dir);
  await c.persistence.restore();
  expect(c.arm.state.get('vm/1')).toEqual({ v: 4 });
});

test('with the check on, a change the service did not report fails the save and names the part', async () => {
  const dir = tmp();
  const a = estate(dir, true);
  a.arm.put('vm/1', { v: 1 });
  await a.persistence.save();
  a.arm.forgetting('vm/1');
  a.arm.put('vm/1', { v: 2 });
  await expect(a.persistence.save()).rejects.toThrow("arm part 'vm/1' changed without being reported");
});
