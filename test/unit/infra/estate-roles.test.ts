import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { readOperationMap, readRecorded, readRoles, roleProblems, ROOT, type Roles } from '../../support/azureCalls';

/**
 * Least privilege, checked: every Azure operation the adapters call in the end-to-end rehearsals
 * (test/fixtures/azure-calls.json, which every end-to-end rehearsal checks its own calls against) maps to its RBAC
 * actions (infra/app/roles/operations.json), and the custom roles the Bicep deploys grant exactly
 * those, where the calls go.
 */

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const recorded = readRecorded();
const map = readOperationMap();
const roles = readRoles();
const clone = (r: Roles): Roles => JSON.parse(JSON.stringify(r)) as Roles;
const params = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };

describe('roles against calls', () => {
  it('the rehearsals call Azure (the recording is not empty)', () => {
    expect(recorded.operations.length).toBeGreaterThan(10);
    expect(recorded.operations).toContain('arm POST /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}/installPatches');
    expect(recorded.operations).toContain('arm PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/applicationGateways/{name}');
    expect(recorded.operations).toContain('keyvault PUT /secrets/{name}');
  });

  it('every call maps to actions, and the roles grant exactly those', () => {
    expect(roleProblems(recorded, map, roles)).toEqual([]);
  });

  it('fails when a role loses an action a call needs', () => {
    const lessEstate = clone(roles);
    lessEstate.estate.permissions[0]!.actions = lessEstate.estate.permissions[0]!.actions.filter((a) => a !== 'Microsoft.Compute/virtualMachines/installPatches/action');
    expect(roleProblems(recorded, map, lessEstate)).toEqual([
      'estate role lacks Microsoft.Compute/virtualMachines/installPatches/action (actions), needed by arm POST /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}/installPatches',
    ]);
    const lessVault = clone(roles);
    lessVault.vault.permissions[0]!.dataActions = lessVault.vault.permissions[0]!.dataActions.filter((a) => a !== 'Microsoft.KeyVault/vaults/secrets/setSecret/action');
    expect(roleProblems(recorded, map, lessVault)).toEqual(['vault role lacks Microsoft.KeyVault/vaults/secrets/setSecret/action (dataActions), needed by keyvault PUT /secrets/{name}']);
    const lessStatus = clone(roles);
    lessStatus.status.permissions[0]!.actions = [];
    expect(roleProblems(recorded, map, lessStatus)).toHaveLength(2);
  });

  it('fails when a role grants more than the calls need, or a wildcard', () => {
    const more = clone(roles);
    more.estate.permissions[0]!.actions.push('Microsoft.Compute/virtualMachines/delete', 'Microsoft.Network/*');
    expect(roleProblems(recorded, map, more)).toEqual([
      'estate role grants Microsoft.Compute/virtualMachines/delete (actions), which no call needs',
      'estate role grants Microsoft.Network/* (actions), which no call needs',
      'estate role grants a wildcard, Microsoft.Network/*',
    ]);
  });

  it('fails on a call nobody mapped, and on a mapped call nobody makes', () => {
    const extraCall = { ...recorded, operations: [...recorded.operations, 'arm POST /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}/restart'] };
    expect(roleProblems(extraCall, map, roles)).toEqual(['arm POST /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}/restart: no entry in infra/app/roles/operations.json']);
    const fewerCalls = { ...recorded, operations: recorded.operations.filter((c) => c !== 'keyvault PATCH /secrets/{name}/{version}') };
    expect(roleProblems(fewerCalls, map, roles)).toEqual([
      'keyvault PATCH /secrets/{name}/{version}: mapped but never called in the rehearsals (remove it, or rehearse it)',
      'vault role grants Microsoft.KeyVault/vaults/secrets/update/action (dataActions), which no call needs',
    ]);
  });
});

describe('the Bicep deploys those roles where the calls go', () => {
  const definitions = read('infra/app/estate-role-definitions.bicep');
  const main = read('infra/main.bicep');

  it('defines each custom role from its JSON file (loadJsonContent) and no broad built-in estate role remains', () => {
    for (const file of ['estate-role.json', 'status-role.json', 'vault-role.json']) expect(definitions).toContain(`loadJsonContent('roles/${file}')`);
    const infra = readdirSync(join(ROOT, 'infra/app')).filter((f) => f.endsWith('.bicep')).map((f) => read(`infra/app/${f}`)).join('\n') + main;
    // Network Contributor, Virtual Machine Contributor, Monitoring Contributor, Key Vault Secrets Officer, Contributor, Owner.
    for (const broad of ['4d97b98b-1d4f-4787-a291-c67834d212e7', '9980e02c-c2be-4d73-94e8-173b1dc7cf3c', '749f88d5-cbae-40b8-bcfc-e573ddc772fa', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', 'b24988ac-6180-42a0-ab88-20f7382dd24c', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635']) {
      expect({ broad, found: infra.includes(broad) }).toEqual({ broad, found: false });
    }
  });

  it('main.bicep assigns the estate role on every managed scope, the status role on their subscriptions and the vault role on every estate vault', () => {
    expect(main).toMatch(/module estateScopes 'app\/estate-roles\.bicep' = \[for scopeId in managedScopes:/);
    expect(main).toMatch(/roleDefinitionId: estateRoles\.outputs\.estateRoleId/);
    expect(main).toMatch(/module estateStatus 'app\/estate-status\.bicep' = \[for sub in union\(map\(managedScopes,/);
    expect(main).toMatch(/roleDefinitionId: estateRoles\.outputs\.statusRoleId/);
    expect(main).toMatch(/module estateVaultAccess 'app\/estate-vault\.bicep' = \[for vaultId in estateVaults:/);
    expect(main).toMatch(/roleDefinitionId: estateRoles\.outputs\.vaultRoleId/);
  });

  it('main.parameters.json names a managed scope for every resource group the rehearsals changed or read, and the alert rules\' group', () => {
    const scopes = (params.parameters.managedScopes?.value as string[]).map((s) => s.toLowerCase());
    expect(recorded.resourceGroups.length).toBeGreaterThan(3);
    expect(recorded.resourceGroups.filter((g) => !scopes.includes(g))).toEqual([]);
    const alertScope = (params.parameters.vendorSettings?.value as Record<string, string>).MW_ALERT_RULES_SCOPE!.toLowerCase();
    expect(scopes).toContain(alertScope);
  });

  it('main.parameters.json names every vault a rotate-secret step writes as an estate vault', () => {
    const vaults = (params.parameters.estateVaults?.value as string[]).map((id) => id.split('/').at(-1)!.toLowerCase());
    const windowFiles = [...readdirSync(join(ROOT, 'windows')).map((f) => `windows/${f}`), ...readdirSync(join(ROOT, 'test/fixtures/windows')).map((f) => `test/fixtures/windows/${f}`)].filter((f) => f.endsWith('.yaml'));
    const written = new Set(windowFiles.flatMap((f) => [...read(f).matchAll(/\bvault:\s*([A-Za-z0-9-]+)/g)].map((m) => m[1]!.toLowerCase())));
    expect(written.size).toBeGreaterThan(0);
    expect([...written].filter((v) => !vaults.includes(v))).toEqual([]);
  });

  it('docs/deploy.md lists every action and data action the roles grant', () => {
    const doc = read('docs/deploy.md');
    const all = Object.values(roles).flatMap((r) => r.permissions.flatMap((p) => [...p.actions, ...p.dataActions]));
    expect(all.filter((a) => !doc.includes(`\`${a}\``))).toEqual([]);
  });
});
