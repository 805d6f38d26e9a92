param insightsName string
param logsName string
param location string
param tags object

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logsName
  location: location
  tags: tags
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

// Local (instrumentation key) auth off: telemetry is accepted only with an Entra token, so the app
// needs Monitoring Metrics Publisher (app/rbac.bicep) and APPLICATIONINSIGHTS_AUTHENTICATION_STRING
// (app/function.bicep). https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication
resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: insightsName
  location: location
  tags: tags
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: true }
}

output insightsName string = insights.name
