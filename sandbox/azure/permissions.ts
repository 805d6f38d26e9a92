import { readFileSync } from 'fs';
import path from 'path';
import { z } from 'zod';
import type { Router, SandboxResponse } from '../core/types';
import { badRequest } from '../core/control';
import { ArmErrors } from './errors';
import { armRoute } from './armhttp';
import type { AzureModel } from './model';

/**
 * Microsoft.Authorization permissions (Permissions_ListForResourceGroup, 2022-04-01): what the
 * caller may do in a resource group. The simulated identity holds what the Bicep deployment grants
 * it: the estate role at every managed scope (infra/main.parameters.json `managedScopes`), read
 * from the source tree like the specs. A scope outside them exists but grants nothing.
 */
interface Grant {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

function infraDir(): string {
  const fromSource = path.resolve(__dirname, '..', '..', 'infra');
  return __dirname.includes(`${path.sep}dist${path.sep}`) ? path.resolve(__dirname, '..', '..', '..', 'infra') : fromSource;
}

/** The role assignments the deployment makes, or none when the infra files are not there (a trimmed copy). */
function deployedGrants(): { scopes: string[]; grant: Grant } {
  try {
    const dir = infraDir();
    const params = JSON.parse(readFileSync(path.join(dir, 'main.parameters.json'), 'utf8')) as { parameters: { managedScopes?: { value?: string[] } } };
    const role = JSON.parse(readFileSync(path.join(dir, 'app', 'roles', 'estate-role.json'), 'utf8')) as { permissions: Grant[] };
    const p = role.permissions[0]!;
    return { scopes: (params.parameters.managedScopes?.value ?? []).map((s) => s.toLowerCase()), grant: { actions: [...p.actions], notActions: [...p.notActions], dataActions: [...p.dataActions], notDataActions: [...p.notDataActions] } };
  } catch {
    return { scopes: [], grant: { actions: [], notActions: [], dataActions: [], notDataActions: [] } };
  }
}

const RevokeBody = z.object({ resourceGroup: z.string().min(1), action: z.string().min(1) }).strict();

/** Actions taken away per resource group (lower case) by the control lever, per model. */
const revokedBy = new WeakMap<AzureModel, Map<string, Set<string>>>();
const revokedOf = (model: AzureModel): Map<string, Set<string>> => {
  let map = revokedBy.get(model);
  if (!map) revokedBy.set(model, (map = new Map()));
  return map;
};

/** Registers the permissions read. */
export function registerPermissions(router: Router, model: AzureModel): void {
  const deployed = deployedGrants();
  const revoked = revokedOf(model);
  const groupExists = (rg: string): boolean => {
    const scope = `/subscriptions/${model.subscriptionId}/resourcegroups/${rg}`.toLowerCase();
    if (deployed.scopes.includes(scope)) return true;
    const lower = rg.toLowerCase();
    return [...model.vms.values(), ...model.gateways.values(), ...model.loadBalancers.values()].some((r) => r.resourceGroup.toLowerCase() === lower);
  };
  armRoute(router, model, 'GET', '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.Authorization/permissions', (req): SandboxResponse => {
    const rg = req.params.rg ?? '';
    if (!groupExists(rg)) return ArmErrors.resourceGroupNotFound(rg);
    const scope = `/subscriptions/${model.subscriptionId}/resourcegroups/${rg}`.toLowerCase();
    if (!deployed.scopes.includes(scope)) return { status: 200, body: { value: [] } };
    const gone = revoked.get(rg.toLowerCase()) ?? new Set<string>();
    const grant = { ...deployed.grant, actions: deployed.grant.actions.filter((a) => !gone.has(a.toLowerCase())) };
    return { status: 200, body: { value: [grant] } };
  });
}

/** `POST /_sandbox/arm/permissions/revoke { resourceGroup, action }`: the identity loses one action there. */
export function registerPermissionsControl(router: Router, model: AzureModel): void {
  const revoked = revokedOf(model);
  router.route('POST', '/_sandbox/arm/permissions/revoke', (req) => {
    const body = RevokeBody.safeParse(req.body);
    if (!body.success) return badRequest(body.error);
    const key = body.data.resourceGroup.toLowerCase();
    revoked.set(key, new Set([...(revoked.get(key) ?? []), body.data.action.toLowerCase()]));
    return { status: 200, body: { resourceGroup: body.data.resourceGroup, revoked: [...revoked.get(key)!] } };
  });
}
