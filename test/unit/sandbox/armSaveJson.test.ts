import { AzureModel } from '../../../sandbox/azure/model';
import { defaultEstateFile, loadEstateFile } from '../../../sandbox/estate/load';
import { ManualClock } from '../../integration/sandbox/common';

// saveJson reuses the text of finished operations; what it writes must stay exactly what save() holds.
test('the ARM model saves the same state as JSON text, after operations finish and while others run', async () => {
  const clock = new ManualClock();
  const ids: Record<string, number> = {};
  const newId = (prefix: string): string => `${prefix}-${(ids[prefix] = (ids[prefix] ?? 0) + 1)}`;
  const model = new AzureModel(await loadEstateFile(defaultEstateFile()), clock, newId, () => 'https://127.0.0.1');
  const vms = [...(model.save() as { vms: { name: string; resourceGroup: string }[] }).vms].slice(0, 3);
  expect(vms).toHaveLength(3);
  const start = (vm: { name: string; resourceGroup: string }, ms: number) =>
    model.startOperation({ kind: 'restart', provider: 'Microsoft.Compute', resourceId: `/subscriptions/s/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`, vm: vm.name }, ms);
  const same = () => expect(JSON.parse(model.saveJson())).toEqual(JSON.parse(JSON.stringify(model.save())));
  start(vms[0]!, 1000);
  same();
  clock.advance(2000);
  model.advance();
  same(); // the finished operation's text is kept from here on
  start(vms[1]!, 1000);
  start(vms[2]!, 60_000);
  clock.advance(2000);
  model.advance();
  same();
  const saved = JSON.parse(model.saveJson()) as { operations: { status: string }[] };
  expect(saved.operations.map((o) => o.status)).toEqual(['Succeeded', 'Succeeded', 'InProgress']);
  const restored = new AzureModel(await loadEstateFile(defaultEstateFile()), clock, newId, () => 'https://127.0.0.1');
  restored.load(saved);
  expect(JSON.parse(restored.saveJson())).toEqual(saved);
});
