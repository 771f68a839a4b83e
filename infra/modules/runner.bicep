// The runners: a Container Apps environment with a serverless GPU workload profile (or only the Consumption CPU
// profile, the fallback for development and for subscriptions without GPU quota) and an event-driven job that KEDA
// starts when stage commands wait on the stages queue. Each execution runs the runner image with `--once`: it takes one
// stage command, trains (renewing the message lock and the stage lease), settles the message and exits; a stage
// interrupted by the replica timeout resumes from its newest blob checkpoint in the next execution.

param location string
param tags object
param environmentName string
param jobName string
param logAnalyticsId string

@description('The workload profile type the runner runs on: a serverless GPU profile (needs GPU quota in the region) or Consumption (CPU only).')
@allowed(['Consumption-GPU-NC8as-T4', 'Consumption-GPU-NC24-A100', 'Consumption'])
param runnerProfileType string

@description('The runner image; azd deploys the built image over it (SERVICE_RUNNER_IMAGE_NAME).')
param image string

param registryLoginServer string
param serviceBusName string
param stagesQueueName string
param appIdentityId string
param appIdentityClientId string
param scalerIdentityId string

@description('Distill\'s own settings, shared with the function app.')
param distillSettings array

@description('Most stage executions at once (each takes one GPU; the default GPU quota is often 1).')
@minValue(1)
param maxExecutions int

@description('Seconds one execution may run before it is stopped (the stage then resumes from its checkpoint).')
@minValue(600)
param replicaTimeoutSeconds int

var useGpu = runnerProfileType != 'Consumption'
var profileName = useGpu ? 'gpu' : 'Consumption'

// What one replica gets on each profile (a GPU profile's whole node; Consumption's largest CPU size).
var replicaResources = {
  'Consumption-GPU-NC8as-T4': { cpu: '8', memory: '56Gi' }
  'Consumption-GPU-NC24-A100': { cpu: '24', memory: '220Gi' }
  Consumption: { cpu: '4', memory: '8Gi' }
}

var consumptionProfile = { name: 'Consumption', workloadProfileType: 'Consumption' }
var gpuProfile = { name: 'gpu', workloadProfileType: runnerProfileType }

resource managedEnvironment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: { destination: 'azure-monitor' } // through the diagnostic setting below: no workspace key
    workloadProfiles: useGpu ? [consumptionProfile, gpuProfile] : [consumptionProfile]
  }
}

resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: managedEnvironment
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
  }
}

resource job 'Microsoft.App/jobs@2025-01-01' = {
  name: jobName
  location: location
  tags: union(tags, { 'azd-service-name': 'runner' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${appIdentityId}': {}
      '${scalerIdentityId}': {}
    }
  }
  properties: {
    environmentId: managedEnvironment.id
    workloadProfileName: profileName
    configuration: {
      triggerType: 'Event'
      replicaTimeout: replicaTimeoutSeconds
      replicaRetryLimit: 0 // a failed stage is retried by Service Bus redelivery, not by the job
      registries: [{ server: registryLoginServer, identity: appIdentityId }]
      eventTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
        scale: {
          minExecutions: 0
          maxExecutions: maxExecutions
          pollingInterval: 30
          rules: [
            {
              name: 'stages'
              type: 'azure-servicebus'
              metadata: {
                namespace: serviceBusName
                queueName: stagesQueueName
                messageCount: '1'
              }
              identity: scalerIdentityId
            }
          ]
        }
      }
    }
    template: {
      containers: [
        {
          name: 'runner'
          image: image
          args: ['--target', 'azure', '--once', '--idle-exit', '60']
          env: concat(distillSettings, [
            { name: 'AZURE_CLIENT_ID', value: appIdentityClientId }
            { name: 'DISTILL_RUNNER_FOLDER', value: '/tmp/distill-runner' }
          ])
          resources: {
            cpu: json(replicaResources[runnerProfileType].cpu)
            memory: replicaResources[runnerProfileType].memory
          }
        }
      ]
    }
  }
}

output environmentName string = managedEnvironment.name
output jobName string = job.name
