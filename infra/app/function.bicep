// The Function App: Flex Consumption, Node 22, system-assigned identity, App Service authentication
// with Entra ID. Every app setting the app reads is set here or documented as local-only
// (test/unit/infra/settings.test.ts checks both directions against shared/config.ts).
param name string
param location string
param tags object
param storageAccountName string
param deploymentContainerName string
param windowsContainerName string
param appInsightsName string
param keyVaultUri string
param timeZone string
param schedulerSchedule string
param taskHubName string
@description('Durable Task Scheduler endpoint; empty selects the Azure Storage provider.')
param dtsEndpoint string = ''
@description('Non-secret vendor settings (MW_* in shared/config.ts).')
param vendorSettings object = {}
param authClientId string
param authTenantId string
param authAllowedAudiences array = []
param authClientSecretName string = ''
param platformEngineers string = ''
param platformEngineerRole string = 'MaintenanceWindows.Engineer'
param vnetSubnetId string = ''
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 40

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// The host and the app reach storage with the managed identity (no keys exist).
var storageSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
}

// Local auth is off on the Application Insights resource: telemetry goes with an Entra token of
// the system-assigned identity ("Authorization=AAD"; a user-assigned one would add ClientId=...).
var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}

// host.json reads TASKHUB_NAME (%TASKHUB_NAME%).
var durableSettings = {
  TASKHUB_NAME: taskHubName
}

// The deployed host.json of the dts backend names this connection (scripts/package.ts); the
// system-assigned identity authenticates (a user-assigned one would add ClientID=...).
var dtsSettings = empty(dtsEndpoint) ? {} : {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${dtsEndpoint};Authentication=ManagedIdentity'
}

var appSettings = {
  WEBSITE_TIME_ZONE: timeZone
  MW_SCHEDULER_SCHEDULE: schedulerSchedule
  // The caller comes only from App Service authentication; the app refuses to start on Azure otherwise.
  MW_IDENTITY_MODE: 'app-service'
  MW_PLATFORM_ENGINEERS: platformEngineers
  MW_PLATFORM_ENGINEER_ROLE: platformEngineerRole
  MW_WINDOWS_CONTAINER: windowsContainerName
}

// Each vendor credential is a Key Vault secret the platform resolves with the app's identity.
var secretSettings = {
  MW_SLACK_TOKEN: 'mw-slack-bot-token'
  MW_SLACK_SIGNING_SECRET: 'mw-slack-signing-secret'
  MW_CLOUDFLARE_API_TOKEN: 'mw-cloudflare-api-token'
  MW_DEVOPS_PAT: 'mw-devops-pat'
  MW_PINGDOM_TOKEN: 'mw-pingdom-token'
  MW_MAILGUN_API_KEY: 'mw-mailgun-admin-key'
  MW_CONSUL_TOKEN: 'mw-consul-token'
}

// App Service authentication's client secret (browser sign-in only), also from Key Vault.
var authSecretSettings = empty(authClientSecretName) ? {} : { MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: authClientSecretName }

var keyVaultReferences = toObject(items(union(secretSettings, authSecretSettings)), s => s.key, s => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${s.value}/)')
var allSettings = union(vendorSettings, storageSettings, monitoringSettings, durableSettings, dtsSettings, appSettings, keyVaultReferences)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Internal probe targets and vendors (*.icprod.local) are reachable only through the estate's network.
    virtualNetworkSubnetId: empty(vnetSubnetId) ? null : vnetSubnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      runtime: { name: 'node', version: '22' }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: instanceMemoryMB }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: map(items(allSettings), s => { name: s.key, value: string(s.value) })
    }
  }
}

// App Service authentication (Easy Auth) with the Entra ID provider: every request needs a valid
// token for the app registration, an unauthenticated one gets 401 before the app runs, and the app
// reads the caller from X-MS-CLIENT-PRINCIPAL. Slack's interactivity route is the one exception:
// Slack cannot sign in, so the app authenticates it by Slack's request signature instead.
// https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: ['/api/slack/interactions']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
          clientSecretSettingName: empty(authClientSecretName) ? null : 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET'
        }
        validation: {
          allowedAudiences: union(['api://${authClientId}', authClientId], authAllowedAudiences)
        }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

output name string = app.name
output principalId string = app.identity.principalId
output defaultHostName string = app.properties.defaultHostName
