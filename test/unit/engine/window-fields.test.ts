import { readFileSync } from 'fs';
import { join } from 'path';
import type { OrchestrationContext, Task } from 'durable-functions';
import { changeActivities } from '../../../shared/activities/changes';
import type { ActivityDeps } from '../../../shared/activities/types';
import { undoActivities } from '../../../shared/activities/undo';
import type { LedgerEntry } from '../../../shared/orchestrations/contracts';
import { runCanary } from '../../../shared/orchestrations/kinds/canary';
import type { KindRunner, StepContext } from '../../../shared/orchestrations/kinds/common';
import { runPage } from '../../../shared/orchestrations/kinds/page';
import { runAlerts } from '../../../shared/orchestrations/kinds/alerts';
import { runTakedown } from '../../../shared/orchestrations/kinds/takedown';
import { Activities } from '../../../shared/orchestrations/names';
import { loadWindowText } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { compileRunbook, type RunbookStep, type StepSpec } from '../../../shared/window/runbook';
import type { ConsulKvOptions } from '../../../shared/ports/consul';

/** Every field a window accepts changes what a run does: the fields whose effect lives in a step kind. */


function runbookStep(file: string, stepId: string, edit: (text: string) => string = (t) => t): RunbookStep {
  const text = edit(readFileSync(join(__dirname, '../../..', file), 'utf8'));
  const { window, problems } = loadWindowText(text, file);
  expect(problems).toEqual([]);
  return compileRunbook(window!, planWindow(window!, { recommend: false }), 'test').steps.find((s) => s.id === stepId)!;
}

interface Call {
  name: string;
  input: Record<string, unknown>;
}

/**
 * Runs a step kind with a fake durable context: every activity answers `respond(name, input)`,
 * until the kind returns or `stopAt` says so. Returns the activity calls in order.
 */
function drive<K extends StepSpec['kind']>(runner: KindRunner<K>, step: RunbookStep, respond: (call: Call) => unknown, stopAt: (call: Call) => boolean = () => false): Call[] {
  const calls: Call[] = [];
  const pending = { isCompleted: false } as unknown as Task;
  const context = {
    df: {
      instanceId: 'window-w:step',
      currentUtcDateTime: new Date('2025-09-07T00:00:00Z'),
      callActivityWithRetry: (name: string, _policy: unknown, input: Record<string, unknown>) => ({ kind: 'activity', name, input }),
      callEntity: () => ({ kind: 'entity' }),
      signalEntity: () => undefined,
      createTimer: () => ({ kind: 'timer', cancel: () => undefined }),
      waitForExternalEvent: () => pending,
      Task: { any: () => ({ kind: 'any' }) },
    },
  } as unknown as OrchestrationContext;
  let order = 0;
  const sc: StepContext = {
    context,
    input: { windowId: 'w', runId: 'r1', revision: 'test', startedBy: 'test', step, timeZone: 'America/New_York', failureChannels: ['#failures'], milestoneChannels: ['#milestones'], pollMinutes: 1 },
    abort: pending,
    spec: step.spec,
    abortRequested: false,
    nextOrder: () => ++order,
    record: function* () {
      /* nothing to record */
    },
  };
  const gen = runner(sc, step.spec as Extract<StepSpec, { kind: K }>);
  let value: unknown;
  for (let i = 0; i < 200; i++) {
    const next = gen.next(value);
    if (next.done) return calls;
    const task = next.value as unknown as { kind: string; name: string; input: Record<string, unknown> };
    if (task.kind === 'entity') value = true;
    else if (task.kind !== 'activity') value = undefined;
    else {
      const c = { name: task.name, input: task.input };
      calls.push(c);
      if (stopAt(c)) return calls;
      value = respond(c);
    }
  }
  throw new Error('the step did not finish in 200 yields');
}

const allFine = (c: Call): unknown => {
  if (c.name === Activities.runProbes) return { ok: true, failures: [] };
  if (c.name === Activities.resolveServers) return { ok: true, addresses: { 'IC-W25-Web01': '10.0.0.9' } };
  if (c.name === Activities.beginPoolWrite) return { ok: true, members: 3 };
  if (c.name === Activities.dnsStillAt) return { ok: true, still: [] };
  return { ok: true };
};

