// Two user-assigned identities:
// - the apps' identity, used by the function app and the runner's container for blobs, Service Bus, Event Grid,
//   the registry and telemetry (its roles are assigned next to each resource, in the other modules);
// - the scaler's identity, used only by the runner job's KEDA rule to read the stages queue's message count.

param location string
param tags object
param appIdentityName string
param scalerIdentityName string

resource app 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: appIdentityName
  location: location
  tags: tags
}

resource scaler 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: scalerIdentityName
  location: location
  tags: tags
}

output appId string = app.id
output appClientId string = app.properties.clientId
output appPrincipalId string = app.properties.principalId
output scalerId string = scaler.id
output scalerPrincipalId string = scaler.properties.principalId
