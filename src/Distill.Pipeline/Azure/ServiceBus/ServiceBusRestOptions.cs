namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// Where the Service Bus namespace is and how to authenticate to it. Build it directly, or from a connection string
/// with <see cref="ServiceBusConnectionString.Parse"/>; <see cref="Validate"/> lists every problem.
/// </summary>
public sealed record ServiceBusRestOptions
{
    /// <summary>Microsoft Entra ID's scope for Service Bus data-plane tokens.</summary>
    public const string EntraScope = "https://servicebus.azure.net/.default";

    /// <summary>
    /// The namespace's host name, such as <c>sb-x.servicebus.windows.net</c> (a port may follow, <c>host:port</c>).
    /// Requests go to <c>https://{namespace}/</c>: Service Bus only speaks TLS, and bearer tokens and signatures are
    /// never sent in the clear.
    /// </summary>
    public required string FullyQualifiedNamespace { get; init; }

    /// <summary>Entra ID (the default; managed identity on Azure) or a shared access key.</summary>
    public ServiceBusAuthenticationKind Authentication { get; init; } = ServiceBusAuthenticationKind.EntraId;

    /// <summary>The shared access policy's name (<c>skn</c>); required with <see cref="ServiceBusAuthenticationKind.SharedAccessKey"/>.</summary>
    public string? SharedAccessKeyName { get; init; }

    /// <summary>
    /// The shared access key as the portal shows it (base64 text); the signature uses its UTF-8 bytes as the HMAC key.
    /// A secret: read it from configuration or a key vault, never from a file in the repository.
    /// </summary>
    public string? SharedAccessKey { get; init; }

    /// <summary>How long a SharedAccessSignature token is valid; a new one is made when a fifth of this is left.</summary>
    public TimeSpan SharedAccessSignatureLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The longest one receive request long-polls the broker (<c>timeout</c> in seconds); a longer
    /// <see cref="Messaging.IMessageBus.ReceiveAsync"/> wait is several requests. It must stay below the
    /// pipeline's network timeout (<c>ClientOptions.Retry.NetworkTimeout</c>, 100 s by default).
    /// </summary>
    public TimeSpan MaxReceiveRequestWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The namespace's endpoint, <c>https://{FullyQualifiedNamespace}/</c>.</summary>
    public Uri Endpoint => new($"https://{FullyQualifiedNamespace}/", UriKind.Absolute);

    /// <summary>Every problem with these options, each naming the setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(FullyQualifiedNamespace))
        {
            problems.Add("FullyQualifiedNamespace is empty; set the namespace's host name, such as 'sb-x.servicebus.windows.net'");
        }
        else if (FullyQualifiedNamespace.Contains("://", StringComparison.Ordinal) || FullyQualifiedNamespace.Contains('/', StringComparison.Ordinal)
            || Uri.CheckHostName(FullyQualifiedNamespace.Split(':')[0]) == UriHostNameType.Unknown
            || !Uri.TryCreate($"https://{FullyQualifiedNamespace}/", UriKind.Absolute, out _))
        {
            problems.Add($"FullyQualifiedNamespace '{FullyQualifiedNamespace}' is not a host name (with an optional port); give the host only, such as 'sb-x.servicebus.windows.net'");
        }
        switch (Authentication)
        {
            case ServiceBusAuthenticationKind.EntraId:
                if (SharedAccessKeyName is not null || SharedAccessKey is not null)
                {
                    problems.Add("SharedAccessKeyName and SharedAccessKey are set but Authentication is EntraId; choose one way to authenticate");
                }
                break;
            case ServiceBusAuthenticationKind.SharedAccessKey:
                if (string.IsNullOrEmpty(SharedAccessKeyName))
                {
                    problems.Add("SharedAccessKeyName is empty; SharedAccessKey authentication needs the policy's name");
                }
                if (string.IsNullOrEmpty(SharedAccessKey))
                {
                    problems.Add("SharedAccessKey is empty; SharedAccessKey authentication needs the key");
                }
                break;
            default:
                problems.Add($"Authentication is {Authentication}; use EntraId or SharedAccessKey");
                break;
        }
        if (SharedAccessSignatureLifetime < TimeSpan.FromMinutes(1) || SharedAccessSignatureLifetime > TimeSpan.FromDays(7))
        {
            problems.Add($"SharedAccessSignatureLifetime is {SharedAccessSignatureLifetime}; use 1 minute to 7 days");
        }
        if (MaxReceiveRequestWait < TimeSpan.FromSeconds(1) || MaxReceiveRequestWait > TimeSpan.FromMinutes(5))
        {
            problems.Add($"MaxReceiveRequestWait is {MaxReceiveRequestWait}; use 1 second to 5 minutes");
        }
        return problems;
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="ArgumentException">Lists every problem.</exception>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"the Service Bus options have {problems.Count} problem(s): {string.Join("; ", problems)}");
        }
    }

    /// <summary>Leaves the key out, so options can be logged.</summary>
    public override string ToString() =>
        $"ServiceBusRestOptions {{ FullyQualifiedNamespace = {FullyQualifiedNamespace}, Authentication = {Authentication}, SharedAccessKeyName = {SharedAccessKeyName} }}";
}
