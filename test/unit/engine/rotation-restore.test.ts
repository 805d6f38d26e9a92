import type { ActivityDeps } from '../../../shared/activities/types';
import { secretActivities } from '../../../shared/activities/secrets';
import { undoActivities } from '../../../shared/activities/undo';
import type { LedgerEntry } from '../../../shared/orchestrations/contracts';
import type { SecretVersionInfo } from '../../../shared/ports/secrets';

/**
 * The restore walk and a finished rotation: Key Vault's own tag, not only the ledger, says the
 * rotation finished. A ledger record lost from storage (Azurite killed, docs/benchmarks.md) once
 * let the walk roll a finished rotation back, and bring back a Mailgun key already deleted.
 */
function estate() {
  const versions: (SecretVersionInfo & { value: string })[] = [
    { version: 'v1', enabled: true, createdOn: '2025-06-01', tags: { mailgunKeyId: 'k-old' }, value: 'old' },
    { version: 'v2', enabled: true, createdOn: '2025-06-22', tags: { mwRotation: 'w:rotate', mailgunKeyId: 'k-new', previousVersion: 'v1', previousKeyId: 'k-old' }, value: 'new' },
  ];
  const keys = new Set(['k-old', 'k-new']);
  const writes: string[] = [];
  const info = ({ value: _v, ...rest }: (typeof versions)[number]) => rest;
  const secrets = {
    listVersions: async () => versions.map(info),
    getSecretValue: async (_vault: string, _name: string, version?: string) => {
      const v = versions.find((x) => x.version === version);
      return v ? { value: v.value, info: info(v) } : undefined;
    },
    setSecret: async (_vault: string, _name: string, value: string, tags: Record<string, string>) => {
      const v = { version: `v${versions.length + 1}`, enabled: true, tags, value };
      versions.push(v);
      writes.push(`set ${v.version}`);
      return info(v);
    },
    setVersionEnabled: async (_vault: string, _name: string, version: string, enabled: boolean) => void writes.push(`${enabled ? 'enable' : 'disable'} ${version}`),
    setVersionTags: async (_vault: string, _name: string, version: string, tags: Record<string, string>) => {
      versions.find((v) => v.version === version)!.tags = tags;
      writes.push(`tag ${version}`);
    },
  };
  const mail = {
    listKeys: async () => [...keys].map((id) => ({ id, description: id })),
    deleteKey: async (id: string) => void (keys.delete(id), writes.push(`delete ${id}`)),
  };
  const entry: LedgerEntry = {
    key: 'rollout',
    stepId: 'rotate-mailgun',
    order: 1,
    action: { type: 'secret-rollback', vault: 'kv', name: 'Mailgun-ApiKey', toVersion: 'v1', disableVersion: 'v2', deleteKeyId: 'k-new', recycle: [] },
    description: 'back',
    state: 'open',
  };
  const ledger = new Map([[entry.key, entry]]);
  const store = {
    getLedger: async (_w: string, key: string) => ledger.get(key),
    settleLedger: async (_w: string, key: string, state: LedgerEntry['state']) => void ledger.set(key, { ...ledger.get(key)!, state }),
  };
  const deps = { ports: { secrets, mail }, store } as unknown as ActivityDeps;
  return { deps, versions, keys, writes, ledger };
}

const undo = (deps: ActivityDeps) => undoActivities(deps).undoLedgerEntry({ windowId: 'w', key: 'rollout', at: '2025-06-22T14:00:00Z' });

describe('the restore walk and a rotation that finished', () => {
  it('leaves a rotation Key Vault marks rolled out alone, even with its ledger entry still open', async () => {
    const { deps, keys, writes, ledger } = estate();
    expect(await secretActivities(deps).markRolledOut({ windowId: 'w', vault: 'kv', name: 'Mailgun-ApiKey', version: 'v2' })).toEqual({ ok: true });
    // Marked once: a retry after a lost reply writes nothing more.
    expect(await secretActivities(deps).markRolledOut({ windowId: 'w', vault: 'kv', name: 'Mailgun-ApiKey', version: 'v2' })).toEqual({ ok: true });
    expect(writes).toEqual(['tag v2']);
    expect(await undo(deps)).toMatchObject({ ok: true, skipped: false });
    expect(writes).toEqual(['tag v2']);
    expect([...keys]).toEqual(['k-old', 'k-new']);
    expect(ledger.get('rollout')?.state).toBe('undone');
  });

  it('keeps the other tags when it marks', async () => {
    const { deps, versions } = estate();
    await secretActivities(deps).markRolledOut({ windowId: 'w', vault: 'kv', name: 'Mailgun-ApiKey', version: 'v2' });
    expect(versions[1]!.tags).toEqual({ mwRotation: 'w:rotate', mailgunKeyId: 'k-new', previousVersion: 'v1', previousKeyId: 'k-old', mwRolledOut: 'true' });
  });

  it('rolls back a rotation that did not finish: the old value again, the new version off, the new key deleted', async () => {
    const { deps, keys, writes, versions } = estate();
    expect(await undo(deps)).toMatchObject({ ok: true, skipped: false });
    expect(writes).toEqual(['set v3', 'disable v2', 'delete k-new']);
    expect(versions[2]).toMatchObject({ value: 'old', tags: { mwRollbackOf: 'v2' } });
    expect([...keys]).toEqual(['k-old']);
  });

  it('refuses, loudly, to bring back a Mailgun key that no longer exists', async () => {
    const { deps, keys, writes, ledger } = estate();
    keys.delete('k-old');
    const out = (await undo(deps)) as { ok: boolean; code?: string; message?: string };
    expect(out).toMatchObject({ ok: false, code: 'PreviousKeyGone' });
    expect(out.message).toContain('k-old');
    expect(writes).toEqual([]);
    expect(ledger.get('rollout')?.state).toBe('open');
  });
});
