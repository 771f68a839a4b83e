// Service Bus: the pipeline's queues, topic and subscriptions, exactly as PipelineTopology (src/Distill.Pipeline)
// declares them for the local bus (tests/Distill.Pipeline.Tests/Infrastructure checks that they agree). Standard tier
// (topics); local (SAS) auth is off, so every sender and receiver signs in with Entra ID. No entity uses sessions:
// neither the REST data plane nor Event Grid can use them.

param location string
param tags object
param name string

@description('Principal id of the apps\' managed identity (functions and runner): Data Sender and Data Receiver on the namespace.')
param appPrincipalId string

@description('Principal id of the identity the runner job\'s KEDA scale rule uses: Data Owner on the stages queue only (reading a queue\'s message count needs the Manage right).')
param scalerPrincipalId string

@description('Principal id of the deploying user (empty: none): Data Receiver, to follow the pipeline\'s events.')
param userPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param userPrincipalType string = 'User'

var roles = {
  dataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  dataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  dataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    minimumTlsVersion: '1.2'
    disableLocalAuth: true
  }
}

// Storage events (Event Grid BlobCreated on */pipeline.json); the message id is the event id, so a redelivered event is dropped.
resource uploadEvents 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: 'upload-events'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 5
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'P1D'
    deadLetteringOnMessageExpiration: false
    requiresSession: false
    enablePartitioning: false
  }
}

// Stage commands for the runners (competing consumers); runners renew the 5-minute lock while they train.
resource stages 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: 'stages'
  properties: {
    lockDuration: 'PT5M'
    maxDeliveryCount: 5
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'P1D'
    deadLetteringOnMessageExpiration: false
    requiresSession: false
    enablePartitioning: false
  }
}

// Every Distill event (CloudEvents), with the event type as the message's subject (Service Bus: label).
resource pipelineEvents 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: 'pipeline-events'
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'P1D'
    enablePartitioning: false
  }
}

resource evaluation 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: pipelineEvents
  name: 'evaluation'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: false
    requiresSession: false
  }
}

resource evaluationStageCompleted 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: evaluation
  name: 'stage-completed'
  properties: {
    filterType: 'CorrelationFilter'
    correlationFilter: { label: 'distill.stage.completed' }
  }
}

resource evaluationStageFailed 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: evaluation
  name: 'stage-failed'
  properties: {
    filterType: 'CorrelationFilter'
    correlationFilter: { label: 'distill.stage.failed' }
  }
}

resource deploymentSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: pipelineEvents
  name: 'deployment'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P7D'
    deadLetteringOnMessageExpiration: false
    requiresSession: false
  }
}

resource deploymentPipelineCompleted 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: deploymentSubscription
  name: 'pipeline-completed'
  properties: {
    filterType: 'CorrelationFilter'
    correlationFilter: { label: 'distill.pipeline.completed' }
  }
}

resource deadLetterWatch 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: pipelineEvents
  name: 'dead-letter-watch'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P7D'
    deadLetteringOnMessageExpiration: false
    requiresSession: false
  }
}

resource deadLetterWatchPipelineFailed 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: deadLetterWatch
  name: 'pipeline-failed'
  properties: {
    filterType: 'CorrelationFilter'
    correlationFilter: { label: 'distill.pipeline.failed' }
  }
}

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, appPrincipalId, roles.dataSender)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, appPrincipalId, roles.dataReceiver)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dataReceiver)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The Functions scale controller reads the message counts of the entities the triggers listen to with the trigger's
// identity, which needs the Manage right: Data Owner, on those two entities only (not on the namespace, not on stages).
resource appUploadEventsOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadEvents.id, appPrincipalId, roles.dataOwner)
  scope: uploadEvents
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appPipelineEventsOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(pipelineEvents.id, appPrincipalId, roles.dataOwner)
  scope: pipelineEvents
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource scalerStagesOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(stages.id, scalerPrincipalId, roles.dataOwner)
  scope: stages
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dataOwner)
    principalId: scalerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource userReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(namespace.id, userPrincipalId, roles.dataReceiver)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dataReceiver)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output id string = namespace.id
output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output uploadEventsQueueId string = uploadEvents.id
output uploadEventsQueueName string = uploadEvents.name
output stagesQueueName string = stages.name
output pipelineEventsTopicName string = pipelineEvents.name
