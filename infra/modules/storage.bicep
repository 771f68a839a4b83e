// The storage account: the pipeline's three containers (BlobPaths in Distill.Contracts) and the container Flex
// Consumption deploys the function app's package from. Shared keys are off: everything signs in with Entra ID
// (the apps with the managed identity, the deployment package with the same identity, users with `az login`).

param location string
param tags object
param name string

@description('The container Flex Consumption reads the function app package from (azd uploads it there).')
param deploymentContainerName string

@description('Principal id of the apps\' managed identity: Storage Blob Data Contributor on the account.')
param appPrincipalId string

@description('Principal id of the deploying user (empty: none): Storage Blob Data Contributor, to submit runs and read results.')
param userPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param userPrincipalType string = 'User'

// uploads/{uploadId}/… (pipeline.json last), runs/{runId}/… (state, checkpoints, events, report), models/{name}/{runId}/…
var pipelineContainers = ['uploads', 'runs', 'models']

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2' // general-purpose v2: Event Grid's BlobCreated needs it
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for container in pipelineContainers: {
  parent: blobService
  name: container
  properties: { publicAccess: 'None' }
}]

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource appBlobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, storageBlobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource userBlobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(account.id, userPrincipalId, storageBlobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output serviceUri string = 'https://${account.name}.blob.${environment().suffixes.storage}'
