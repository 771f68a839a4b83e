namespace Distill.Pipeline.Messaging;

/// <summary>A queue or subscription as the implementations use it: its path, storage key and delivery settings.</summary>
internal sealed class ReceivableEntity
{
    /// <summary>The path as declared: <c>{queue}</c> or <c>{topic}/subscriptions/{name}</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The path in lower case, since Service Bus entity names ignore case.</summary>
    public string Key => Path.ToLowerInvariant();

    public required TimeSpan LockDuration { get; init; }

    public required int MaxDeliveryCount { get; init; }

    public TimeSpan? DefaultMessageTimeToLive { get; init; }

    public bool DeadLetterOnMessageExpiration { get; init; }

    /// <summary>A subscription's rules (any matches); empty for queues and for subscriptions that take every message.</summary>
    public IReadOnlyList<CorrelationFilter> Filters { get; init; } = [];

    public string DeadLetterPath => EntityPath.DeadLetterQueue(Path);

    public bool Accepts(string? subject, string? correlationId, string? contentType, IReadOnlyDictionary<string, object> properties) =>
        Filters.Count == 0 || Filters.Any(filter => filter.Matches(subject, correlationId, contentType, properties));
}
