import { ACTIONS, allows } from '../../../shared/preflight/actions';
import { readOperationMap, readRoles } from '../../support/azureCalls';

/** The actions the pre-flight asks the permissions API about are the ones the app's calls need. */

describe('the actions a window needs', () => {
  const mapped = new Set(readOperationMap().operations.flatMap((o) => o.actions ?? []));
  const granted = new Set(readRoles().estate.permissions.flatMap((p) => p.actions));

  it.each(Object.entries(ACTIONS))('%s: every action is one a recorded call needs (infra/app/roles/operations.json) and the estate role grants', (_kind, actions) => {
    expect(actions.filter((a) => !mapped.has(a))).toEqual([]);
    expect(actions.filter((a) => !granted.has(a))).toEqual([]);
  });

  it('covers every estate-role action the app uses in a resource group', () => {
    const asked = new Set<string>(Object.values(ACTIONS).flat());
    expect([...granted].filter((a) => !asked.has(a))).toEqual([]);
  });
});

describe('allows', () => {
  const grant = (actions: string[], notActions: string[] = []) => [{ actions, notActions, dataActions: [], notDataActions: [] }];

  it('matches exactly, case-insensitively, and through wildcards', () => {
    expect(allows(grant(['Microsoft.Compute/virtualMachines/read']), 'microsoft.compute/virtualmachines/READ')).toBe(true);
    expect(allows(grant(['Microsoft.Network/*']), 'Microsoft.Network/applicationGateways/write')).toBe(true);
    expect(allows(grant(['*/read']), 'Microsoft.Network/applicationGateways/read')).toBe(true);
    expect(allows(grant(['*/read']), 'Microsoft.Network/applicationGateways/write')).toBe(false);
  });

  it('takes notActions away within the same grant only', () => {
    expect(allows(grant(['*'], ['Microsoft.Network/applicationGateways/write']), 'Microsoft.Network/applicationGateways/write')).toBe(false);
    expect(allows([...grant(['*'], ['Microsoft.Network/*']), ...grant(['Microsoft.Network/applicationGateways/write'])], 'Microsoft.Network/applicationGateways/write')).toBe(true);
  });

  it('allows nothing without grants', () => {
    expect(allows([], 'Microsoft.Compute/virtualMachines/read')).toBe(false);
  });
});
