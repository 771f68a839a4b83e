namespace Distill.Pipeline.Messaging;

/// <summary>
/// A subscription rule in the shape of a Service Bus correlation filter: a message matches when every property
/// the filter sets equals the message's (strings compared ordinally, application property values by type and
/// value, an int filter value counting as a long). Distill filters on the event type, carried in
/// <see cref="BusMessage.Subject"/> or in an application property such as <c>type</c>.
/// </summary>
public sealed class CorrelationFilter
{
    private static readonly IReadOnlyDictionary<string, object> s_noProperties = new Dictionary<string, object>();

    public string? Subject { get; init; }

    public string? CorrelationId { get; init; }

    public string? ContentType { get; init; }

    /// <summary>Application properties the message must carry with these exact values.</summary>
    public IReadOnlyDictionary<string, object> ApplicationProperties { get; init; } = s_noProperties;

    /// <summary>Matches messages whose <see cref="BusMessage.Subject"/> is <paramref name="subject"/>.</summary>
    public static CorrelationFilter ForSubject(string subject) => new() { Subject = subject };

    /// <summary>Matches messages whose application property <paramref name="name"/> equals <paramref name="value"/>.</summary>
    public static CorrelationFilter ForProperty(string name, object value) =>
        new() { ApplicationProperties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase) { [name] = value } };

    /// <summary>Whether a message with these broker properties and normalized application properties matches.</summary>
    internal bool Matches(string? subject, string? correlationId, string? contentType, IReadOnlyDictionary<string, object> properties)
    {
        if (Subject is not null && !string.Equals(Subject, subject, StringComparison.Ordinal))
        {
            return false;
        }
        if (CorrelationId is not null && !string.Equals(CorrelationId, correlationId, StringComparison.Ordinal))
        {
            return false;
        }
        if (ContentType is not null && !string.Equals(ContentType, contentType, StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var (name, expected) in ApplicationProperties)
        {
            if (!properties.TryGetValue(name, out var actual) || !Equals(ApplicationPropertyValues.Normalize(expected), actual))
            {
                return false;
            }
        }
        return true;
    }

    internal IEnumerable<string> Problems(string where)
    {
        if (Subject is null && CorrelationId is null && ContentType is null && ApplicationProperties.Count == 0)
        {
            yield return $"{where}: the filter sets no property, so it would match nothing useful; leave the subscription without filters to receive every message";
        }
        foreach (var (name, value) in ApplicationProperties)
        {
            if (ApplicationPropertyValues.Problem(name, value) is { } problem)
            {
                yield return $"{where}: {problem}";
            }
        }
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Subject is not null)
        {
            parts.Add($"subject = '{Subject}'");
        }
        if (CorrelationId is not null)
        {
            parts.Add($"correlation id = '{CorrelationId}'");
        }
        if (ContentType is not null)
        {
            parts.Add($"content type = '{ContentType}'");
        }
        foreach (var (name, value) in ApplicationProperties)
        {
            parts.Add($"{name} = {value}");
        }
        return string.Join(" and ", parts);
    }
}
