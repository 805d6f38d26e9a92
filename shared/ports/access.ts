/** One grant as Azure RBAC reports it: actions allowed, minus notActions (wildcards allowed). */
export interface PermissionGrant {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

/** What the app's own identity may do (Azure RBAC). Read-only. */
export interface AccessClient {
  /** The caller's permissions in a resource group (`/subscriptions/{id}/resourceGroups/{name}`). */
  listPermissions(resourceGroupId: string): Promise<PermissionGrant[]>;
}
