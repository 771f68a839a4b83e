using System.Globalization;
using System.Text.Json;

namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>The <c>BrokerProperties</c> JSON of a received message, as far as the bus uses it.</summary>
internal sealed class RestBrokerProperties
{
    /// <summary>What Service Bus reports as the time to live of a message that never expires (TimeSpan.MaxValue in seconds).</summary>
    private const double NeverExpiresSeconds = 9.2e11;

    public string? MessageId { get; private init; }

    public string? CorrelationId { get; private init; }

    public string? Label { get; private init; }

    public string? LockToken { get; private init; }

    public DateTimeOffset? LockedUntilUtc { get; private init; }

    public int DeliveryCount { get; private init; }

    public long? SequenceNumber { get; private init; }

    public DateTimeOffset? EnqueuedTimeUtc { get; private init; }

    public DateTimeOffset? ExpiresAtUtc { get; private init; }

    public TimeSpan? TimeToLive { get; private init; }

    /// <exception cref="FormatException">The header is not a JSON object of broker properties; the message names the field.</exception>
    public static RestBrokerProperties Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"BrokerProperties is a JSON {root.ValueKind}, not an object");
            }
            double? ttlSeconds = root.TryGetProperty(nameof(TimeToLive), out var ttl) && ttl.ValueKind == JsonValueKind.Number ? ttl.GetDouble() : null;
            return new RestBrokerProperties
            {
                MessageId = String(root, nameof(MessageId)),
                CorrelationId = String(root, nameof(CorrelationId)),
                Label = String(root, nameof(Label)),
                LockToken = String(root, nameof(LockToken)),
                LockedUntilUtc = Date(root, nameof(LockedUntilUtc)),
                DeliveryCount = root.TryGetProperty(nameof(DeliveryCount), out var count) ? count.GetInt32() : 0,
                SequenceNumber = root.TryGetProperty(nameof(SequenceNumber), out var sequence) ? sequence.GetInt64() : null,
                EnqueuedTimeUtc = Date(root, nameof(EnqueuedTimeUtc)),
                ExpiresAtUtc = Date(root, nameof(ExpiresAtUtc)),
                TimeToLive = ttlSeconds is { } s && s < NeverExpiresSeconds ? TimeSpan.FromSeconds(s) : null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"the BrokerProperties header is not valid: {e.Message}", e);
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Date(JsonElement root, string name)
    {
        if (String(root, name) is not { } text)
        {
            return null;
        }
        if (DateTimeOffset.TryParseExact(text.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            return date.ToUniversalTime();
        }
        throw new FormatException($"{name} is '{text}', not an RFC 1123 date");
    }
}
