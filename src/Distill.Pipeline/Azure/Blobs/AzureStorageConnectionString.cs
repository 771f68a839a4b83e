namespace Distill.Pipeline.Azure.Blobs;

/// <summary>Reads Azure Storage connection strings into <see cref="AzureBlobStoreOptions"/> (see <see cref="AzureBlobStoreOptions.FromConnectionString"/>).</summary>
internal static class AzureStorageConnectionString
{
    /// <summary>The account every Azurite instance has.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The well-known key of <see cref="DevelopmentAccountName"/>, published with the emulator (not a secret).</summary>
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Azurite's blob endpoint on its default port.</summary>
    public static readonly Uri DevelopmentBlobEndpoint = new("http://127.0.0.1:10000/devstoreaccount1");

    private const string DefaultEndpointSuffix = "core.windows.net";

    // The other services' endpoints are part of connection strings the portal hands out; the blob store ignores them.
    private static readonly HashSet<string> s_ignored = new(StringComparer.OrdinalIgnoreCase) { "QueueEndpoint", "TableEndpoint", "FileEndpoint" };

    private static readonly HashSet<string> s_known = new(StringComparer.OrdinalIgnoreCase)
    {
        "UseDevelopmentStorage", "DevelopmentStorageProxyUri", "DefaultEndpointsProtocol", "AccountName", "AccountKey",
        "BlobEndpoint", "EndpointSuffix", "SharedAccessSignature",
    };

    public static AzureBlobStoreOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var problems = new List<string>();
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            // Values may hold '=' (base64 keys end in it): split at the first one. Never echo a value: it may be a secret.
            var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add($"setting {i + 1} is not Name=value");
                continue;
            }
            var name = parts[i][..equals].Trim();
            var value = parts[i][(equals + 1)..].Trim();
            if (!s_known.Contains(name) && !s_ignored.Contains(name))
            {
                problems.Add($"unknown setting '{name}'");
            }
            else if (!settings.TryAdd(name, value))
            {
                problems.Add($"{name} is given twice");
            }
        }
        if (parts.Length == 0)
        {
            problems.Add("it is empty");
        }

        var options = settings.ContainsKey("UseDevelopmentStorage")
            ? DevelopmentStorage(settings, problems)
            : Account(settings, problems);
        if (problems.Count == 0)
        {
            problems.AddRange(options.Validate());
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"the storage connection string is invalid: {string.Join("; ", problems)}", nameof(connectionString));
        }
        return options;
    }

    private static AzureBlobStoreOptions DevelopmentStorage(Dictionary<string, string> settings, List<string> problems)
    {
        if (!string.Equals(settings["UseDevelopmentStorage"], "true", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("UseDevelopmentStorage can only be true");
        }
        if (settings.ContainsKey("DevelopmentStorageProxyUri"))
        {
            problems.Add("DevelopmentStorageProxyUri is not supported; give BlobEndpoint, AccountName and AccountKey instead");
        }
        var others = settings.Keys.Where(k => k is not ("UseDevelopmentStorage" or "DevelopmentStorageProxyUri") && !s_ignored.Contains(k)).ToList();
        if (others.Count > 0)
        {
            problems.Add($"UseDevelopmentStorage=true stands alone, without {string.Join(", ", others)}");
        }
        return new AzureBlobStoreOptions
        {
            ServiceUri = DevelopmentBlobEndpoint,
            AccountName = DevelopmentAccountName,
            AccountKey = DevelopmentAccountKey,
        };
    }

    private static AzureBlobStoreOptions Account(Dictionary<string, string> settings, List<string> problems)
    {
        var accountName = Get(settings, "AccountName");
        var protocol = Get(settings, "DefaultEndpointsProtocol") ?? Uri.UriSchemeHttps;
        if (protocol is not ("https" or "http"))
        {
            problems.Add($"DefaultEndpointsProtocol '{protocol}' is neither https nor http");
        }
        Uri? serviceUri = null;
        if (Get(settings, "BlobEndpoint") is { } endpoint)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out serviceUri))
            {
                problems.Add($"BlobEndpoint '{endpoint}' is not an absolute address");
            }
        }
        else if (accountName is null)
        {
            problems.Add("give AccountName (the endpoint is made from it) or BlobEndpoint");
        }
        else
        {
            var suffix = Get(settings, "EndpointSuffix") ?? DefaultEndpointSuffix;
            serviceUri = new Uri($"{protocol}://{accountName}.blob.{suffix}");
        }
        var accountKey = Get(settings, "AccountKey");
        if (accountKey is not null && accountName is null)
        {
            problems.Add("AccountKey needs AccountName");
        }
        return new AzureBlobStoreOptions
        {
            ServiceUri = serviceUri,
            AccountName = accountName,
            AccountKey = accountKey,
            SasToken = Get(settings, "SharedAccessSignature"),
        };
    }

    private static string? Get(Dictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
