// Maintenance-window platform for `azd up` (docs/deploy.md): a Function App on Flex Consumption
// (Node 22) running the durable orchestrations, its durable backend (Durable Task Scheduler, or the
// Azure Storage provider), storage for window records and published windows, Key Vault for the
// vendors' credentials, Application Insights with Entra authentication, App Service authentication
// with Entra ID, and the app identity's roles on the estate it changes, from custom role definitions
// kept in infra/app/roles/. Module shapes follow Azure-Samples/durable-functions-quickstart-typescript-azd.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. Flex Consumption and the Durable Task Scheduler must both be offered there.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create or reuse; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('IANA zone the timer trigger evaluates schedules in (Linux plans read WEBSITE_TIME_ZONE).')
param timeZone string = 'America/New_York'

@description('Timer schedule (NCRONTAB, six fields) of the window scheduler.')
param schedulerSchedule string = '0 */5 * * * *'

@allowed(['dts', 'storage'])
@description('Durable backend. dts: the Durable Task Scheduler (managed; recommended). storage: the Azure Storage provider in the app\'s storage account. `npm run package` reads the same azd variable, DURABLE_BACKEND, to write host.json.')
param durableBackend string = 'dts'

@allowed(['Consumption', 'Dedicated'])
@description('Durable Task Scheduler SKU.')
param dtsSkuName string = 'Consumption'

@description('Durable task hub name; one per environment so rehearsal and production never share state.')
param taskHubName string = 'MaintenanceWindows'

@description('Resource group ids (/subscriptions/<id>/resourceGroups/<name>) the app changes: the servers\', gateways\', load balancers\' and their subnets\' groups, and the alert processing rules\' group (MW_ALERT_RULES_SCOPE). Each gets the custom estate role (app/roles/estate-role.json); each of their subscriptions the operation status reader (app/roles/status-role.json).')
param managedScopes array = []

@description('Resource ids of the estate Key Vaults that rotate-secret steps write (for example kv-ic-shared-prd and kv-ic-web-prd). Each gets the custom secret rotator role (app/roles/vault-role.json) on that vault only.')
param estateVaults array = []

@description('Non-secret vendor settings (MW_DEVOPS_ORG_URL, MW_ALERT_RULES_SCOPE, MW_MAILGUN_DOMAIN, MW_CONSUL_URL, ...). Credentials go into Key Vault as the secrets app/function.bicep names.')
param vendorSettings object = {}

@minLength(1)
@description('Application (client) id of the Entra app registration that App Service authentication accepts tokens for (docs/deploy.md, "App registration").')
param authClientId string

@description('Tenant of the app registration; default this subscription\'s tenant.')
param authTenantId string = tenant().tenantId

@description('Token audiences accepted besides api://<authClientId> and <authClientId>.')
param authAllowedAudiences array = []

@description('Key Vault secret holding the app registration\'s client secret, for browser sign-in at /.auth/login/aad. Empty: bearer tokens only.')
param authClientSecretName string = ''

@description('Platform engineers (may start windows and publish them): UPNs or Entra object ids, comma-separated; may be empty when the app role below is used.')
param platformEngineers string = ''

@description('Entra app role (on the app registration) that makes a caller a platform engineer.')
param platformEngineerRole string = 'MaintenanceWindows.Engineer'

@description('Blob container holding every published revision of every window.')
param windowsContainerName string = 'mw-windows'

@description('Optional: id of an existing subnet, delegated to Microsoft.App/environments, for VNet integration. Needed when probes or vendors are internal (for example *.icprod.local); the VNet must reach and resolve them.')
param vnetSubnetId string = ''

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID): may read the Durable Task Scheduler dashboard. Empty: nobody.')
param principalId string = ''

var abbrs = {
  insights: 'appi-'
  logs: 'log-'
  keyVault: 'kv-'
  plan: 'plan-'
  site: 'func-'
  storage: 'st'
  scheduler: 'dts-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, app: 'maintenance-windows' }
var functionAppName = '${abbrs.site}mw-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: { insightsName: '${abbrs.insights}${resourceToken}', logsName: '${abbrs.logs}${resourceToken}', location: location, tags: tags }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: take('${abbrs.storage}mw${resourceToken}', 24)
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    windowsContainerName: windowsContainerName
  }
}

module vault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: { name: take('${abbrs.keyVault}mw-${resourceToken}', 24), location: location, tags: tags }
}

module dts 'app/dts.bicep' = if (durableBackend == 'dts') {
  name: 'dts'
  scope: rg
  params: { name: '${abbrs.scheduler}${resourceToken}', taskHubName: taskHubName, location: location, tags: tags, skuName: dtsSkuName }
}

module func 'app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    windowsContainerName: storage.outputs.windowsContainerName
    appInsightsName: monitoring.outputs.insightsName
    keyVaultUri: vault.outputs.uri
    timeZone: timeZone
    schedulerSchedule: schedulerSchedule
    taskHubName: durableBackend == 'dts' ? dts.outputs.taskHubName : taskHubName
    dtsEndpoint: durableBackend == 'dts' ? dts.outputs.endpoint : ''
    vendorSettings: vendorSettings
    authClientId: authClientId
    authTenantId: authTenantId
    authAllowedAudiences: authAllowedAudiences
    authClientSecretName: authClientSecretName
    platformEngineers: platformEngineers
    platformEngineerRole: platformEngineerRole
    vnetSubnetId: vnetSubnetId
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: func.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: vault.outputs.name
    appInsightsName: monitoring.outputs.insightsName
    schedulerName: durableBackend == 'dts' ? dts.outputs.schedulerName : ''
    dashboardPrincipalId: principalId
  }
}

// The estate: custom roles defined once per environment, assigned where the calls go.
module estateRoles 'app/estate-role-definitions.bicep' = {
  name: 'estate-role-definitions'
  params: { environmentName: environmentName, managedScopes: managedScopes, estateVaults: estateVaults }
}

module estateScopes 'app/estate-roles.bicep' = [for scopeId in managedScopes: {
  name: 'estate-${uniqueString(scopeId)}'
  scope: resourceGroup(split(scopeId, '/')[2], split(scopeId, '/')[4])
  params: { principalId: func.outputs.principalId, roleDefinitionId: estateRoles.outputs.estateRoleId }
}]

module estateStatus 'app/estate-status.bicep' = [for sub in union(map(managedScopes, s => split(s, '/')[2]), []): {
  name: 'estate-status-${uniqueString(sub)}'
  scope: subscription(sub)
  params: { principalId: func.outputs.principalId, roleDefinitionId: estateRoles.outputs.statusRoleId }
}]

module estateVaultAccess 'app/estate-vault.bicep' = [for vaultId in estateVaults: {
  name: 'estate-vault-${uniqueString(vaultId)}'
  scope: resourceGroup(split(vaultId, '/')[2], split(vaultId, '/')[4])
  params: { principalId: func.outputs.principalId, roleDefinitionId: estateRoles.outputs.vaultRoleId, vaultName: last(split(vaultId, '/')) }
}]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = func.outputs.name
output SERVICE_API_NAME string = func.outputs.name
output DURABLE_BACKEND string = durableBackend
output MW_API_URL string = 'https://${func.outputs.defaultHostName}'
output KEY_VAULT_NAME string = vault.outputs.name
