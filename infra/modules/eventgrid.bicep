// Event Grid, twice:
// - in: a system topic on the storage account whose one subscription sends BlobCreated for uploads/{uploadId}/pipeline.json
//   (the manifest, written last, commits an upload) to the upload-events queue, in the CloudEvents 1.0 schema that
//   BlobCreatedEvent.Parse reads (it reads the Event Grid schema too). Event Grid signs in to Service Bus with the
//   system topic's own identity, which may only send to that queue.
// - out: a custom topic (CloudEvents 1.0 input) where the pipeline publishes distill.pipeline.completed and
//   distill.pipeline.failed for subscribers outside the pipeline (webhooks, functions, queues; see the README).

param location string
param tags object
param systemTopicName string
param customTopicName string
param storageAccountId string
param serviceBusName string
param uploadEventsQueueName string

@description('Principal id of the apps\' managed identity: EventGrid Data Sender on the custom topic.')
param appPrincipalId string

var serviceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var eventGridDataSender = 'd5a91429-5739-47e2-a06b-3470a27159e7'

resource uploadEventsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  name: '${serviceBusName}/${uploadEventsQueueName}'
}

resource storageEvents 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: location // the storage account's region
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource storageEventsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadEventsQueue.id, storageEvents.id, serviceBusDataSender)
  scope: uploadEventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSender)
    principalId: storageEvents.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource manifestUploads 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: storageEvents
  name: 'manifest-uploads'
  properties: {
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    deliveryWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      destination: {
        endpointType: 'ServiceBusQueue'
        properties: { resourceId: uploadEventsQueue.id }
      }
    }
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      subjectBeginsWith: '/blobServices/default/containers/uploads/blobs/'
      subjectEndsWith: '/pipeline.json'
      isSubjectCaseSensitive: true
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
  dependsOn: [storageEventsSender]
}

resource pipelineTopic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: customTopicName
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: true // publishers sign in with Entra ID (EventGrid Data Sender); no access keys
  }
}

resource appTopicSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(pipelineTopic.id, appPrincipalId, eventGridDataSender)
  scope: pipelineTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output systemTopicName string = storageEvents.name
output customTopicId string = pipelineTopic.id
output customTopicName string = pipelineTopic.name
output customTopicEndpoint string = pipelineTopic.properties.endpoint
