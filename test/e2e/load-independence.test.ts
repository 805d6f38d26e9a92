import { type ChildProcess, spawn } from 'child_process';
import { rehearse, type CallRecord, type Report } from './harness';
import { InstanceIds } from '../../shared/orchestrations/names';

/**
 * A rehearsal's outcome depends on the window and the estate, never on how busy the machine
 * is (docs/virtual-clock.md). Each window is rehearsed twice: undisturbed, then beside four
 * CPU-burning processes with every activity slowed by a random 0-40 ms. Both runs must
 * agree on every step's state and virtual start and end, the window's virtual end, the final
 * estate, and the order of vendor calls on every resource. Nothing here measures time.
 */

jest.setTimeout(20 * 60_000);

const WINDOWS = ['windows/2025-06-22-monthly.yaml', 'windows/2025-02-23-monthly.yaml'];
const BURNERS = 4;
/** Each activity is slowed by a random 0..JITTER_MS (MW_LOAD_TEST_JITTER_MS): activities run one at a time, so the delay adds up (500 costs several minutes a window). */
const JITTER_MS = Number(process.env.MW_LOAD_TEST_JITTER_MS ?? '40');

const burners: ChildProcess[] = [];
function stopBurners(): void {
  for (const b of burners.splice(0)) if (b.exitCode === null) b.kill('SIGKILL');
}

let quiet: Report[];
let loaded: Report[];

beforeAll(async () => {
  // The two windows run side by side (each rehearsal picks its own ports).
  // Each on an Azurite of its own: two jittered rehearsals beside eight burners left the suite's
  // shared Azurite so slow that other test files' hosts took minutes to start.
  quiet = await Promise.all(WINDOWS.map((w) => rehearse(w, undefined, { ownStorage: true })));
  for (let i = 0; i < BURNERS; i++) burners.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  try {
    loaded = await Promise.all(WINDOWS.map((w) => rehearse(w, undefined, { args: ['--activity-jitter-ms', String(JITTER_MS)], limitMs: 18 * 60_000, ownStorage: true })));
  } finally {
    stopBurners();
  }
});

afterAll(stopBurners);

/** The estate with the local ports it was served on left out (each rehearsal picks its own). */
function withoutPorts(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:*'));
}

/** Every step's state and its orchestration's virtual start and end (steps not run have neither). */
function timeline(r: Report): Record<string, { state: string; start?: string; end?: string }> {
  const out: Record<string, { state: string; start?: string; end?: string }> = {};
  const history = new Map(r.instances.map((i) => [i.instanceId, (i.historyEvents ?? []) as { EventType: string; Timestamp: string }[]]));
  for (const step of r.status.steps) {
    // Step instances are scoped to the run (InstanceIds.step).
    const events = history.get(InstanceIds.step(r.status.windowId, r.status.runId!, step.id)) ?? [];
    const start = events.find((e) => e.EventType === 'ExecutionStarted')?.Timestamp;
    const end = events.find((e) => e.EventType === 'ExecutionCompleted')?.Timestamp;
    out[step.id] = { state: step.state, ...(start ? { start } : {}), ...(end ? { end } : {}) };
  }
  return out;
}

/** The resource a vendor call is about: its path, or the channel for Slack's method-style API. */
function resourceOf(c: CallRecord): string {
  const body = c.body as { channel?: unknown } | undefined;
  if (c.listener === 'slack' && typeof body?.channel === 'string') return `slack ${body.channel}`;
  return `${c.listener} ${c.path.toLowerCase()}`;
}

/** Calls per resource, in order, without what a client makes up per request (request ids). */
function callsByResource(r: Report): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of r.calls) {
    const body = c.body && typeof c.body === 'object' ? { ...(c.body as Record<string, unknown>) } : c.body;
    if (body && typeof body === 'object') delete (body as Record<string, unknown>)['client-request-id'];
    const query = Object.entries(c.query ?? {}).filter(([k]) => k !== 'client-request-id');
    (out[resourceOf(c)] ??= []).push(`${c.method} ${c.path} ${JSON.stringify(query)} ${c.status} ${c.time} ${JSON.stringify(withoutPorts(body ?? null))}`);
  }
  return out;
}

describe.each(WINDOWS.map((w, i) => [w, i] as const))('%s, undisturbed and beside four CPU burners with slowed activities', (_window, i) => {
  it('succeeds both times', () => {
    expect([quiet[i]!.status.state, loaded[i]!.status.state]).toEqual(['succeeded', 'succeeded']);
  });

  it('gives every step the same state and the same virtual start and end', () => {
    const a = timeline(quiet[i]!);
    expect(Object.keys(a).length).toBeGreaterThan(10);
    expect(Object.values(a).filter((s) => s.start && s.end).length).toBeGreaterThan(10);
    expect(timeline(loaded[i]!)).toEqual(a);
  });

  it('ends the window at the same virtual time', () => {
    expect(quiet[i]!.status.finishedAt).toBeDefined();
    expect(loaded[i]!.status.finishedAt).toBe(quiet[i]!.status.finishedAt);
  });

  it('leaves the same estate', () => {
    expect(withoutPorts(loaded[i]!.estate)).toEqual(withoutPorts(quiet[i]!.estate));
  });

  it('makes the same vendor calls, in the same order, on every resource', () => {
    const a = callsByResource(quiet[i]!);
    expect(Object.keys(a).length).toBeGreaterThan(20);
    expect(callsByResource(loaded[i]!)).toEqual(a);
  });
});