/** In-memory ports and ledger for the change and undo activities. */
function fakeEstate(kv: Record<string, string>) {
  const ledger = new Map<string, LedgerEntry>();
  const store = {
    addLedger: async (_w: string, entry: LedgerEntry) => ledger.get(entry.key) ?? (ledger.set(entry.key, entry), entry),
    getLedger: async (_w: string, key: string) => ledger.get(key),
    settleLedger: async (_w: string, key: string, state: LedgerEntry['state']) => void ledger.set(key, { ...ledger.get(key)!, state }),
  };
  const seen: string[] = [];
  const at = (options?: ConsulKvOptions) => options?.datacenter ?? '(agent dc)';
  const consul = {
    getKey: async (key: string, options?: ConsulKvOptions) => (seen.push(`get ${key} in ${at(options)}`), kv[key]),
    putKey: async (key: string, value: string, options?: ConsulKvOptions) => void (seen.push(`put ${key}=${value} in ${at(options)}`), (kv[key] = value)),
    deleteKey: async (key: string, options?: ConsulKvOptions) => void (seen.push(`delete ${key} in ${at(options)}`), delete kv[key]),
  };
  return { deps: { ports: { consul }, store } as unknown as ActivityDeps, kv, ledger, seen };
}

describe('consulEstates.*.maintenanceKey.restoreValue', () => {
  const withRestoreValue = (text: string) => text.replace('      value: "on"\n', '      value: "on"\n      restoreValue: "off"\n');

  it('is what the take-down asks the restore to write back', () => {
    const calls = drive(runTakedown, runbookStep('windows/consul-takedown.yaml', 'take-down', withRestoreValue), allFine);
    expect(calls.find((c) => c.name === Activities.setConsulKey)?.input).toMatchObject({ key: 'haproxy/billpay/maintenance', value: 'on', restoreValue: 'off' });
  });

  it('is absent without it: the restore puts back what was there', () => {
    const calls = drive(runTakedown, runbookStep('windows/consul-takedown.yaml', 'take-down'), allFine);
    expect(calls.find((c) => c.name === Activities.setConsulKey)?.input).not.toHaveProperty('restoreValue');
  });

  it('is written back by the undo, over the value the key had', async () => {
    const { deps, kv } = fakeEstate({ 'haproxy/m': 'maybe' });
    const ledger = { key: 'estate:b:key', stepId: 'take-down', order: 1, description: 'key back' };
    expect(await changeActivities(deps).setConsulKey({ windowId: 'w', key: 'haproxy/m', value: 'on', restoreValue: 'off', ledger })).toMatchObject({ ok: true });
    expect(kv['haproxy/m']).toBe('on');
    expect(await undoActivities(deps).undoLedgerEntry({ windowId: 'w', key: 'estate:b:key', at: '2025-10-15T22:00:00Z' })).toMatchObject({ ok: true });
    expect(kv['haproxy/m']).toBe('off');
  });

  it('without it the undo puts back the value the key had, and deletes a key there was not', async () => {
    const had = fakeEstate({ 'haproxy/m': 'maybe' });
    const ledger = { key: 'estate:b:key', stepId: 'take-down', order: 1, description: 'key back' };
    await changeActivities(had.deps).setConsulKey({ windowId: 'w', key: 'haproxy/m', value: 'on', ledger });
    await undoActivities(had.deps).undoLedgerEntry({ windowId: 'w', key: 'estate:b:key', at: '2025-10-15T22:00:00Z' });
    expect(had.kv['haproxy/m']).toBe('maybe');

    const none = fakeEstate({});
    await changeActivities(none.deps).setConsulKey({ windowId: 'w', key: 'haproxy/m', value: 'on', ledger });
    await undoActivities(none.deps).undoLedgerEntry({ windowId: 'w', key: 'estate:b:key', at: '2025-10-15T22:00:00Z' });
    expect(none.kv).not.toHaveProperty('haproxy/m');
  });

  it('on a maintenance page\'s Consul key too', () => {
    const step = runbookStep('windows/consul-takedown.yaml', 'take-down');
    const page: RunbookStep = { ...step, spec: { kind: 'maintenance-page', page: 'p', action: 'up', consul: { key: 'k', value: 'on', restoreValue: 'off' }, pingdomChecks: [], channels: [] } };
    expect(drive(runPage, page, allFine).find((c) => c.name === Activities.setConsulKey)?.input).toMatchObject({ key: 'k', restoreValue: 'off' });
  });
});

