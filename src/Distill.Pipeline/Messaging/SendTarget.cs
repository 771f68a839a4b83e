namespace Distill.Pipeline.Messaging;

/// <summary>A queue or topic as a destination: duplicate detection and TTL apply here, then the message goes to <see cref="Receivers"/>.</summary>
internal sealed class SendTarget
{
    /// <summary>The name as declared.</summary>
    public required string Name { get; init; }

    public string Key => Name.ToLowerInvariant();

    public required bool IsTopic { get; init; }

    public TimeSpan? DuplicateDetectionWindow { get; init; }

    /// <summary>The topic's own TTL cap (a queue's is on its <see cref="ReceivableEntity"/>).</summary>
    public TimeSpan? DefaultMessageTimeToLive { get; init; }

    /// <summary>The queue itself, or the topic's subscriptions.</summary>
    public required IReadOnlyList<ReceivableEntity> Receivers { get; init; }
}
