import { AzureModel, partsOfWholeState, type VmState } from '../../../sandbox/azure/model';
import { defaultEstateFile, loadEstateFile } from '../../../sandbox/estate/load';
import { ManualClock } from '../../integration/sandbox/common';

async function model(clock: ManualClock): Promise<AzureModel> {
  const ids: Record<string, number> = {};
  const newId = (prefix: string): string => `${prefix}-${(ids[prefix] = (ids[prefix] ?? 0) + 1)}`;
  return new AzureModel(await loadEstateFile(defaultEstateFile()), clock, newId, () => 'https://127.0.0.1');
}

const restart = (m: AzureModel, vm: VmState, ms: number) =>
  m.startOperation({ kind: 'restart', provider: 'Microsoft.Compute', resourceId: `/subscriptions/s/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`, vm: vm.name }, ms);

// The journal writes only what changed() lists; a part it misses is lost when the estate is killed.
test('the ARM model reports as changed every part a start, a finish or a reboot changed, and only those', async () => {
  const clock = new ManualClock();
  const m = await model(clock);
  const all = m.parts.all();
  m.parts.changed();
  const [a, b] = [...m.vms.values()].slice(0, 2) as [VmState, VmState];
  const changedKeys = () => [...m.parts.changed().keys()].filter((k) => k !== 'rest').sort();
  expect(changedKeys()).toEqual([]);

  const op = restart(m, a, 1000);
  expect(changedKeys()).toEqual([`op/${op.id}`, `vm/${a.name.toLowerCase()}`].sort());
  clock.advance(2000);
  m.advance();
  // The operation finished and the VM is no longer busy, though nothing asked for either by name.
  expect(changedKeys()).toEqual(expect.arrayContaining([`op/${op.id}`, `vm/${a.name.toLowerCase()}`]));
  expect(m.parts.all().get(`vm/${b.name.toLowerCase()}`)).toBe(all.get(`vm/${b.name.toLowerCase()}`));

  // A reboot's end is cleared by advance() alone, with no request naming the VM.
  m.rebootUntil(b, clock.now() + 1000);
  m.parts.changed();
  clock.advance(2000);
  m.advance();
  expect(changedKeys()).toEqual([`vm/${b.name.toLowerCase()}`]);
  expect(m.parts.all().get(`vm/${b.name.toLowerCase()}`)).toBe(all.get(`vm/${b.name.toLowerCase()}`));
});

test('parts loaded back, whole or one by one over an older state, give the same state', async () => {
  const clock = new ManualClock();
  const m = await model(clock);
  const before = m.parts.all();
  m.parts.changed();
  const vms = [...m.vms.values()].slice(0, 3) as VmState[];
  restart(m, vms[0]!, 1000);
  restart(m, vms[1]!, 60_000);
  clock.advance(2000);
  m.advance();
  const delta = m.parts.changed();
  const after = m.parts.all();

  const whole = await model(clock);
  whole.parts.load(new Map([...after].map(([k, t]) => [k, JSON.parse(t) as unknown])));
  expect(whole.parts.all()).toEqual(after);

  const replayed = await model(clock);
  replayed.parts.load(new Map([...before].map(([k, t]) => [k, JSON.parse(t) as unknown])));
  for (const [k, t] of delta) replayed.parts.loadPart(k, t === null ? null : JSON.parse(t));
  expect(replayed.parts.all()).toEqual(after);
  // The restored model still finishes what was in progress.
  clock.advance(60_000);
  replayed.advance();
  m.advance();
  expect(replayed.parts.all()).toEqual(m.parts.all());
});

test('a whole ARM state saved before parts (an older rehearsal folder) loads to the same state', async () => {
  const clock = new ManualClock();
  const m = await model(clock);
  restart(m, [...m.vms.values()][0]!, 60_000);
  const whole = JSON.parse(
    JSON.stringify({ vms: [...m.vms.values()], operations: m.operationList(), gateways: [...m.gateways.values()], loadBalancers: [...m.loadBalancers.values()], alertRules: [...m.alertRules.entries()], vmFaults: [], faultCounter: 0 }),
  ) as unknown;
  const loaded = await model(clock);
  loaded.parts.load(partsOfWholeState(whole));
  expect(loaded.parts.all()).toEqual(m.parts.all());
});