describe('consulEstates.*.partners', () => {
  const notices = (stepId: string) =>
    drive(runTakedown, runbookStep('windows/consul-takedown.yaml', stepId), allFine)
      .filter((c) => c.name === Activities.notify)
      .map((c) => String(c.input.text));

  it('are named in the take-down notice and the restore notice', () => {
    expect(notices('take-down').join('\n')).toContain('Tell Malauzai: the API answers 503 until the restore.');
    expect(notices('restore').join('\n')).toContain('Tell Malauzai: the API is back.');
  });

  it('are not mentioned when the estate lists none', () => {
    const step = runbookStep('windows/consul-takedown.yaml', 'take-down', (t) => t.replace('    partners: [Malauzai]\n', ''));
    const texts = drive(runTakedown, step, allFine).filter((c) => c.name === Activities.notify).map((c) => String(c.input.text));
    expect(texts.join('\n')).not.toContain('Tell ');
  });
});

describe('teams.*.channel and teams.*.apps', () => {
  const firstCheckpoint = (edit?: (text: string) => string) =>
    drive(runCanary, runbookStep('windows/2025-09-08-canary.yaml', 'new-server-canary', edit), allFine, (c) => c.name === Activities.notify && String(c.input.key).includes('checkpoint')).at(-1)!.input;

  it('ask each checkpoint in the team\'s channel too, naming the applications it watches', () => {
    const asked = firstCheckpoint((t) => t.replace('    channel: "#prod-server-2025-rollout"\n', '    channel: "#team-one"\n'));
    expect(asked.channels).toEqual(['#prod-server-2025-rollout', '#team-one']);
    expect(String(asked.text)).toContain('(ICTEMPLATES, STRATUSWEBSERVICES');
  });

  it('are the step\'s channel alone when every team listens there', () => {
    expect(firstCheckpoint().channels).toEqual(['#prod-server-2025-rollout']);
  });
});

describe('consulEstates.*.datacenter', () => {
  it('goes with the take-down\'s key, and the key is read, set and put back in that datacenter', async () => {
    const calls = drive(runTakedown, runbookStep('windows/consul-takedown.yaml', 'take-down'), allFine);
    const set = calls.find((c) => c.name === Activities.setConsulKey)!.input as { key: string; value: string; datacenter?: string };
    expect(set.datacenter).toBe('prd-dc1');

    const { deps, seen } = fakeEstate({});
    const ledger = { key: 'estate:b:key', stepId: 'take-down', order: 1, description: 'key back' };
    await changeActivities(deps).setConsulKey({ windowId: 'w', key: set.key, value: set.value, ...(set.datacenter ? { datacenter: set.datacenter } : {}), ledger });
    await undoActivities(deps).undoLedgerEntry({ windowId: 'w', key: 'estate:b:key', at: '2025-10-15T22:00:00Z' });
    expect(seen).toEqual(['get haproxy/billpay/maintenance in prd-dc1', 'put haproxy/billpay/maintenance=on in prd-dc1', 'delete haproxy/billpay/maintenance in prd-dc1']);
  });

  it('is the agent\'s own when the estate names none', () => {
    const step = runbookStep('windows/consul-takedown.yaml', 'take-down', (t) => t.replace('    datacenter: prd-dc1\n', ''));
    expect(drive(runTakedown, step, allFine).find((c) => c.name === Activities.setConsulKey)!.input).not.toHaveProperty('datacenter');
  });
});

describe('description, source and tickets of the window', () => {
  it('go into the runbook for the report', () => {
    const text = readFileSync(join(__dirname, '../../..', 'windows/consul-takedown.yaml'), 'utf8');
    const { window } = loadWindowText(text, 'consul-takedown.yaml');
    const runbook = compileRunbook(window!, planWindow(window!, { recommend: false }), 'test');
    expect(runbook.about).toEqual({ description: expect.stringMatching(/^Take every BillPay service offline/), source: '#Maintenance: Service Take Down/Restore Procedure' });
  });
});

describe('titles of maintenance pages, alert sets and Consul estates', () => {
  const notices = (file: string, stepId: string) =>
    drive(runbookRunner(runbookStep(file, stepId)), runbookStep(file, stepId), allFine)
      .filter((c) => c.name === Activities.notify)
      .map((c) => String(c.input.text));

  it('name them in their notices, with the id the CLI takes', () => {
    expect(notices('windows/2025-06-22-monthly.yaml', 'page-up')).toContainEqual(expect.stringMatching(/^:construction: Maintenance page public \(Maintenance page for www, my and sso\) is UP/));
    expect(notices('windows/2025-04-13-monthly.yaml', 'disable-other-alerts')).toContainEqual(expect.stringMatching(/^:no_bell: Alerts paused: other-alerts \(App and gateway server alerts, off while the maintenance page is up\): /));
    expect(notices('windows/consul-takedown.yaml', 'take-down')).toContainEqual(expect.stringMatching(/^:construction: billpay \(BillPay production behind HAProxy\) is down for maintenance/));
  });
});

