/**
 * Determinism check: instances started on one version of an orchestrator and resumed
 * on changed code fail with DurableTask.Core's "Non-Deterministic workflow detected"
 * message; unchanged code completes. The task hub persists in Azurite across hosts.
 */
import { type HostProcess, getStatus, raiseEvent, spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

const hub = uniqueHub('nondet');
const ids = { rename: 'v-rename', timerToActivity: 'v-timer', removeStep: 'v-remove', base: 'v-same' } as const;
const SUFFIX = 'Was a change made to the orchestrator code after this instance had already started running?';

async function withHost(variant: string, fn: (host: HostProcess) => Promise<void>): Promise<void> {
  // Instances waiting on an event alone hold back time-skipping, so the 1-minute timers run at speed instead.
  const host = await spawnHost({ taskHub: hub, env: { CONFORMANCE_VARIANT: variant }, args: ['--start', '2025-06-21T00:00:00Z', '--no-skip', '--speed', '600'] });
  try {
    await fn(host);
  } finally {
    await host.stop();
  }
}

beforeAll(async () => {
  await withHost('base', async (host) => {
    for (const id of Object.values(ids)) await startOrchestration(host, 'Versioned', null, id);
    for (const id of Object.values(ids)) await waitFor(host, id, (s) => s.customStatus === 'waiting');
  });
});

async function resumeOn(variant: string, id: string): Promise<{ runtimeStatus: string; output: unknown }> {
  let result: { runtimeStatus: string; output: unknown } = { runtimeStatus: '', output: null };
  await withHost(variant, async (host) => {
    expect((await getStatus(host, id)).runtimeStatus).toBe('Running');
    expect(await raiseEvent(host, id, 'Next', 'go')).toBe(202);
    result = await waitFor(host, id);
  });
  return result;
}

test('renaming an activity fails the instance', async () => {
  const s = await resumeOn('rename', ids.rename);
  expect(s.runtimeStatus).toBe('Failed');
  expect(s.output).toBe(
    "Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence number 0 named 'StepA', " +
      `but the current orchestration replay instead scheduled an activity task named 'StepRenamed' with this sequence number.  ${SUFFIX}`,
  );
});

test('changing a timer into an activity fails the instance', async () => {
  const s = await resumeOn('timerToActivity', ids.timerToActivity);
  expect(s.runtimeStatus).toBe('Failed');
  expect(s.output).toBe(
    'Non-Deterministic workflow detected: A previous execution of this orchestration scheduled a timer task with sequence number 1 named ' +
      `but the current orchestration replay instead produced a ScheduleTaskOrchestratorAction action with this sequence number. ${SUFFIX}`,
  );
});

test('removing a step between two runs fails the instance', async () => {
  const s = await resumeOn('removeStep', ids.removeStep);
  expect(s.runtimeStatus).toBe('Failed');
  expect(s.output).toBe(
    "Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence ID 2 and name 'StepB' (version ''), " +
      `but the current replay execution hasn't (yet?) scheduled this task. ${SUFFIX}`,
  );
});

test('unchanged code completes', async () => {
  const s = await resumeOn('base', ids.base);
  expect(s).toMatchObject({ runtimeStatus: 'Completed', output: ['A(a)', 'B(b)', 'C("go")'] });
});
