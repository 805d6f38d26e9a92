import { runCommandPrefix } from '../../shared/activities/runNames';
import { rehearse, slackTexts, type Report } from './harness';

/**
 * Rotations in the seeds' order, safely (2025-06-22): the old Mailgun key outlives the cronjob's
 * Kubernetes secret fix, and a roll-out stopped part-way puts every server back on one version.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const OLD_KEY = '5c2e88d0-19ab4f31';
type Version = { version: string; enabled: boolean; created: number; tags: Record<string, string> };
type Vm = { appPools: Record<string, { recycles: number; lastRecycledAt?: string }> };
const versions = (r: Report, name: string): Version[] => r.estate.keyvault.secrets[name].versions as Version[];
const keyIds = (r: Report): string[] => (r.estate.mailgun.keys as { id: string }[]).map((k) => k.id);
const stepOf = (r: Report, id: string) => r.status.steps.find((s) => s.id === id)!;
const asMs = (t: number | string): number => (typeof t === 'number' ? (t < 1e12 ? t * 1000 : t) : Date.parse(t));
/** The last IIS recycle of a VM (any app pool), in ms, or undefined when never recycled. */
const lastRecycle = (r: Report, vm: string): number | undefined => {
  const pools = Object.values((r.estate.arm.virtualMachines as Record<string, Vm>)[vm]!.appPools).flatMap((p) => (p.lastRecycledAt ? [Date.parse(p.lastRecycledAt)] : []));
  return pools.length > 0 ? Math.max(...pools) : undefined;
};
const consumers = [...Array.from({ length: 10 }, (_, i) => `IC-Web${i + 1}`), 'IC-App1', 'IC-App2', 'IC-App3', 'IC-App4', 'IC-GW1', 'IC-GW2'];

describe('a Mailgun rotation aborted mid-roll (rolled to IC-Web1-5, waiting for the app servers)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse('windows/2025-06-22-monthly.yaml', {
      abortWhen: { step: 'mailgun-rotation', state: 'doing', detail: 'waiting for patch-app', reason: 'Mailgun errors from web2' },
    });
  });

  it('stops the window and the rotation part-way', () => {
    expect(r.status.state).toBe('aborted');
    expect(stepOf(r, 'mailgun-rotation').state).toBe('aborted');
    expect(stepOf(r, 'mailgun-rotation').detail).toMatch(/^aborted before roll-out batch 2; the restore walk rolls IC-Web3, IC-Web1, IC-Web2, IC-Web4, IC-Web5 back$/);
  });

  it('puts Key Vault back on the previous version and deletes the new key; the old key is not deleted', () => {
    const all = versions(r, 'Mailgun-ApiKey');
    const rotated = all.find((v) => v.tags.mwRotation)!;
    const rollback = all.find((v) => v.tags.mwRollbackOf === rotated.version)!;
    expect(rotated.enabled).toBe(false);
    expect(rollback.enabled).toBe(true);
    expect(rollback.tags.mailgunKeyId).toBe(OLD_KEY);
    expect(keyIds(r)).toContain(OLD_KEY);
    expect(keyIds(r)).not.toContain(rotated.tags.mailgunKeyId);
  });

  it("deletes the window's finished run commands from its servers after the restore walk (none of them is left)", () => {
    const deleted = r.calls.filter((c) => c.listener === 'arm' && c.method === 'DELETE' && /\/runCommands\/mw-/.test(c.path));
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((c) => c.status === 200 || c.status === 204)).toBe(true);
    const held = Object.values(r.estate.arm.virtualMachines as Record<string, { runCommands: string[] }>).flatMap((v) => v.runCommands);
    expect(held.filter((n) => n.startsWith(runCommandPrefix(r.windowId)))).toEqual([]);
  });

  it('leaves every server on one version: each that read the new key since it was created has read the old one again', () => {
    const all = versions(r, 'Mailgun-ApiKey');
    const rotated = all.find((v) => v.tags.mwRotation)!;
    const rollback = all.find((v) => v.tags.mwRollbackOf === rotated.version)!;
    const tookNew = consumers.filter((vm) => (lastRecycle(r, vm) ?? 0) >= asMs(rotated.created));
    // The five rolled (and recycled again by the restore walk), and nobody else.
    expect(tookNew.sort()).toEqual(['IC-Web1', 'IC-Web2', 'IC-Web3', 'IC-Web4', 'IC-Web5']);
    for (const vm of tookNew) expect(lastRecycle(r, vm)!).toBeGreaterThanOrEqual(asMs(rollback.created));
    // The restore walk did it, and the record says so.
    expect(r.status.stillChanged.filter((c) => c.step === 'mailgun-rotation')).toEqual([]);
  });
});

describe('the old Mailgun key waits for the cronjob secret fix (2025-06-22)', () => {
  let r: Report;
  beforeAll(async () => {
    r = await rehearse('windows/2025-06-22-monthly.yaml', { manual: { 'mailgun-k8s-cronjob-secret': 'failed' } });
  });

  it('keeps the old key when the fix did not get done, and says so loudly', () => {
    expect(stepOf(r, 'mailgun-rotation').state).toBe('done');
    expect(stepOf(r, 'mailgun-k8s-cronjob-secret').state).toBe('failed');
    expect(keyIds(r)).toContain(OLD_KEY);
    expect(r.status.summary).toMatch(/\nOLD KEY KEPT \(mailgun-rotation\): old Mailgun key 5c2e88d0-19ab4f31 kept: mailgun-k8s-cronjob-secret failed; delete it by hand once every consumer has the new key/);
    expect(slackTexts(r, 'platform-support').some((t) => t.startsWith(':rotating_light: mailgun-rotation: old Mailgun key 5c2e88d0-19ab4f31 kept'))).toBe(true);
    const recorded = r.status.events.filter((e) => e.type === 'old-key').map((e) => e.data as { deleted: boolean });
    expect(recorded).toEqual([expect.objectContaining({ deleted: false })]);
  });
});
