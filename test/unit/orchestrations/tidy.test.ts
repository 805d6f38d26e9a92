import type { OrchestrationContext } from 'durable-functions';
import type { Runbook } from '../../../shared/orchestrations/contracts';
import { Activities } from '../../../shared/orchestrations/names';
import { TIDY_CHUNK, runbookHosts, runbookVms, tidyRunCommands } from '../../../shared/orchestrations/tidy';

const vm = (name: string) => `/subscriptions/s/resourceGroups/RG-WEB-PRD/providers/Microsoft.Compute/virtualMachines/${name}`;
const server = (name: string) => ({ name, vmId: vm(name), host: name.toLowerCase() });
const runbook = {
  windowId: 'w',
  steps: [
    { id: 'a', spec: { kind: 'rotate-secret', validateOn: server('IC-Web1'), batches: [{ members: [server('IC-Web1'), server('IC-Web2')], after: [] }] } },
    { id: 'b', spec: { kind: 'canary', server: { ...server('IC-WEB2'), vmId: vm('IC-WEB2') } } },
    { id: 'c', spec: { kind: 'notify', channels: [], message: 'no servers; vmId: not an id' } },
  ],
} as unknown as Runbook;

type Call = { name: string; input: { windowId: string; vmIds: string[]; nodes?: string[] } };

/** Drives the tidy-up with a fake durable context whose Task.all answers `answer`. */
function drive(answer: (calls: Call[]) => unknown, book: Runbook = runbook) {
  const calls: Call[] = [];
  const context = {
    df: {
      callActivityWithRetry: (name: string, _p: unknown, input: Call['input']) => (calls.push({ name, input }), { name, input }),
      Task: { all: (tasks: unknown[]) => ({ all: tasks }) },
    },
  } as unknown as OrchestrationContext;
  const gen = tidyRunCommands(context, book);
  let next = gen.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = answer(calls);
    } catch (error) {
      next = gen.throw(error);
      continue;
    }
    next = gen.next(value);
  }
  return { calls, warnings: next.value };
}

describe('run command tidy-up after the restore walk', () => {
  it('takes every VM the runbook names once (ids compared as ARM does, without case)', () => {
    expect(runbookVms(runbook)).toEqual([vm('IC-Web1'), vm('IC-Web2')]);
  });

  it('the VMs in calls of up to TIDY_CHUNK; a VM whose tidy failed is a warning naming it, the others are not', () => {
    const { calls, warnings } = drive(() => [{ ok: true, vms: [{ vmId: vm('IC-Web1'), ok: true, deleted: ['mw-w--x'], running: 0 }, { vmId: vm('IC-Web2'), ok: false, code: 'Status403', message: 'azure: could not list run commands on IC-Web2: 403' }] }]);
    expect(calls).toEqual([{ name: Activities.tidyRunCommands, input: { windowId: 'w', vmIds: [vm('IC-Web1'), vm('IC-Web2')] } }]);
    expect(warnings).toEqual([{ vm: 'IC-Web2', message: 'azure: could not list run commands on IC-Web2: 403' }]);
  });

  it('a large window: a few calls of TIDY_CHUNK VMs each, not one per VM, every VM once', () => {
    const names = Array.from({ length: 2 * TIDY_CHUNK + 10 }, (_, i) => `IC-Web${i + 1}`);
    const big = { windowId: 'w', steps: [{ id: 'p', spec: { kind: 'patch', servers: names.map(server) } }] } as unknown as Runbook;
    const { calls, warnings } = drive((cs) => cs.map((c) => ({ ok: true, vms: c.input.vmIds.map((vmId) => ({ vmId, ok: true, deleted: [], running: 0 })) })), big);
    expect(calls.map((c) => c.input.vmIds.length)).toEqual([TIDY_CHUNK, TIDY_CHUNK, 10]);
    expect(calls.flatMap((c) => c.input.vmIds)).toEqual(names.map(vm));
    expect(warnings).toEqual([]);
  });

  it("a take-down's machines, named as configuration maps them to VMs, go to the same calls by name", () => {
    const estate = { id: 'bp', workers: [{ node: 'bp-worker-01', services: ['A'] }, { node: 'BP-WORKER-01', services: ['B'] }, { node: 'bp-worker-02', services: ['A'] }], scheduledTasks: { node: 'bp-sched-01', tasks: ['T'] } };
    const book = { windowId: 'w', steps: [...runbook.steps, { id: 'd', spec: { kind: 'takedown', action: 'down', estate } }, { id: 'r', spec: { kind: 'takedown', action: 'restore', estate } }] } as unknown as Runbook;
    expect(runbookHosts(book)).toEqual(['bp-worker-01', 'bp-worker-02', 'bp-sched-01']);
    const { calls } = drive((cs) => cs.map(() => ({ ok: true, vms: [] })), book);
    expect(calls.map((c) => c.input)).toEqual([{ windowId: 'w', vmIds: [vm('IC-Web1'), vm('IC-Web2')], nodes: ['bp-worker-01', 'bp-worker-02', 'bp-sched-01'] }]);
  });

  it('an activity that failed outright is a warning for every VM, never a throw out of the window', () => {
    const { warnings } = drive(() => {
      throw new Error('Activity function tidyRunCommands failed: boom\nstack');
    });
    expect(warnings).toEqual([
      { vm: 'IC-Web1', message: 'Activity function tidyRunCommands failed: boom' },
      { vm: 'IC-Web2', message: 'Activity function tidyRunCommands failed: boom' },
    ]);
  });
});
