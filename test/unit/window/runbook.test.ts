import { readFileSync } from 'fs';
import { join } from 'path';
import { loadWindowText } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { compileRunbook, revisionOf, type Runbook, type RunbookStep } from '../../../shared/window/runbook';

/** The runbook is the engine's input: every dependency, instant and resource id resolved. */

function runbookOf(file: string): Runbook {
  const text = readFileSync(join(__dirname, '../../../windows', file), 'utf8');
  const { window, problems } = loadWindowText(text, file);
  expect(problems).toEqual([]);
  return compileRunbook(window!, planWindow(window!), revisionOf(text));
}

function step(runbook: Runbook, id: string): RunbookStep {
  const found = runbook.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

describe('runbook of 2025-06-22-monthly', () => {
  const runbook = runbookOf('2025-06-22-monthly.yaml');

  it('lists steps so that every dependency comes first', () => {
    const seen = new Set<string>();
    for (const s of runbook.steps) {
      for (const dep of s.deps) expect(seen.has(dep)).toBe(true);
      seen.add(s.id);
    }
    expect(seen.size).toBe(runbook.steps.length);
  });

  it('resolves the second web batch to five servers drained from both pools, gated at 04:30 EDT', () => {
    const batch = step(runbook, 'web-batch-2');
    expect(batch.notBefore).toBe('2025-06-22T08:30:00.000Z');
    if (batch.spec.kind !== 'patch') throw new Error('not a patch step');
    expect(batch.spec.batches).toHaveLength(1);
    expect(batch.spec.batches[0]!.members.map((m) => m.name)).toEqual(['IC-Web6', 'IC-Web7', 'IC-Web8', 'IC-Web9', 'IC-Web10']);
    expect(batch.spec.batches[0]!.members[0]!.vmId).toMatch(/\/providers\/Microsoft\.Compute\/virtualMachines\/IC-Web6$/);
    expect(batch.spec.pools.map((p) => [p.id, p.kind, p.floor, p.members.length])).toEqual([
      ['agw-web', 'application-gateway', 5, 10],
      ['ilb-web', 'load-balancer', 5, 10],
    ]);
    expect(batch.spec.patch.maximumDurationInMinutes).toBe(235);
  });

  it('inherits the changes phase start (05:00 EDT) and its wait for the maintenance page', () => {
    const app = step(runbook, 'patch-app');
    expect(app.notBefore).toBe('2025-06-22T09:00:00.000Z');
    expect(app.deps).toContain('page-up');
  });

  it('keeps rollout batches waiting on patching as finish-after, not start, dependencies', () => {
    const rotation = step(runbook, 'machinekey-rotation');
    expect(rotation.deps).not.toContain('web-batch-2');
    expect(rotation.finishAfter).toContain('web-batch-2');
    if (rotation.spec.kind !== 'rotate-secret') throw new Error('not a rotation');
    expect(rotation.spec.validateOn.name).toBe('IC-Web3');
    expect(rotation.spec.batches.map((b) => b.after)).toEqual([[], ['web-batch-2']]);
  });

  it('marks skipped steps with their reason', () => {
    expect(step(runbook, 'patch-terminal-services').skip).toMatch(/^No Jira ticket/);
  });

  it('names a revision from the file content', () => {
    expect(runbook.revision).toMatch(/^[0-9a-f]{16}$/);
    expect(revisionOf('a')).not.toBe(revisionOf('b'));
  });
});

describe('runbook of 2025-02-23-monthly', () => {
  const runbook = runbookOf('2025-02-23-monthly.yaml');

  it('turns pipeline tags into full refs', () => {
    const refs = runbook.steps.flatMap((s) => (s.spec.kind === 'pipeline' ? [s.spec.pipeline.refName] : []));
    expect(refs).toContain('refs/tags/platform-0/2.106.0');
  });
});
