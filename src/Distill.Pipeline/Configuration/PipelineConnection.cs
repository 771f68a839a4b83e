using Azure.Core;
using Azure.Identity;
using Distill.Contracts.Storage;
using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Azure.ServiceBus;
using Distill.Pipeline.Events;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Configuration;

/// <summary>
/// The pipeline's blob store, bus and external event sink as <see cref="DistillOptions"/> name them: a folder or Azure
/// Blob Storage (or Azurite), a SQLite file or a Service Bus namespace, and an Event Grid topic when one is configured.
/// Opening creates the uploads, runs and models containers when they are missing. Disposing closes all of them.
/// </summary>
public sealed class PipelineConnection : IAsyncDisposable
{
    private PipelineConnection(DistillOptions options, IBlobStore blobs, IMessageBus bus, IExternalEventSink? externalEvents, Uri blobsUri, TimeProvider time)
    {
        Options = options;
        Blobs = blobs;
        Bus = bus;
        ExternalEvents = externalEvents;
        BlobsUri = blobsUri;
        Time = time;
    }

    /// <summary>The containers every pipeline store has.</summary>
    public static IReadOnlyList<string> Containers { get; } = [BlobPaths.UploadsContainer, BlobPaths.RunsContainer, BlobPaths.ModelsContainer];

    public DistillOptions Options { get; }

    public IBlobStore Blobs { get; }

    public IMessageBus Bus { get; }

    /// <summary>The Event Grid topic's sink when <see cref="EventsOptions.EventGridEndpoint"/> is set; otherwise null.</summary>
    public IExternalEventSink? ExternalEvents { get; }

    /// <summary>The base of the blobs' URLs in storage events: the Blob service endpoint, or the blob folder as a file URI.</summary>
    public Uri BlobsUri { get; }

    public TimeProvider Time { get; }

    /// <summary>Where the blobs and the bus are, for messages and logs (never a secret).</summary>
    public string Description => $"blobs {BlobsWhere}, bus {BusWhere}";

    private string BlobsWhere => Blobs switch
    {
        FolderBlobStore folder => $"in {folder.Root}",
        AzureBlobStore azure => $"at {azure.ServiceUri}",
        _ => Blobs.GetType().Name,
    };

    private string BusWhere => Bus switch
    {
        SqliteMessageBus sqlite => $"in {sqlite.DatabasePath}",
        ServiceBusRestBus serviceBus => $"at {serviceBus.Endpoint}",
        _ => Bus.GetType().Name,
    };

    /// <summary>Opens what <paramref name="options"/> name with the default clients (see <see cref="PipelineClientOptions"/>).</summary>
    /// <exception cref="DistillConfigurationException">The options have problems (every one listed).</exception>
    public static Task<PipelineConnection> OpenAsync(DistillOptions options, TimeProvider time, CancellationToken cancellationToken) =>
        OpenAsync(options, time, null, cancellationToken);

    /// <summary>Opens what <paramref name="options"/> name, creating the containers when needed.</summary>
    /// <exception cref="DistillConfigurationException">The options have problems (every one listed).</exception>
    public static async Task<PipelineConnection> OpenAsync(DistillOptions options, TimeProvider time, PipelineClientOptions? clients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.ThrowIfInvalid();
        clients ??= new PipelineClientOptions();
        TokenCredential? credential = clients.Credential;
        TokenCredential Credential() => credential ??= new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.Identity.ClientId });

        IBlobStore? blobs = null;
        IMessageBus? bus = null;
        try
        {
            Uri blobsUri;
            if (options.Storage.Kind == StorageKind.Folder)
            {
                var folder = new FolderBlobStore(options.Storage.Folder!, time);
                blobs = folder;
                blobsUri = new Uri(folder.Root.EndsWith(Path.DirectorySeparatorChar) ? folder.Root : folder.Root + Path.DirectorySeparatorChar);
            }
            else
            {
                var blobOptions = options.AzureBlobOptions();
                if (blobOptions.Authentication == AzureBlobAuthentication.EntraId)
                {
                    blobOptions = blobOptions with { Credential = Credential(), ManagedIdentityClientId = null };
                }
                var azure = new AzureBlobStore(blobOptions, clients.Blobs, time);
                blobs = azure;
                blobsUri = azure.ServiceUri;
            }

            if (options.Bus.Kind == BusKind.Sqlite)
            {
                bus = new SqliteMessageBus(options.Bus.Path!, PipelineTopology.Create(), time);
            }
            else
            {
                var busOptions = options.ServiceBusOptions();
                bus = new ServiceBusRestBus(busOptions, PipelineTopology.Create(),
                    busOptions.Authentication == ServiceBusAuthenticationKind.EntraId ? Credential() : null, time, clients.ServiceBus);
            }

            var externalEvents = options.Events.EventGridEndpoint is { } endpoint
                ? new EventGridEventSink(endpoint, Credential(), clients.EventGrid)
                : null;

            foreach (var container in Containers)
            {
                await blobs.CreateContainerIfNotExistsAsync(container, cancellationToken).ConfigureAwait(false);
            }
            return new PipelineConnection(options, blobs, bus, externalEvents, blobsUri, time);
        }
        catch
        {
            await DisposeAsync(blobs, bus).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What the handlers work with: events go to the bus topic, each run's event folder and the external sink.</summary>
    public PipelineContext CreateContext() => new(Blobs, Bus, Time, ExternalEvents, Options.Events.StageEvents);

    public ValueTask DisposeAsync() => DisposeAsync(Blobs, Bus);

    private static async ValueTask DisposeAsync(IBlobStore? blobs, IMessageBus? bus)
    {
        if (bus is not null)
        {
            await bus.DisposeAsync().ConfigureAwait(false);
        }
        if (blobs is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
