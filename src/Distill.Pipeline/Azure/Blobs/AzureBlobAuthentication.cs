namespace Distill.Pipeline.Azure.Blobs;

/// <summary>How <see cref="AzureBlobStore"/> proves who it is to Blob Storage (see <see cref="AzureBlobStoreOptions.Authentication"/>).</summary>
public enum AzureBlobAuthentication
{
    /// <summary>
    /// Microsoft Entra ID bearer tokens for https://storage.azure.com/.default from a <c>TokenCredential</c>
    /// (DefaultAzureCredential unless one is given: a managed identity on Azure, the developer's login elsewhere).
    /// The account needs a role such as Storage Blob Data Contributor. The way to run on Azure.
    /// </summary>
    EntraId,

    /// <summary>Every request signed with the account key (Shared Key). For Azurite: Distill's Azure accounts disable key access.</summary>
    SharedKey,

    /// <summary>A shared access signature appended to every request's query.</summary>
    SharedAccessSignature,
}
