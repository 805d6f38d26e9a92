param name string
param location string
param tags object
param storageAccountName string
param deploymentContainerName string
param appInsightsConnectionString string
param keyVaultUri string
param timeZone string
param taskHubName string
@description('Non-secret vendor settings (MW_* in shared/config.ts): e.g. { MW_DEVOPS_ORG_URL: ..., MW_ALERT_RULES_SCOPE: ..., MW_MAILGUN_DOMAIN: ..., MW_CONSUL_URL: ... }.')
param vendorSettings object = {}

// Each vendor credential is a Key Vault secret the app reads through a Key Vault reference.
var secretSettings = {
  MW_SLACK_TOKEN: 'mw-slack-bot-token'
  MW_SLACK_SIGNING_SECRET: 'mw-slack-signing-secret'
  MW_CLOUDFLARE_API_TOKEN: 'mw-cloudflare-api-token'
  MW_DEVOPS_PAT: 'mw-devops-pat'
  MW_PINGDOM_TOKEN: 'mw-pingdom-token'
  MW_MAILGUN_API_KEY: 'mw-mailgun-admin-key'
  MW_CONSUL_TOKEN: 'mw-consul-token'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

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
  tags: tags
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      runtime: { name: 'node', version: '22' }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat([
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        { name: 'TASKHUB_NAME', value: taskHubName }
        { name: 'WEBSITE_TIME_ZONE', value: timeZone }
        { name: 'MW_SCHEDULER_SCHEDULE', value: '0 */5 * * * *' }
        { name: 'MW_WINDOWS_DIR', value: 'windows' }
        { name: 'MW_TRUST_CLIENT_PRINCIPAL', value: 'true' }
      ], map(items(secretSettings), s => { name: s.key, value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${s.value}/)' }), map(items(vendorSettings), s => { name: s.key, value: string(s.value) }))
    }
  }
}

// Approvers are identified by App Service authentication (x-ms-client-principal); configure
// the identity provider (Entra ID) for the app after deployment.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' }
    platform: { enabled: true }
  }
}

output name string = app.name
output principalId string = app.identity.principalId
output defaultHostName string = app.properties.defaultHostName
