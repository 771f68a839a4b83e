namespace Distill.Pipeline.Configuration;

/// <summary>Where the pipeline's blobs live (<c>Distill:Storage:Kind</c>).</summary>
public enum StorageKind
{
    /// <summary>A folder on this machine (<see cref="Storage.FolderBlobStore"/>), named by <c>Distill:Storage:Folder</c>.</summary>
    Folder,

    /// <summary>Azure Blob Storage or Azurite (<see cref="Azure.Blobs.AzureBlobStore"/>), by service URI (Entra ID) or connection string.</summary>
    Azure,
}