/** The kind runner of a compiled step. */
function runbookRunner(step: RunbookStep): KindRunner<never> {
  const runners = { 'maintenance-page': runPage, alerts: runAlerts, takedown: runTakedown } as Record<string, unknown>;
  return runners[step.spec.kind] as KindRunner<never>;
}

describe('maintenance page down, read back', () => {
  const step = runbookStep('windows/consul-takedown.yaml', 'take-down');
  const down: RunbookStep = { ...step, spec: { kind: 'maintenance-page', page: 'public', action: 'down', cloudflare: { zone: 'example.com', hostnames: ['www.example.com', 'my.example.com'], origin: 'origin.example.com', maintenance: 'maint.example.net', purgeCache: false }, pingdomChecks: [], channels: ['#ops'] } };
  const announced = (calls: Call[]) => calls.some((c) => c.name === Activities.notify && String(c.input.text).includes('is DOWN'));

  it('is announced once the records no longer point at the maintenance target', () => {
    const calls = drive(runPage, down, allFine);
    expect(calls.find((c) => c.name === Activities.dnsStillAt)?.input).toMatchObject({ zone: 'example.com', hostnames: ['www.example.com', 'my.example.com'], content: 'maint.example.net' });
    expect(announced(calls)).toBe(true);
  });

  it('points a record whose saved value was lost at the window\'s origin, and says so to the failure channels', () => {
    const calls = drive(runPage, down, (c) => (c.name === Activities.dnsStillAt ? { ok: true, still: ['www.example.com'] } : c.name === Activities.pointDnsBack ? { ok: true, moved: ['www.example.com'] } : allFine(c)));
    expect(calls.find((c) => c.name === Activities.pointDnsBack)?.input).toEqual({ zone: 'example.com', hostnames: ['www.example.com'], from: 'maint.example.net', to: 'origin.example.com' });
    const warning = calls.find((c) => c.name === Activities.notify && String(c.input.text).includes('had no saved value'));
    expect(warning?.input.text).toContain('origin.example.com');
    expect(announced(calls)).toBe(true);
  });

  it('fails when the fallback cannot point it back either, never saying it is down', () => {
    const calls = drive(runPage, down, (c) => (c.name === Activities.dnsStillAt ? { ok: true, still: ['www.example.com'] } : c.name === Activities.pointDnsBack ? { ok: false, message: 'zone locked' } : allFine(c)));
    expect(calls.some((c) => c.name === Activities.pointDnsBack)).toBe(true);
    expect(announced(calls)).toBe(false);
  });

  it('points back only the records still at the maintenance target', async () => {
    const records: Record<string, string> = { 'www.example.com': 'maint.example.net', 'my.example.com': 'elsewhere.example.com' };
    const set: string[] = [];
    const dns = {
      findZoneId: async () => 'z1',
      findRecord: async (_z: string, h: string) => (records[h] ? { id: h, name: h, content: records[h] } : undefined),
      setRecordContent: async (_z: string, id: string, content: string) => void (set.push(`${id}=${content}`), (records[id] = content)),
    };
    const deps = { ports: { dns }, store: {} } as unknown as ActivityDeps;
    const input = { zone: 'example.com', hostnames: ['www.example.com', 'my.example.com'], from: 'maint.example.net', to: 'origin.example.com' };
    expect(await changeActivities(deps).pointDnsBack(input)).toEqual({ ok: true, moved: ['www.example.com'] });
    // Again (a retry after a lost reply): nothing left to move.
    expect(await changeActivities(deps).pointDnsBack(input)).toEqual({ ok: true, moved: [] });
    expect(set).toEqual(['www.example.com=origin.example.com']);
  });

  it('reads each record: the hostnames still at the target', async () => {
    const records: Record<string, string> = { 'www.example.com': 'maint.example.net', 'my.example.com': 'origin.example.com' };
    const dns = { findZoneId: async () => 'z1', findRecord: async (_z: string, h: string) => (records[h] ? { id: h, name: h, content: records[h] } : undefined) };
    const deps = { ports: { dns }, store: {} } as unknown as ActivityDeps;
    expect(await changeActivities(deps).dnsStillAt({ zone: 'example.com', hostnames: ['www.example.com', 'my.example.com', 'gone.example.com'], content: 'maint.example.net' })).toEqual({ ok: true, still: ['www.example.com'] });
  });
});
