using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Distill.Pipeline.Messaging;

/// <summary>
/// A message to send: a body of bytes and the Service Bus broker and application properties the bus carries
/// unchanged to every receiver.
/// </summary>
public sealed class BusMessage
{
    /// <summary>The longest <see cref="MessageId"/>, as Service Bus allows.</summary>
    public const int MaxMessageIdLength = 128;

    public BusMessage()
        : this(ReadOnlyMemory<byte>.Empty)
    {
    }

    public BusMessage(ReadOnlyMemory<byte> body)
    {
        Body = body;
    }

    /// <summary>The payload.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// The id duplicate detection keys on (at most 128 characters). Distill's ids are deterministic
    /// (<c>{runId}:{stage}:{attempt}</c>); when null the bus assigns a new unique id on send.
    /// </summary>
    public string? MessageId { get; set; }

    /// <summary>Groups related messages (Distill puts the run id here).</summary>
    public string? CorrelationId { get; set; }

    /// <summary>The event or command type (Service Bus's Label); subscription filters match on it.</summary>
    public string? Subject { get; set; }

    /// <summary>The body's media type, such as <c>application/json</c>.</summary>
    public string? ContentType { get; set; }

    /// <summary>
    /// When set, the message stays invisible to receivers until this time. The bus's clock decides; a time in
    /// the past means "now".
    /// </summary>
    public DateTimeOffset? ScheduledEnqueueTime { get; set; }

    /// <summary>
    /// How long the message may wait to be completed, counted from when it is enqueued (its scheduled time, if
    /// later). The entity's default time to live caps it. Null: the entity's default, or forever.
    /// </summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>
    /// Application properties. Names are compared without case (they travel as HTTP headers over Service
    /// Bus REST) and contain only letters, digits, '-', '_' and '.'. Values are <see cref="string"/>,
    /// <see cref="long"/>, <see cref="double"/> (finite) or <see cref="bool"/>; an <see cref="int"/> is widened
    /// to <see cref="long"/> on send, so a receiver sees a long.
    /// </summary>
    public IDictionary<string, object> ApplicationProperties { get; } = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A message whose body is <paramref name="text"/> in UTF-8, with the given content type.</summary>
    public static BusMessage FromText(string text, string contentType = "text/plain; charset=utf-8")
    {
        ArgumentNullException.ThrowIfNull(text);
        return new BusMessage(Encoding.UTF8.GetBytes(text)) { ContentType = contentType };
    }

    /// <summary>
    /// A message whose body is <paramref name="value"/> serialized as UTF-8 JSON through a source-generated
    /// <paramref name="typeInfo"/>, with content type <c>application/json</c>.
    /// </summary>
    public static BusMessage FromJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new BusMessage(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo)) { ContentType = "application/json" };
    }

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyToString() => Encoding.UTF8.GetString(Body.Span);
}
