using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.Pipeline.Messaging;

namespace Distill.Functions.Tests;

/// <summary>
/// Builds the JSON the Functions host POSTs for a <c>serviceBusTrigger</c> invocation, with the host's encoding
/// (azure.md §1.4, the host's <c>ToHttpScriptInvocationContext</c>): the message body bound as a string and serialized
/// again, so it arrives JSON-encoded twice; each metadata scalar as the text of its JSON serialization (<c>"1"</c>,
/// <c>"\"id\""</c>); the application properties as an object under <c>ApplicationProperties</c> and
/// <c>UserProperties</c>; <c>sys</c>; and, as the host does, a JSON body's top-level properties copied into the
/// metadata over the keys of the same name (case aside).
/// </summary>
internal sealed class HostInvocation
{
    /// <summary>Escapes like Newtonsoft (a quote as <c>\"</c>, not <c>\u0022</c>).</summary>
    private static readonly JsonSerializerOptions s_newtonsoftLike = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public const string BindingName = "message";

    public required string Body { get; init; }

    public required string MessageId { get; init; }

    public int DeliveryCount { get; init; } = 1;

    public long SequenceNumber { get; init; } = 11;

    public string? Subject { get; init; }

    public string? CorrelationId { get; init; }

    public string ContentType { get; init; } = "application/json";

    public DateTimeOffset EnqueuedTime { get; init; } = new(2026, 3, 1, 11, 59, 0, TimeSpan.Zero);

    public string FunctionName { get; init; } = "OnUpload";

    public Dictionary<string, object> ApplicationProperties { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The invocation of a message as the local bus delivered it (the same message Service Bus would deliver).</summary>
    public static HostInvocation From(ReceivedBusMessage message, string functionName, int? deliveryCount = null) => new()
    {
        Body = message.BodyToString(),
        MessageId = message.MessageId,
        DeliveryCount = deliveryCount ?? message.DeliveryCount,
        SequenceNumber = message.SequenceNumber,
        Subject = message.Subject,
        CorrelationId = message.CorrelationId,
        ContentType = message.ContentType ?? "application/json",
        FunctionName = functionName,
        ApplicationProperties = new Dictionary<string, object>(message.ApplicationProperties, StringComparer.Ordinal),
    };

    public string ToJson()
    {
        var metadata = new JsonObject
        {
            [nameof(DeliveryCount)] = Serialize(DeliveryCount),
            ["LockToken"] = Serialize("0f0c8e6a-5a0b-4c0e-9d1e-7f3b2a1c9e11"),
            ["ExpiresAtUtc"] = Serialize("9999-12-31T23:59:59.9999999"),
            ["ExpiresAt"] = Serialize("9999-12-31T23:59:59.9999999+00:00"),
            ["EnqueuedTimeUtc"] = Serialize(EnqueuedTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)),
            [nameof(EnqueuedTime)] = Serialize(EnqueuedTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture)),
            [nameof(MessageId)] = Serialize(MessageId),
            [nameof(ContentType)] = Serialize(ContentType),
            [nameof(SequenceNumber)] = Serialize(SequenceNumber),
            [nameof(ApplicationProperties)] = Properties(),
            ["UserProperties"] = Properties(),
            ["sys"] = new JsonObject
            {
                ["MethodName"] = FunctionName,
                ["UtcNow"] = "2026-03-01T12:00:00.0000000Z",
                ["RandGuid"] = "7d1e1b6a-3c1f-4c50-9a51-1f0b1d1b6a22",
            },
        };
        if (Subject is not null)
        {
            metadata[nameof(Subject)] = Serialize(Subject);
            metadata["Label"] = Serialize(Subject);
        }
        if (CorrelationId is not null)
        {
            metadata[nameof(CorrelationId)] = Serialize(CorrelationId);
        }
        FlattenBody(metadata);
        var root = new JsonObject
        {
            ["Data"] = new JsonObject { [BindingName] = Serialize(Body) },
            ["Metadata"] = metadata,
        };
        return root.ToJsonString(s_newtonsoftLike);
    }

    /// <summary>What Newtonsoft's <c>JsonConvert.SerializeObject</c> makes of a scalar: its JSON text, carried as a string.</summary>
    public static string Serialize<T>(T value) => value switch
    {
        string s => JsonSerializer.Serialize(s, s_newtonsoftLike),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"no host encoding for {typeof(T).Name}", nameof(value)),
    };

    private JsonObject Properties()
    {
        var properties = new JsonObject();
        foreach (var (name, value) in ApplicationProperties)
        {
            properties[name] = value switch
            {
                string s => JsonValue.Create(s),
                long l => JsonValue.Create(l),
                int i => JsonValue.Create(i),
                double d => JsonValue.Create(d),
                bool b => JsonValue.Create(b),
                _ => throw new ArgumentException($"application property {name} has the type {value.GetType().Name}"),
            };
        }
        return properties;
    }

    /// <summary>The host's ApplyBindingData: a JSON object body's top-level non-array properties become metadata (objects as objects, the rest as serialized strings).</summary>
    private void FlattenBody(JsonObject metadata)
    {
        var trimmed = Body.Trim();
        if (!trimmed.StartsWith('{') || !trimmed.EndsWith('}'))
        {
            return;
        }
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(trimmed);
        }
        catch (JsonException)
        {
            return;
        }
        foreach (var (name, value) in parsed!.AsObject())
        {
            if (value is null or JsonArray)
            {
                continue;
            }
            JsonNode converted = value is JsonObject ? value.DeepClone() : Serialize(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString());
            var existing = metadata.Select(p => p.Key).FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
            metadata[existing ?? name] = converted;
        }
    }
}
