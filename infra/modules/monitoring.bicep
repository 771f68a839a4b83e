// Logs and telemetry: a Log Analytics workspace (the Container Apps environment's logs, Application Insights' store)
// and Application Insights with local authentication off, so telemetry is sent with Entra ID.

param location string
param tags object
param logAnalyticsName string
param applicationInsightsName string

@description('Principal id of the apps\' managed identity: Monitoring Metrics Publisher on Application Insights.')
param appPrincipalId string

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource appPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, appPrincipalId, monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output logAnalyticsId string = logs.id
output logAnalyticsName string = logs.name
output applicationInsightsConnectionString string = insights.properties.ConnectionString
