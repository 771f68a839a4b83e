namespace Distill.Pipeline.Configuration;

/// <summary>Where the command line and the runner find the pipeline (<c>--target</c>, <c>DISTILL_TARGET</c>).</summary>
public enum PipelineTarget
{
    /// <summary>The local store folder: blobs in <c>{store}/blobs</c>, the SQLite bus in <c>{store}/bus.db</c>.</summary>
    Local,

    /// <summary>What the <c>Distill:*</c> configuration names (environment variables <c>Distill__...</c>): Azure Blob Storage, Service Bus, Event Grid.</summary>
    Azure,

    /// <summary>Blobs in Azurite (Shared Key with its well-known development account) and the SQLite bus in the local store folder.</summary>
    Azurite,
}
