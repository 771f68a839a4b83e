namespace Distill.Pipeline.Configuration;

/// <summary>The <c>Distill:Storage</c> section: where the blobs live and how to reach them.</summary>
public sealed class StorageOptions
{
    /// <summary><see cref="DistillConfigurationKeys.StorageKind"/>; required.</summary>
    public StorageKind? Kind { get; set; }

    /// <summary><see cref="DistillConfigurationKeys.StorageFolder"/>: the blob folder, for <see cref="StorageKind.Folder"/>.</summary>
    public string? Folder { get; set; }

    /// <summary><see cref="DistillConfigurationKeys.StorageServiceUri"/>: <c>https://{account}.blob.core.windows.net</c>, with Entra ID.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary><see cref="DistillConfigurationKeys.StorageConnectionString"/>: Shared Key or SAS (Azurite's, for one). A secret.</summary>
    public string? ConnectionString { get; set; }
}
