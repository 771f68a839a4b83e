using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Distill.Contracts.Json;

/// <summary>Reading the documents Distill writes for itself, with errors that say what was being read.</summary>
internal static class ContractJson
{
    public static T Read<T>(string json, JsonTypeInfo<T> typeInfo, string what)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo) ?? throw new JsonException($"{what} is null");
        }
        catch (JsonException e) when (!e.Message.StartsWith(what, StringComparison.Ordinal))
        {
            throw new JsonException($"{what} is malformed: {e.Message}", e.Path, e.LineNumber, e.BytePositionInLine, e);
        }
    }

    public static void RequireSchemaVersion(int version, int current, string what)
    {
        if (version != current)
        {
            throw new JsonException(string.Create(CultureInfo.InvariantCulture,
                $"{what} has schema version {version}; this Distill reads version {current}"));
        }
    }
}
