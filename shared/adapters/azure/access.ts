import type { AccessClient, PermissionGrant } from '../../ports/access';
import type { ArmResourceClient } from './client';
import { callAzure } from './errors';
import { parseResourceGroupId } from './ids';

/** Microsoft.Authorization permissions' api-version (Permissions_ListForResourceGroup). */
export const PERMISSIONS_API_VERSION = '2022-04-01';

interface PermissionWire {
  actions?: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
}

/**
 * {@link AccessClient} over ARM's permissions read: `GET {resourceGroup}/providers/Microsoft.Authorization/permissions`
 * answers with what the caller (the app's identity) may do there, from every role assignment that
 * reaches it. Any identity may read its own permissions, so the check needs no extra role.
 */
export class ArmAccessClient implements AccessClient {
  constructor(private readonly arm: ArmResourceClient) {}

  async listPermissions(resourceGroupId: string): Promise<PermissionGrant[]> {
    const { subscriptionId, resourceGroup } = parseResourceGroupId(resourceGroupId, 'resourceGroupId');
    const path = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/Microsoft.Authorization/permissions`;
    const grants = await callAzure(`read the app's permissions in ${resourceGroup}`, () => this.arm.listResources<PermissionWire>(path, PERMISSIONS_API_VERSION));
    return grants.map((g) => ({ actions: g.actions ?? [], notActions: g.notActions ?? [], dataActions: g.dataActions ?? [], notDataActions: g.notDataActions ?? [] }));
  }
}
