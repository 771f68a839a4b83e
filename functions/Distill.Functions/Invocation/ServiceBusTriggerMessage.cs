using System.Text;
using Distill.Functions.Hosting;
using Distill.Pipeline.Messaging;

namespace Distill.Functions.Invocation;

/// <summary>
/// Turns a <c>serviceBusTrigger</c> invocation into the <see cref="ReceivedBusMessage"/> the local stack's bus would have
/// handed the dispatcher: the body from <c>Data.message</c>, and from the metadata the Service Bus extension (5.x) adds
/// the message id, delivery count, sequence number, times, correlation id, content type and application properties;
/// on a dead-letter queue, the dead-letter reason and description, which Service Bus keeps among the application
/// properties. The entity path is the function's.
/// </summary>
/// <remarks>
/// The host also copies a JSON body's top-level properties into the metadata, overwriting its own keys of the same name
/// (case aside): a CloudEvent's or an Event Grid event's <c>subject</c> replaces the message's <c>Subject</c>. The subject
/// is therefore read from <c>Label</c>, the extension's older name for it, which no body of the pipeline's has. No body
/// has a top-level <c>messageId</c>, <c>deliveryCount</c> or <c>applicationProperties</c> either.
/// </remarks>
internal static class ServiceBusTriggerMessage
{
    /// <summary>The application property Service Bus sets on a dead-lettered message: why it was dead-lettered.</summary>
    public const string DeadLetterReasonProperty = "DeadLetterReason";

    /// <summary>The application property Service Bus sets on a dead-lettered message: a sentence about it.</summary>
    public const string DeadLetterErrorDescriptionProperty = "DeadLetterErrorDescription";

    /// <summary>Reads the message of <paramref name="function"/>'s trigger from <paramref name="request"/>.</summary>
    /// <param name="invocationId">The host's invocation id, the lock token's stand-in when the metadata has none.</param>
    /// <param name="now">The time, for what the host does not send (the lock's expiry: the host holds and renews the lock).</param>
    /// <exception cref="InvalidInvocationException">No message body, no <c>MessageId</c> or <c>DeliveryCount</c>, or a malformed value.</exception>
    public static ReceivedBusMessage Read(InvocationRequest request, PipelineFunction function, string invocationId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(function);
        var body = request.TriggerText(PipelineFunctions.TriggerBindingName);
        var messageId = request.MetadataString("MessageId") is { Length: > 0 } id
            ? id
            : throw new InvalidInvocationException("the invocation's metadata has no 'MessageId'; is the trigger a serviceBusTrigger?");
        var deliveryCount = request.MetadataInt64("DeliveryCount")
            ?? throw new InvalidInvocationException($"the invocation of message '{messageId}' has no 'DeliveryCount' in its metadata");
        if (deliveryCount is < 1 or > int.MaxValue)
        {
            throw new InvalidInvocationException($"the invocation of message '{messageId}' has the DeliveryCount {deliveryCount}; it must be 1 or more");
        }

        var properties = request.MetadataProperties("ApplicationProperties");
        if (properties.Count == 0)
        {
            properties = request.MetadataProperties("UserProperties");
        }
        var deadLetter = function.EntityPath.EndsWith("/" + EntityPath.DeadLetterQueueSegment, StringComparison.OrdinalIgnoreCase);
        string? deadLetterReason = null;
        string? deadLetterDescription = null;
        if (deadLetter)
        {
            deadLetterReason = Take(properties, DeadLetterReasonProperty);
            deadLetterDescription = Take(properties, DeadLetterErrorDescriptionProperty);
        }

        var expiresAt = request.MetadataTime("ExpiresAtUtc") ?? request.MetadataTime("ExpiresAt");
        return new ReceivedBusMessage
        {
            EntityPath = function.EntityPath,
            Body = Encoding.UTF8.GetBytes(body),
            MessageId = messageId,
            CorrelationId = request.MetadataString("CorrelationId"),
            Subject = request.MetadataString("Label"),
            ContentType = request.MetadataString("ContentType"),
            ApplicationProperties = properties,
            SequenceNumber = request.MetadataInt64("SequenceNumber") ?? 0,
            EnqueuedTime = request.MetadataTime("EnqueuedTimeUtc") ?? request.MetadataTime("EnqueuedTime") ?? now,
            // Service Bus reports "never" as the largest time.
            ExpiresAt = expiresAt is { Year: >= 9999 } ? null : expiresAt,
            DeliveryCount = (int)deliveryCount,
            LockToken = request.MetadataString("LockToken") is { Length: > 0 } token ? token : invocationId,
            LockedUntil = now,
            DeadLetterReason = deadLetterReason,
            DeadLetterErrorDescription = deadLetterDescription,
        };
    }

    private static string? Take(Dictionary<string, object> properties, string name)
    {
        if (!properties.Remove(name, out var value))
        {
            return null;
        }
        return value as string ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
