// Custom role definitions for the estate, loaded from the JSON files beside this module so the
// test that checks them against the app's Azure calls (test/unit/infra/estate-roles.test.ts)
// reads exactly what is deployed. Defined at subscription scope, assignable only where needed.
targetScope = 'subscription'

param environmentName string
@description('Resource group ids the estate role may be assigned on.')
param managedScopes array
@description('Key Vault resource ids the secret rotator role may be assigned on.')
param estateVaults array

var estate = loadJsonContent('roles/estate-role.json')
var status = loadJsonContent('roles/status-role.json')
var vault = loadJsonContent('roles/vault-role.json')

// A role definition needs at least one assignable scope; an unused one stays on this subscription.
var managedSubscriptions = union(map(managedScopes, s => '/subscriptions/${split(s, '/')[2]}'), [])

resource estateRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'mw-estate', environmentName)
  properties: {
    roleName: '${estate.roleName} (${environmentName})'
    description: estate.description
    type: 'CustomRole'
    permissions: estate.permissions
    assignableScopes: empty(managedScopes) ? [subscription().id] : managedScopes
  }
}

resource statusRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'mw-status', environmentName)
  properties: {
    roleName: '${status.roleName} (${environmentName})'
    description: status.description
    type: 'CustomRole'
    permissions: status.permissions
    assignableScopes: empty(managedSubscriptions) ? [subscription().id] : managedSubscriptions
  }
}

resource vaultRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'mw-vault', environmentName)
  properties: {
    roleName: '${vault.roleName} (${environmentName})'
    description: vault.description
    type: 'CustomRole'
    permissions: vault.permissions
    assignableScopes: empty(estateVaults) ? [subscription().id] : estateVaults
  }
}

output estateRoleId string = estateRole.id
output statusRoleId string = statusRole.id
output vaultRoleId string = vaultRole.id
