namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// Reads a Service Bus connection string as the portal gives it:
/// <c>Endpoint=sb://{namespace}.servicebus.windows.net/;SharedAccessKeyName={name};SharedAccessKey={key}</c>.
/// </summary>
public static class ServiceBusConnectionString
{
    /// <summary>
    /// Options with shared access key authentication for the namespace in <paramref name="connectionString"/>.
    /// Keys are matched without case; the endpoint's scheme may be <c>sb</c> or <c>https</c>.
    /// </summary>
    /// <remarks>
    /// An <c>EntityPath</c> is rejected: the bus serves every queue and topic of its topology, and a key scoped to
    /// one entity would fail on the others. <c>SharedAccessSignature</c> (a ready-made token) is rejected too, since
    /// it expires and cannot be renewed here; use the key, or Entra ID.
    /// </remarks>
    /// <exception cref="FormatException">Lists every problem; the message never contains the key.</exception>
    public static ServiceBusRestOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add($"the part '{Redact(part)}' is not 'Name=value'");
                continue;
            }
            var name = part[..equals].Trim();
            if (!values.TryAdd(name, part[(equals + 1)..].Trim()))
            {
                problems.Add($"'{name}' is given more than once");
            }
        }
        foreach (var name in values.Keys)
        {
            if (name.Equals("EntityPath", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add("'EntityPath' is not supported: use a namespace-level connection string, since the bus serves every queue and topic of its topology");
            }
            else if (name.Equals("SharedAccessSignature", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add("'SharedAccessSignature' is not supported: a ready-made token expires and cannot be renewed; give SharedAccessKeyName and SharedAccessKey");
            }
            else if (!name.Equals("Endpoint", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("SharedAccessKeyName", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("SharedAccessKey", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"'{name}' is not a setting this bus knows (Endpoint, SharedAccessKeyName, SharedAccessKey)");
            }
        }
        string host = "";
        if (!values.TryGetValue("Endpoint", out var endpoint) || endpoint.Length == 0)
        {
            problems.Add("'Endpoint' is missing; it looks like 'Endpoint=sb://{namespace}.servicebus.windows.net/'");
        }
        else if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || (uri.Scheme != "sb" && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath.Trim('/').Length > 0)
        {
            problems.Add($"'Endpoint' is '{endpoint}'; it must be 'sb://{{namespace}}.servicebus.windows.net/' (or https://), with no path");
        }
        else
        {
            host = uri.IsDefaultPort || uri.Port < 0 ? uri.Host : $"{uri.Host}:{uri.Port}";
        }
        values.TryGetValue("SharedAccessKeyName", out var keyName);
        values.TryGetValue("SharedAccessKey", out var key);
        if (string.IsNullOrEmpty(keyName))
        {
            problems.Add("'SharedAccessKeyName' is missing");
        }
        if (string.IsNullOrEmpty(key))
        {
            problems.Add("'SharedAccessKey' is missing");
        }
        if (problems.Count > 0)
        {
            throw new FormatException($"the Service Bus connection string has {problems.Count} problem(s): {string.Join("; ", problems)}");
        }
        return new ServiceBusRestOptions
        {
            FullyQualifiedNamespace = host,
            Authentication = ServiceBusAuthenticationKind.SharedAccessKey,
            SharedAccessKeyName = keyName,
            SharedAccessKey = key,
        };
    }

    /// <summary>A part as an error message may show it: the key's value hidden.</summary>
    private static string Redact(string part) =>
        part.StartsWith("SharedAccessKey", StringComparison.OrdinalIgnoreCase) && !part.StartsWith("SharedAccessKeyName", StringComparison.OrdinalIgnoreCase)
            ? "SharedAccessKey…"
            : part;
}
