// One estate resource group (an entry of managedScopes): the custom estate role for the app.
targetScope = 'resourceGroup'

param principalId string
@description('Resource id of the estate role definition (estate-role-definitions.bicep).')
param roleDefinitionId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: roleDefinitionId
  }
}
