using System.Text;
using System.Text.Json;

namespace Distill.Pipeline.Messaging;

/// <summary>
/// Stores application properties as JSON that keeps each value's type: <c>{"name":{"s":"text"}}</c>, with
/// <c>l</c> for long, <c>d</c> for double and <c>b</c> for bool, so a long never comes back as a double.
/// </summary>
internal static class ApplicationPropertiesJson
{
    public static string Write(IReadOnlyDictionary<string, object> properties)
    {
        if (properties.Count == 0)
        {
            return "{}";
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in properties)
            {
                writer.WriteStartObject(name);
                switch (value)
                {
                    case string s:
                        writer.WriteString("s", s);
                        break;
                    case long l:
                        writer.WriteNumber("l", l);
                        break;
                    case double d:
                        writer.WriteNumber("d", d);
                        break;
                    case bool b:
                        writer.WriteBoolean("b", b);
                        break;
                    default:
                        throw new InvalidOperationException($"application property '{name}' has the unnormalized type {value.GetType().Name}");
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <exception cref="InvalidDataException">The stored text is not in this format; the message names the message.</exception>
    public static Dictionary<string, object> Read(string json, string where)
    {
        var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var typed = property.Value.EnumerateObject().Single();
                properties[property.Name] = typed.Name switch
                {
                    "s" => typed.Value.GetString() ?? throw new InvalidDataException($"{where}: application property '{property.Name}' is a null string"),
                    "l" => typed.Value.GetInt64(),
                    "d" => typed.Value.GetDouble(),
                    "b" => typed.Value.GetBoolean(),
                    _ => throw new InvalidDataException($"{where}: application property '{property.Name}' has the unknown type tag '{typed.Name}'"),
                };
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{where}: the stored application properties are not valid: {e.Message}", e);
        }
        return properties;
    }
}
