using System.Globalization;
using System.Text.Json;

namespace Distill.Functions.Invocation;

/// <summary>
/// The JSON the Functions host POSTs for one invocation, <c>{"Data": {binding: value}, "Metadata": {key: value}}</c>,
/// read with the host's encoding rules: a value the host could not turn into a JSON object (a string, a number, a date)
/// arrives as the text of its JSON serialization, so a message body arrives JSON-encoded twice
/// (<c>"\"{\\\"id\\\":…}\""</c>) and <c>DeliveryCount</c> as <c>"1"</c>, <c>MessageId</c> as <c>"\"…\""</c>; objects (a
/// dictionary of application properties) arrive as JSON objects. Metadata keys are matched without case, as the host's
/// binding data is keyed.
/// </summary>
internal sealed class InvocationRequest
{
    private readonly JsonElement _data;
    private readonly JsonElement _metadata;

    private InvocationRequest(JsonElement data, JsonElement metadata)
    {
        _data = data;
        _metadata = metadata;
    }

    /// <summary>Reads the request body's root element.</summary>
    /// <exception cref="InvalidInvocationException">The root is not an object with a <c>Data</c> object (and, if present, a <c>Metadata</c> object).</exception>
    public static InvocationRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInvocationException($"the invocation request is a JSON {root.ValueKind}, not an object with 'Data' and 'Metadata'");
        }
        if (!TryGetProperty(root, "Data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInvocationException("the invocation request has no 'Data' object (the trigger and input binding values)");
        }
        var metadata = default(JsonElement);
        if (TryGetProperty(root, "Metadata", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (given.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInvocationException($"the invocation request's 'Metadata' is a JSON {given.ValueKind}, not an object");
            }
            metadata = given;
        }
        return new InvocationRequest(data.Clone(), metadata.ValueKind == JsonValueKind.Object ? metadata.Clone() : metadata);
    }

    /// <summary>
    /// The text of a trigger value: a message body that the host bound as a string and JSON-encoded (so the element is a
    /// JSON string holding a JSON string literal), decoded once more; a JSON object or array (bound as an object) as its
    /// JSON text; a string that is not a JSON string literal as it is.
    /// </summary>
    /// <exception cref="InvalidInvocationException"><c>Data</c> has no such binding, or its value is null, a number or a boolean.</exception>
    public string TriggerText(string bindingName)
    {
        if (!TryGetProperty(_data, bindingName, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            var present = string.Join(", ", _data.EnumerateObject().Select(p => $"'{p.Name}'"));
            throw new InvalidInvocationException($"the invocation's 'Data' has no value for the trigger binding '{bindingName}' (it has {(present.Length == 0 ? "nothing" : present)}); the function.json binding name and the app disagree");
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => Unwrap(value) is { ValueKind: JsonValueKind.String } inner ? inner.GetString() ?? "" : value.GetString() ?? "",
            JsonValueKind.Object or JsonValueKind.Array => value.GetRawText(),
            _ => throw new InvalidInvocationException($"the trigger binding '{bindingName}' holds a JSON {value.ValueKind}, not a message body"),
        };
    }

    /// <summary>A metadata value decoded once (a JSON-encoded scalar becomes the scalar); null when missing or null.</summary>
    public JsonElement? Metadata(string key)
    {
        if (_metadata.ValueKind != JsonValueKind.Object || !TryGetProperty(_metadata, key, out var value))
        {
            return null;
        }
        var unwrapped = Unwrap(value);
        return unwrapped.ValueKind == JsonValueKind.Null ? null : unwrapped;
    }

    /// <summary>A metadata string (a number as its JSON text); null when missing.</summary>
    /// <exception cref="InvalidInvocationException">The value is an object, an array or a boolean.</exception>
    public string? MetadataString(string key) => Metadata(key) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Number } number => number.GetRawText(),
        { } other => throw new InvalidInvocationException($"the invocation's metadata '{key}' is a JSON {other.ValueKind}, not a string"),
    };

    /// <summary>A metadata integer; null when missing.</summary>
    /// <exception cref="InvalidInvocationException">The value is not an integer.</exception>
    public long? MetadataInt64(string key) => Metadata(key) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } number when number.TryGetInt64(out var value) => value,
        { ValueKind: JsonValueKind.String } text when long.TryParse(text.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) => value,
        { } other => throw new InvalidInvocationException($"the invocation's metadata '{key}' is {other.GetRawText()}, not an integer"),
    };

    /// <summary>A metadata time (ISO 8601; a time without an offset is UTC, as the host's <c>…Utc</c> values are); null when missing.</summary>
    /// <exception cref="InvalidInvocationException">The value is not a time.</exception>
    public DateTimeOffset? MetadataTime(string key) => Metadata(key) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } text when DateTimeOffset.TryParse(text.GetString(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value) => value,
        { } other => throw new InvalidInvocationException($"the invocation's metadata '{key}' is {other.GetRawText()}, not a time"),
    };

    /// <summary>
    /// A metadata object of application properties (the host sends <c>ApplicationProperties</c> and its older name
    /// <c>UserProperties</c>): strings, integers as <see cref="long"/>, other numbers as <see cref="double"/>, booleans;
    /// anything else as its JSON text. Empty when missing.
    /// </summary>
    /// <exception cref="InvalidInvocationException">The value is not an object.</exception>
    public Dictionary<string, object> MetadataProperties(string key)
    {
        var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        switch (Metadata(key))
        {
            case null:
                return properties;
            case { ValueKind: JsonValueKind.Object } value:
                foreach (var property in value.EnumerateObject())
                {
                    object? converted = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Number when property.Value.TryGetInt64(out var integer) => integer,
                        JsonValueKind.Number => property.Value.GetDouble(),
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        JsonValueKind.Null => null,
                        _ => property.Value.GetRawText(),
                    };
                    if (converted is not null)
                    {
                        properties[property.Name] = converted;
                    }
                }
                return properties;
            case { } other:
                throw new InvalidInvocationException($"the invocation's metadata '{key}' is a JSON {other.ValueKind}, not an object of properties");
        }
    }

    /// <summary>A value the host serialized to JSON text, parsed once; any other element (or text that is not JSON) as it is.</summary>
    private static JsonElement Unwrap(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return value;
        }
        try
        {
            using var document = JsonDocument.Parse(value.GetString() ?? "");
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return value;
        }
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        if (element.TryGetProperty(name, out value))
        {
            return true;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        return false;
    }
}
