// Maintenance-window platform: a Function App (Flex Consumption, Node 22) running the
// durable orchestrations, its storage (task hub + window records), Key Vault for the
// vendors' credentials, and Application Insights. Deploy: az deployment group create -f infra/main.bicep
targetScope = 'resourceGroup'

@description('Short name used to derive resource names.')
@minLength(3)
@maxLength(12)
param name string

param location string = resourceGroup().location

@description('IANA zone the timer trigger evaluates schedules in (Linux plans read WEBSITE_TIME_ZONE).')
param timeZone string = 'America/New_York'

@description('Durable task hub name; one per environment so rehearsal and production never share state.')
param taskHubName string = 'MaintenanceWindows'

@description('Resource ids of the estate the app may change: VM resource groups, gateways, load balancers.')
param managedScopes array = []

@description('Non-secret vendor settings for the app (MW_DEVOPS_ORG_URL, MW_ALERT_RULES_SCOPE, MW_MAILGUN_DOMAIN, MW_CONSUL_URL, ...). Credentials go into Key Vault as the secrets infra/app/function.bicep names.')
param vendorSettings object = {}

var suffix = uniqueString(resourceGroup().id, name)
var tags = { app: 'maintenance-windows', env: name }

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: { name: '${name}-${suffix}', location: location, tags: tags }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: { name: take('st${replace(name, '-', '')}${suffix}', 24), location: location, tags: tags }
}

module vault 'app/keyvault.bicep' = {
  name: 'keyvault'
  params: { name: take('kv-${name}-${suffix}', 24), location: location, tags: tags }
}

module func 'app/function.bicep' = {
  name: 'function'
  params: {
    name: 'func-${name}-${suffix}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainer
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: vault.outputs.uri
    timeZone: timeZone
    taskHubName: taskHubName
    vendorSettings: vendorSettings
  }
}

module roles 'app/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: func.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: vault.outputs.name
    managedScopes: managedScopes
  }
}

output functionAppName string = func.outputs.name
output statusUrl string = 'https://${func.outputs.defaultHostName}/api/windows'
