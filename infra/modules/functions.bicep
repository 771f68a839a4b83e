// The function app: Flex Consumption (FC1, Linux) with the custom runtime, for the custom-handler app in
// functions/Distill.Functions (host.json starts the handler through `sh start.sh`, so the package needs no execute
// bit). The host, its triggers and the handler all sign in with the apps' managed identity: host storage, the Service
// Bus connection `ServiceBus` that function.json bindings name, and the Distill__* settings the handler reads.

param location string
param tags object
param planName string
param name string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param serviceBusNamespace string
param appIdentityId string
param appIdentityClientId string
param applicationInsightsConnectionString string

@description('Distill\'s own settings (Distill__Storage__*, Distill__Bus__*, Distill__Events__*, Distill__Identity__*), shared with the runner.')
param distillSettings array

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// The Functions host's own settings. On Flex Consumption the runtime comes from functionAppConfig: no
// FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION or WEBSITE_RUN_FROM_PACKAGE.
var hostSettings = [
  { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: appIdentityClientId }
  { name: 'ServiceBus__fullyQualifiedNamespace', value: serviceBusNamespace }
  { name: 'ServiceBus__credential', value: 'managedidentity' }
  { name: 'ServiceBus__clientId', value: appIdentityClientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${appIdentityClientId};Authorization=AAD' }
  { name: 'AZURE_CLIENT_ID', value: appIdentityClientId }
]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${appIdentityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: appIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(hostSettings, distillSettings)
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
