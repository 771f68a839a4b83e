using Azure.Core;
using Azure.Messaging.EventGrid;
using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Azure.ServiceBus;

namespace Distill.Pipeline.Configuration;

/// <summary>
/// What <see cref="PipelineConnection"/> uses besides the configuration: the Entra ID credential and the Azure.Core
/// client settings of each Azure client. All optional; tests point them at in-test servers.
/// </summary>
public sealed class PipelineClientOptions
{
    /// <summary>
    /// The credential for every Entra ID connection; when null a DefaultAzureCredential for
    /// <see cref="IdentityOptions.ClientId"/> (or <c>AZURE_CLIENT_ID</c>, the managed identity, the developer's login).
    /// </summary>
    public TokenCredential? Credential { get; init; }

    public AzureBlobClientOptions? Blobs { get; init; }

    public ServiceBusRestClientOptions? ServiceBus { get; init; }

    public EventGridPublisherClientOptions? EventGrid { get; init; }
}
