param principalId string
param storageAccountName string
param keyVaultName string
param managedScopes array

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Role definition ids (built-in roles):
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer
var virtualMachineContributor = '9980e02c-c2be-4d73-94e8-173b1dc7cf3c' // Virtual Machine Contributor
var networkContributor = '4d97b98b-1d4f-4787-a291-c67834d212e7' // Network Contributor
var monitoringContributor = '749f88d5-cbae-40b8-bcfc-e573ddc772fa' // Monitoring Contributor

var storageRoles = [storageBlobDataOwner, storageQueueDataContributor, storageTableDataContributor]

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  name: guid(storage.id, principalId, role)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource vaultAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
  }
}

// The estate lives in other resource groups; grant there with infra/app/estate-roles.bicep
// deployed at each scope in managedScopes (kept separate: it needs rights this deployment lacks).
output estateRoles array = [virtualMachineContributor, networkContributor, monitoringContributor]
output managedScopes array = managedScopes
