// Deploy once per estate resource group (VMs, gateways, load balancers) so the app can
// patch, drain and suppress alerts there and nowhere else.
targetScope = 'resourceGroup'

param principalId string

var roles = [
  '9980e02c-c2be-4d73-94e8-173b1dc7cf3c' // Virtual Machine Contributor: installPatches, runCommand
  '4d97b98b-1d4f-4787-a291-c67834d212e7' // Network Contributor: backend pools of gateways and load balancers
  '749f88d5-cbae-40b8-bcfc-e573ddc772fa' // Monitoring Contributor: alert processing rules
]

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(resourceGroup().id, principalId, role)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]
