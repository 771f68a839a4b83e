// Distill on Azure, provisioned by `azd up` (azure.yaml): blob storage, Service Bus, Event Grid, the function app
// (Flex Consumption, custom handler), the runner job (Container Apps, serverless GPU), a registry for its image,
// managed identities with the roles they need, Log Analytics and Application Insights. No keys or connection
// strings: every app signs in with Entra ID.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource. Serverless GPUs are available in a few regions only (for example westus3, australiaeast, swedencentral).')
@metadata({ azd: { type: 'location' } })
param location string

@description('The deploying user (azd sets it): gets blob and Service Bus data roles to submit runs and follow them.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('The runner\'s workload profile: a serverless GPU (needs GPU quota) or Consumption, the CPU fallback.')
@allowed(['Consumption-GPU-NC8as-T4', 'Consumption-GPU-NC24-A100', 'Consumption'])
param runnerProfileType string = 'Consumption-GPU-NC8as-T4'

@description('The runner image azd deployed last (empty before the first deploy: a placeholder image until then).')
param runnerImageName string = ''

@description('Most stage executions at once; each takes one GPU.')
@minValue(1)
param runnerMaxExecutions int = 1

@description('Seconds one runner execution may run; a longer stage resumes from its checkpoint in the next execution.')
@minValue(600)
param runnerReplicaTimeoutSeconds int = 86400

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    appIdentityName: 'id-distill-${resourceToken}'
    scalerIdentityName: 'id-scaler-${resourceToken}'
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    appPrincipalId: identity.outputs.appPrincipalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.appPrincipalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'sb-${resourceToken}'
    appPrincipalId: identity.outputs.appPrincipalId
    scalerPrincipalId: identity.outputs.scalerPrincipalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    location: location
    tags: tags
    systemTopicName: 'evgst-${resourceToken}'
    customTopicName: 'evgt-${resourceToken}'
    storageAccountId: storage.outputs.id
    serviceBusName: serviceBus.outputs.name
    uploadEventsQueueName: serviceBus.outputs.uploadEventsQueueName
    appPrincipalId: identity.outputs.appPrincipalId
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cr${resourceToken}'
    appPrincipalId: identity.outputs.appPrincipalId
  }
}

// The configuration both the function app and the runner read (Distill's configuration model: Azure storage and
// Service Bus addressed by endpoint, signed in as the managed identity, events out through the Event Grid topic).
var distillSettings = [
  { name: 'Distill__Storage__Kind', value: 'Azure' }
  { name: 'Distill__Storage__ServiceUri', value: storage.outputs.serviceUri }
  { name: 'Distill__Bus__Kind', value: 'ServiceBus' }
  { name: 'Distill__Bus__Namespace', value: serviceBus.outputs.fullyQualifiedNamespace }
  { name: 'Distill__Events__EventGridEndpoint', value: eventGrid.outputs.customTopicEndpoint }
  { name: 'Distill__Identity__ClientId', value: identity.outputs.appClientId }
]

module functions 'modules/functions.bicep' = {
  name: 'functions'
  scope: rg
  params: {
    location: location
    tags: tags
    planName: 'plan-${resourceToken}'
    name: 'func-${resourceToken}'
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    appIdentityId: identity.outputs.appId
    appIdentityClientId: identity.outputs.appClientId
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    distillSettings: distillSettings
  }
}

module runner 'modules/runner.bicep' = {
  name: 'runner'
  scope: rg
  params: {
    location: location
    tags: tags
    environmentName: 'cae-${resourceToken}'
    jobName: 'caj-runner-${resourceToken}'
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    runnerProfileType: runnerProfileType
    image: empty(runnerImageName) ? 'mcr.microsoft.com/k8se/quickstart-jobs:latest' : runnerImageName
    registryLoginServer: registry.outputs.loginServer
    serviceBusName: serviceBus.outputs.name
    stagesQueueName: serviceBus.outputs.stagesQueueName
    appIdentityId: identity.outputs.appId
    appIdentityClientId: identity.outputs.appClientId
    scalerIdentityId: identity.outputs.scalerId
    distillSettings: distillSettings
    maxExecutions: runnerMaxExecutions
    replicaTimeoutSeconds: runnerReplicaTimeoutSeconds
  }
}

// Written to .azure/<env>/.env by azd; the README's commands read them with `azd env get-value`.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = runner.outputs.environmentName
output AZURE_FUNCTION_APP_NAME string = functions.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.appClientId
output DISTILL_STORAGE_SERVICE_URI string = storage.outputs.serviceUri
output DISTILL_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output DISTILL_SERVICEBUS_NAME string = serviceBus.outputs.name
output DISTILL_EVENTGRID_TOPIC_ENDPOINT string = eventGrid.outputs.customTopicEndpoint
output DISTILL_EVENTGRID_TOPIC_ID string = eventGrid.outputs.customTopicId
output DISTILL_EVENTGRID_TOPIC_NAME string = eventGrid.outputs.customTopicName
output DISTILL_EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.systemTopicName
output SERVICE_FUNCTIONS_NAME string = functions.outputs.name
output SERVICE_RUNNER_NAME string = runner.outputs.jobName
