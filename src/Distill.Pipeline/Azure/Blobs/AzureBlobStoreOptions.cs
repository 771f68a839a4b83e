using System.Net;
using Azure.Core;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>
/// Where <see cref="AzureBlobStore"/> finds Blob Storage and how it authenticates: <see cref="AccountKey"/> for Shared
/// Key, <see cref="SasToken"/> for a shared access signature, otherwise Microsoft Entra ID (<see cref="Credential"/>, or
/// DefaultAzureCredential). Give at most one of the three. <see cref="Validate"/> lists every problem; the store
/// refuses options with any.
/// </summary>
public sealed record AzureBlobStoreOptions
{
    /// <summary>
    /// The Blob service endpoint: <c>https://{account}.blob.core.windows.net</c> on Azure, or a path-style endpoint
    /// such as Azurite's <c>http://127.0.0.1:10000/devstoreaccount1</c>. Containers are addressed below it.
    /// </summary>
    public Uri? ServiceUri { get; init; }

    /// <summary>
    /// The storage account, needed for Shared Key. When null it is taken from <see cref="ServiceUri"/>: the first
    /// label of an Azure host name (<c>{account}.blob.core.windows.net</c> or another cloud's suffix), or the first path
    /// segment of a loopback or IP address endpoint (Azurite's path style). A custom domain needs it given.
    /// </summary>
    public string? AccountName { get; init; }

    /// <summary>The account key (base64) for Shared Key signing. Keep it out of files: pass it from a secret store.</summary>
    public string? AccountKey { get; init; }

    /// <summary>A shared access signature (<c>sv=...&amp;sig=...</c>, with or without the leading '?') appended to every request.</summary>
    public string? SasToken { get; init; }

    /// <summary>The Entra ID credential; when null (and no key or SAS is given) a DefaultAzureCredential is used.</summary>
    public TokenCredential? Credential { get; init; }

    /// <summary>The client id of a user-assigned managed identity for the DefaultAzureCredential (Entra ID without <see cref="Credential"/>).</summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>The authentication these options choose.</summary>
    public AzureBlobAuthentication Authentication =>
        AccountKey is not null ? AzureBlobAuthentication.SharedKey
        : SasToken is not null ? AzureBlobAuthentication.SharedAccessSignature
        : AzureBlobAuthentication.EntraId;

    /// <summary>
    /// Options from an Azure Storage connection string: <c>AccountName=...;AccountKey=...[;BlobEndpoint=...]
    /// [;DefaultEndpointsProtocol=https][;EndpointSuffix=core.windows.net]</c>, <c>BlobEndpoint=...;SharedAccessSignature=...</c>,
    /// or <c>UseDevelopmentStorage=true</c> (Azurite on its default port). Throws <see cref="ArgumentException"/> listing
    /// every problem; the message never repeats the key or signature.
    /// </summary>
    public static AzureBlobStoreOptions FromConnectionString(string connectionString) => AzureStorageConnectionString.Parse(connectionString);

    /// <summary>Every problem with these options (empty when they are usable), each naming the property and what to do.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ServiceUri is null)
        {
            problems.Add("ServiceUri is required (for example https://{account}.blob.core.windows.net, or Azurite's http://127.0.0.1:10000/devstoreaccount1)");
        }
        else if (!ServiceUri.IsAbsoluteUri || (ServiceUri.Scheme != Uri.UriSchemeHttps && ServiceUri.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"ServiceUri '{ServiceUri}' is not an absolute http or https address");
        }
        else if (ServiceUri.Query.Length > 0 || ServiceUri.Fragment.Length > 0)
        {
            problems.Add("ServiceUri must have no query or fragment; give a shared access signature in SasToken");
        }

        var ways = new List<string>();
        if (AccountKey is not null)
        {
            ways.Add("AccountKey");
        }
        if (SasToken is not null)
        {
            ways.Add("SasToken");
        }
        if (Credential is not null)
        {
            ways.Add("Credential");
        }
        if (ways.Count > 1)
        {
            problems.Add($"give one way to authenticate, not {string.Join(" and ", ways)}");
        }

        if (AccountKey is not null && !IsBase64(AccountKey))
        {
            problems.Add("AccountKey is not a base64 account key");
        }
        if (AccountName is not null && !IsAccountName(AccountName))
        {
            problems.Add($"AccountName '{AccountName}' is not a storage account name (3 to 24 lowercase letters and digits)");
        }
        if (AccountKey is not null && AccountName is null && ServiceUri is { IsAbsoluteUri: true } && ResolveAccountName() is null)
        {
            problems.Add($"AccountName is required for Shared Key: it cannot be taken from ServiceUri '{ServiceUri}'");
        }
        if (SasToken is not null && !SasToken.TrimStart('?').Split('&').Any(p => p.StartsWith("sig=", StringComparison.Ordinal)))
        {
            problems.Add("SasToken has no signature (sig=...); give the token as the portal or CLI prints it");
        }
        if (Authentication == AzureBlobAuthentication.EntraId && ServiceUri is { IsAbsoluteUri: true } && ServiceUri.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add($"Entra ID tokens are only sent over https, and ServiceUri '{ServiceUri}' is http; use https, or Shared Key for Azurite");
        }
        if (ManagedIdentityClientId is not null && (Authentication != AzureBlobAuthentication.EntraId || Credential is not null))
        {
            problems.Add("ManagedIdentityClientId only applies to the DefaultAzureCredential (Entra ID without a Credential)");
        }
        return problems;
    }

    /// <summary>The endpoint, account and kind of authentication; never the key, signature or credential.</summary>
    public override string ToString() =>
        $"AzureBlobStoreOptions {{ ServiceUri = {ServiceUri}, AccountName = {AccountName ?? ResolveAccountName()}, Authentication = {Authentication} }}";

    internal void ThrowIfInvalid()
    {
        if (Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Azure blob store options are invalid: {string.Join("; ", problems)}");
        }
    }

    /// <summary>The account that signs Shared Key requests (see <see cref="AccountName"/>), or null when none can be found.</summary>
    internal string? ResolveAccountName()
    {
        if (AccountName is not null)
        {
            return AccountName;
        }
        if (ServiceUri is not { IsAbsoluteUri: true } uri)
        {
            return null;
        }
        if (IsPathStyle(uri))
        {
            var first = uri.AbsolutePath.Trim('/').Split('/')[0];
            return IsAccountName(first) ? first : null;
        }
        // {account}.blob.core.windows.net, or another cloud's {account}.blob.{suffix}; a custom domain names no account.
        var labels = uri.Host.Split('.');
        return labels.Length > 2 && labels[1] == "blob" && IsAccountName(labels[0]) ? labels[0] : null;
    }

    /// <summary>Endpoints on an IP address or localhost carry the account in the path (Azurite, the storage emulator).</summary>
    internal static bool IsPathStyle(Uri uri) =>
        uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || uri.IsLoopback ||
        IPAddress.TryParse(uri.Host, out _);

    private static bool IsAccountName(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return value.Length > 0 && Convert.TryFromBase64String(value, buffer, out var written) && written > 0;
    }
}
