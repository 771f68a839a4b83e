namespace Distill.Pipeline.Messaging;

/// <summary>
/// Builds the paths <see cref="IMessageBus.ReceiveAsync"/> takes, named as Service Bus names them: a queue's name,
/// <c>{topic}/subscriptions/{subscription}</c>, and either followed by <c>/$deadletterqueue</c>.
/// </summary>
public static class EntityPath
{
    /// <summary>The last segment of a dead-letter queue's path.</summary>
    public const string DeadLetterQueueSegment = "$deadletterqueue";

    /// <summary>The segment between a topic and its subscription's name.</summary>
    public const string SubscriptionsSegment = "subscriptions";

    /// <summary><c>{topic}/subscriptions/{subscription}</c>.</summary>
    public static string Subscription(string topic, string subscription) => $"{topic}/{SubscriptionsSegment}/{subscription}";

    /// <summary>The dead-letter queue of a queue or subscription path.</summary>
    public static string DeadLetterQueue(string entityPath) => $"{entityPath}/{DeadLetterQueueSegment}";
}
