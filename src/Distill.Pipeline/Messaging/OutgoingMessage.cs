namespace Distill.Pipeline.Messaging;

/// <summary>A <see cref="BusMessage"/> checked and frozen at send: an id assigned, properties normalized.</summary>
internal sealed class OutgoingMessage
{
    private OutgoingMessage(BusMessage message, string messageId, IReadOnlyDictionary<string, object> properties)
    {
        Body = message.Body.ToArray();
        MessageId = messageId;
        CorrelationId = message.CorrelationId;
        Subject = message.Subject;
        ContentType = message.ContentType;
        ScheduledEnqueueTime = message.ScheduledEnqueueTime;
        TimeToLive = message.TimeToLive;
        ApplicationProperties = properties;
    }

    public byte[] Body { get; }

    public string MessageId { get; }

    public string? CorrelationId { get; }

    public string? Subject { get; }

    public string? ContentType { get; }

    public DateTimeOffset? ScheduledEnqueueTime { get; }

    public TimeSpan? TimeToLive { get; }

    public IReadOnlyDictionary<string, object> ApplicationProperties { get; }

    /// <summary>Checks the message and freezes a copy, so later changes to it do not reach the bus.</summary>
    /// <exception cref="ArgumentException">Lists every problem: id length, time to live, property names and values.</exception>
    public static OutgoingMessage From(BusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var messageId = message.MessageId ?? Guid.NewGuid().ToString("N");
        var problems = new List<string>();
        if (messageId.Length == 0 || messageId.Length > BusMessage.MaxMessageIdLength)
        {
            problems.Add($"the message id is {messageId.Length} characters long; it must have 1 to {BusMessage.MaxMessageIdLength}");
        }
        if (message.TimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            problems.Add($"TimeToLive is {ttl}; it must be more than zero (or null for the entity's default)");
        }
        var properties = new Dictionary<string, object>(message.ApplicationProperties.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in message.ApplicationProperties)
        {
            if (ApplicationPropertyValues.Problem(name, value) is { } problem)
            {
                problems.Add(problem);
            }
            else
            {
                properties[name] = ApplicationPropertyValues.Normalize(value);
            }
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"message '{messageId}' cannot be sent: {string.Join("; ", problems)}", nameof(message));
        }
        return new OutgoingMessage(message, messageId, properties);
    }

    /// <summary>When the message expires on <paramref name="receiver"/> if enqueued at <paramref name="enqueuedTime"/>; null for never.</summary>
    public DateTimeOffset? ExpiresAt(DateTimeOffset enqueuedTime, SendTarget target, ReceivableEntity receiver)
    {
        TimeSpan? ttl = TimeToLive;
        foreach (var cap in new[] { target.DefaultMessageTimeToLive, receiver.DefaultMessageTimeToLive })
        {
            if (cap is { } c && (ttl is null || c < ttl))
            {
                ttl = c;
            }
        }
        if (ttl is not { } span)
        {
            return null;
        }
        return span >= DateTimeOffset.MaxValue - enqueuedTime ? null : enqueuedTime + span;
    }
}
