import type { PermissionGrant } from '../ports/access';

/**
 * The Azure RBAC actions each kind of resource needs for what a window does to it, taken from
 * infra/app/roles/operations.json (the map from each recorded call to its actions; a unit test
 * keeps the two in step). Each is checked in the resource group of the resource the window names
 * (a join is checked there too, though Azure checks it on the joined subnet or pool, usually beside
 * it). Subscription-scope reads (operation polls, the NIC list) are not here: the permissions API
 * answers per resource group.
 */
export const ACTIONS = {
  /** Read to resolve its address, patch through Azure Update Manager. */
  patchedVm: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/installPatches/action'],
  /** Scripts, IIS recycles, machineKey roll-outs: Run Command (and deleting the window's finished runs after it). */
  scriptedVm: ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/runCommands/read', 'Microsoft.Compute/virtualMachines/runCommands/write', 'Microsoft.Compute/virtualMachines/runCommands/delete'],
  /** Only read (a canary's address). */
  readVm: ['Microsoft.Compute/virtualMachines/read'],
  /** Whole-gateway PUTs keep the gateway's subnet, public IP and WAF policy references, which ARM checks as joins. */
  applicationGateway: [
    'Microsoft.Network/applicationGateways/read',
    'Microsoft.Network/applicationGateways/write',
    'Microsoft.Network/virtualNetworks/subnets/join/action',
    'Microsoft.Network/publicIPAddresses/join/action',
    'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/join/action',
  ],
  loadBalancer: [
    'Microsoft.Network/loadBalancers/backendAddressPools/read',
    'Microsoft.Network/loadBalancers/backendAddressPools/write',
    'Microsoft.Network/loadBalancers/backendAddressPools/join/action',
    'Microsoft.Network/networkInterfaces/read',
    'Microsoft.Network/virtualNetworks/joinLoadBalancer/action',
  ],
  /**
   * A member of a load-balancer pool: a NIC-based pool (the usual VM-backed internal load balancer;
   * the window cannot tell) drains it by writing its NIC, which keeps its subnet.
   */
  pooledNic: ['Microsoft.Network/networkInterfaces/read', 'Microsoft.Network/networkInterfaces/write', 'Microsoft.Network/virtualNetworks/subnets/join/action'],
  alertRules: ['Microsoft.AlertsManagement/actionRules/write', 'Microsoft.AlertsManagement/actionRules/delete'],
} as const;

/** RBAC action patterns: `*` matches any run of characters; compared case-insensitively, as Azure does. */
function matches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

/** Whether the grants allow `action`: some grant's actions match and none of that grant's notActions do. */
export function allows(grants: PermissionGrant[], action: string): boolean {
  return grants.some((g) => g.actions.some((a) => matches(a, action)) && !g.notActions.some((n) => matches(n, action)));
}
