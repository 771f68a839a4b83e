namespace Distill.Pipeline.Configuration;

/// <summary>
/// The configuration keys <see cref="DistillOptions"/> reads. In environment variables ':' is written '__'
/// (<c>Distill__Storage__Kind</c>); the infrastructure writes the same names into the Functions app's and the runner
/// job's settings.
/// </summary>
public static class DistillConfigurationKeys
{
    /// <summary>The section every key is under.</summary>
    public const string Section = "Distill";

    /// <summary><c>Folder</c> or <c>Azure</c>.</summary>
    public const string StorageKind = "Distill:Storage:Kind";

    /// <summary>The blob folder (Folder storage).</summary>
    public const string StorageFolder = "Distill:Storage:Folder";

    /// <summary>The Blob service endpoint, authenticated with Entra ID (Azure storage).</summary>
    public const string StorageServiceUri = "Distill:Storage:ServiceUri";

    /// <summary>An Azure Storage connection string with a Shared Key or SAS (Azure storage; from the environment or a secret store only).</summary>
    public const string StorageConnectionString = "Distill:Storage:ConnectionString";

    /// <summary><c>Sqlite</c> or <c>ServiceBus</c>.</summary>
    public const string BusKind = "Distill:Bus:Kind";

    /// <summary>The SQLite database file (Sqlite bus).</summary>
    public const string BusPath = "Distill:Bus:Path";

    /// <summary>The Service Bus namespace's host name, authenticated with Entra ID (ServiceBus bus).</summary>
    public const string BusNamespace = "Distill:Bus:Namespace";

    /// <summary>A Service Bus connection string with a shared access key (ServiceBus bus; from the environment or a secret store only).</summary>
    public const string BusConnectionString = "Distill:Bus:ConnectionString";

    /// <summary>The Event Grid custom topic's endpoint the run outcomes are published to (optional; Entra ID).</summary>
    public const string EventsEventGridEndpoint = "Distill:Events:EventGridEndpoint";

    /// <summary>True to publish every stage event to the Event Grid topic too, not only the run outcomes (optional; default false).</summary>
    public const string EventsStageEvents = "Distill:Events:StageEvents";

    /// <summary>The client id of the user-assigned managed identity Entra ID tokens are asked for (optional; <c>AZURE_CLIENT_ID</c> is honoured too).</summary>
    public const string IdentityClientId = "Distill:Identity:ClientId";
}
