namespace Distill.Pipeline.Messaging;

/// <summary>A topic: a message sent to it is copied to every subscription whose filters match, and to no other.</summary>
public sealed class TopicDefinition(string name)
{
    /// <summary>Letters, digits, '.', '-', '_'; starts and ends with a letter or digit; at most 260 characters.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<SubscriptionDefinition> Subscriptions { get; init; } = [];

    /// <summary>When set, a message whose id was sent to this topic within the window is dropped silently.</summary>
    public TimeSpan? DuplicateDetectionWindow { get; init; }

    /// <summary>Caps every message's time to live; null: messages never expire unless they say so.</summary>
    public TimeSpan? DefaultMessageTimeToLive { get; init; }
}
