using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Distill.Contracts.Tests;

/// <summary>Round trips through the contracts' JSON context, against a pinned text so the wire format cannot drift silently.</summary>
internal static class JsonAssert
{
    /// <summary>Serializes to exactly <paramref name="pinned"/>, reads back to an equivalent value, and writes the same text again.</summary>
    public static T RoundTrips<T>(T value, JsonTypeInfo<T> typeInfo, string pinned)
    {
        var json = JsonSerializer.Serialize(value, typeInfo);
        Assert.Equal(pinned, json);

        var back = JsonSerializer.Deserialize(json, typeInfo);

        Assert.NotNull(back);
        Assert.Equivalent(value, back, strict: true);
        Assert.Equal(json, JsonSerializer.Serialize(back, typeInfo));
        return back;
    }
}
