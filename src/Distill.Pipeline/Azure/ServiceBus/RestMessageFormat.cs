using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Azure.ServiceBus;

/// <summary>
/// How a message travels over Service Bus REST: broker properties as the <c>BrokerProperties</c> JSON header,
/// application properties as one header each with a JSON value (strings quoted, so they stay strings), dates in
/// RFC 1123, and the batch format's JSON body. Every header value is ASCII: JSON escapes anything else.
/// </summary>
internal static class RestMessageFormat
{
    public const string BrokerPropertiesHeader = "BrokerProperties";
    public const string BatchContentType = "application/vnd.microsoft.servicebus.json";

    private static readonly JsonWriterOptions s_asciiJson = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>Response headers that are never application properties, though their values may look like JSON.</summary>
    private static readonly HashSet<string> s_notProperties = new(ApplicationPropertyValues.ReservedNames, StringComparer.OrdinalIgnoreCase);

    /// <summary>The <c>BrokerProperties</c> header of a single send.</summary>
    public static string BrokerProperties(string messageId, string? correlationId, string? label, DateTimeOffset? scheduledEnqueueTime, TimeSpan? timeToLive) =>
        Json(writer => WriteBrokerProperties(writer, messageId, correlationId, label, scheduledEnqueueTime, timeToLive, contentType: null));

    /// <summary>The JSON body of a batch send: each message's body as a UTF-8 string, broker and user properties.</summary>
    /// <exception cref="ArgumentException">A body is not UTF-8 text, which the batch format cannot carry.</exception>
    public static byte[] Batch(IReadOnlyList<OutgoingMessage> messages)
    {
        var problems = messages
            .Where(m => !System.Text.Unicode.Utf8.IsValid(m.Body))
            .Select(m => $"message '{m.MessageId}' has a body that is not UTF-8 text")
            .ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(
                $"Service Bus REST's batch format carries bodies as text: {string.Join("; ", problems)}; send such messages one at a time",
                nameof(messages));
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_asciiJson))
        {
            writer.WriteStartArray();
            foreach (var message in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("Body", Encoding.UTF8.GetString(message.Body));
                writer.WritePropertyName("BrokerProperties");
                WriteBrokerProperties(writer, message.MessageId, message.CorrelationId, message.Subject, message.ScheduledEnqueueTime, message.TimeToLive, message.ContentType);
                if (message.ApplicationProperties.Count > 0)
                {
                    writer.WriteStartObject("UserProperties");
                    foreach (var (name, value) in message.ApplicationProperties)
                    {
                        writer.WritePropertyName(name);
                        WriteValue(writer, value);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    /// <summary>An application property's header value: a JSON string, integer, number with a fraction or exponent, or boolean.</summary>
    public static string PropertyValue(object value) => value switch
    {
        string s => Json(writer => writer.WriteStringValue(s)),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Double(d),
        bool b => b ? "true" : "false",
        _ => throw new InvalidOperationException($"application property value of type {value.GetType().Name} was not normalized"),
    };

    /// <summary>Reads an application property from a response header; false for headers that are not one.</summary>
    public static bool TryReadProperty(string name, string headerValue, out object value)
    {
        value = "";
        if (s_notProperties.Contains(name) || name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var text = headerValue.Trim();
        if (text.Length == 0)
        {
            return false;
        }
        if (text[0] == '"')
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                value = document.RootElement.GetString() ?? "";
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }
        if (text is "true" or "false")
        {
            value = text == "true";
            return true;
        }
        var fractional = text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0;
        if (!fractional && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            value = l;
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            value = d;
            return true;
        }
        return false;
    }

    /// <summary>RFC 1123, as Service Bus writes dates; rounded up to the second, so a schedule is never early.</summary>
    public static string Date(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        var whole = new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        if (whole < utc && whole < DateTimeOffset.MaxValue.AddSeconds(-1))
        {
            whole = whole.AddSeconds(1);
        }
        return whole.ToString("r", CultureInfo.InvariantCulture);
    }

    private static void WriteBrokerProperties(
        Utf8JsonWriter writer, string messageId, string? correlationId, string? label, DateTimeOffset? scheduledEnqueueTime, TimeSpan? timeToLive, string? contentType)
    {
        writer.WriteStartObject();
        writer.WriteString("MessageId", messageId);
        if (correlationId is not null)
        {
            writer.WriteString("CorrelationId", correlationId);
        }
        if (label is not null)
        {
            writer.WriteString("Label", label);
        }
        if (contentType is not null)
        {
            writer.WriteString("ContentType", contentType);
        }
        if (scheduledEnqueueTime is { } scheduled)
        {
            writer.WriteString("ScheduledEnqueueTimeUtc", Date(scheduled));
        }
        if (timeToLive is { } ttl)
        {
            writer.WriteNumber("TimeToLive", Math.Round(ttl.TotalSeconds, 3));
        }
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteStringValue(s);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                writer.WriteRawValue(Double(d));
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            default:
                throw new InvalidOperationException($"application property value of type {value.GetType().Name} was not normalized");
        }
    }

    /// <summary>A double's shortest round-trip text, with a fraction or exponent so that it reads back as a double, not a long.</summary>
    private static string Double(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E', 'e') >= 0 ? text : text + ".0";
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_asciiJson))
        {
            write(writer);
        }
        return Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
