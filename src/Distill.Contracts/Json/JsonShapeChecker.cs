using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Distill.Contracts.Manifests;

namespace Distill.Contracts.Json;

/// <summary>
/// Checks a JSON document against the shape a source-generated contract expects, reporting every unknown member,
/// duplicate member and value of the wrong kind with its path, where the serializer would stop at the first. It also
/// returns a copy of the document without the offending members, which the serializer then reads without error, so
/// the document's other problems can be found by validation in the same pass.
/// </summary>
internal sealed class JsonShapeChecker(JsonSerializerContext context)
{
    private readonly List<ManifestProblem> _problems = [];
    private readonly List<string> _removed = [];

    /// <summary>Every shape problem found, in document order.</summary>
    public IReadOnlyList<ManifestProblem> Problems => _problems;

    /// <summary>The paths of the members left out of the copy.</summary>
    public IReadOnlyList<string> Removed => _removed;

    /// <summary>Checks <paramref name="root"/> as a <paramref name="type"/>; returns the copy without the bad members.</summary>
    public JsonNode? Check(JsonElement root, Type type, string path)
    {
        if (TryCopy(root, type, nullable: false, path, out var copy))
        {
            return copy;
        }
        _removed.Add(path);
        return null;
    }

    /// <summary>True when a problem at <paramref name="path"/> concerns a member that was removed (or lies inside one).</summary>
    public bool IsRemoved(string path) => _removed.Exists(removed =>
        path == removed
        || removed.Length == 0
        || (path.StartsWith(removed, StringComparison.Ordinal) && path.Length > removed.Length && path[removed.Length] is '.' or '['));

    private bool TryCopy(JsonElement value, Type type, bool nullable, string path, out JsonNode? copy)
    {
        copy = null;
        var underlying = Nullable.GetUnderlyingType(type);
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (nullable || underlying is not null)
            {
                return true;
            }
            return Fail(path, $"must be {Expected(type)}, got null");
        }
        type = underlying ?? type;
        if (type == typeof(string))
        {
            return value.ValueKind == JsonValueKind.String ? Leaf(value, out copy) : Fail(path, $"must be a string, got {Describe(value)}");
        }
        if (type == typeof(bool))
        {
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? Leaf(value, out copy) : Fail(path, $"must be true or false, got {Describe(value)}");
        }
        if (IsInteger(type))
        {
            return CheckInteger(value, type, path, out copy);
        }
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return value.ValueKind == JsonValueKind.Number ? Leaf(value, out copy) : Fail(path, $"must be a number, got {Describe(value)}");
        }
        if (type.IsEnum)
        {
            var names = EnumNames(type);
            if (value.ValueKind != JsonValueKind.String)
            {
                return Fail(path, $"must be one of {string.Join(", ", names)}, got {Describe(value)}");
            }
            var text = value.GetString();
            return text is not null && names.Contains(text)
                ? Leaf(value, out copy)
                : Fail(path, $"unknown value '{text}' (known: {string.Join(", ", names)})");
        }

        var info = context.GetTypeInfo(type)
            ?? throw new InvalidOperationException($"{type} is not part of {context.GetType().Name}");
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                if (value.ValueKind != JsonValueKind.Object)
                {
                    return Fail(path, $"must be an object, got {Describe(value)}");
                }
                copy = CopyObject(value, info, path);
                return true;
            case JsonTypeInfoKind.Enumerable:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    return Fail(path, $"must be an array, got {Describe(value)}");
                }
                return CopyArray(value, info.ElementType!, path, out copy);
            case JsonTypeInfoKind.Dictionary:
                if (value.ValueKind != JsonValueKind.Object)
                {
                    return Fail(path, $"must be an object, got {Describe(value)}");
                }
                return CopyDictionary(value, info.ElementType!, path, out copy);
            default:
                // JsonElement, JsonNode, object: anything goes.
                copy = JsonNode.Parse(value.GetRawText());
                return true;
        }
    }

    private JsonObject CopyObject(JsonElement value, JsonTypeInfo info, string path)
    {
        var properties = new Dictionary<string, JsonPropertyInfo>(StringComparer.Ordinal);
        foreach (var property in info.Properties)
        {
            if (property.Set is not null || property.IsExtensionData)
            {
                properties.TryAdd(property.Name, property);
            }
        }
        var disallowUnknown = (info.UnmappedMemberHandling ?? info.Options.UnmappedMemberHandling) == JsonUnmappedMemberHandling.Disallow;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var copy = new JsonObject();
        foreach (var member in value.EnumerateObject())
        {
            var memberPath = Join(path, member.Name);
            if (!seen.Add(member.Name))
            {
                Fail(memberPath, "appears twice");
                continue;
            }
            if (!properties.TryGetValue(member.Name, out var property))
            {
                if (disallowUnknown)
                {
                    Fail(memberPath, UnknownMember(member.Name, properties.Keys));
                }
                continue;
            }
            if (TryCopy(member.Value, property.PropertyType, property.IsSetNullable, memberPath, out var child))
            {
                copy[member.Name] = child;
            }
            else
            {
                _removed.Add(memberPath);
            }
        }
        return copy;
    }

    private bool CopyArray(JsonElement value, Type elementType, string path, out JsonNode? copy)
    {
        var array = new JsonArray();
        var ok = true;
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            // A null element is never wanted in a document's list.
            if (TryCopy(item, elementType, nullable: false, string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]"), out var child))
            {
                array.Add(child);
            }
            else
            {
                ok = false;
            }
            index++;
        }
        copy = ok ? array : null;
        return ok;
    }

    private bool CopyDictionary(JsonElement value, Type valueType, string path, out JsonNode? copy)
    {
        var result = new JsonObject();
        var ok = true;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in value.EnumerateObject())
        {
            var memberPath = Join(path, member.Name);
            if (!seen.Add(member.Name))
            {
                ok = Fail(memberPath, "appears twice");
                continue;
            }
            if (TryCopy(member.Value, valueType, nullable: false, memberPath, out var child))
            {
                result[member.Name] = child;
            }
            else
            {
                ok = false;
            }
        }
        copy = ok ? result : null;
        return ok;
    }

    private bool CheckInteger(JsonElement value, Type type, string path, out JsonNode? copy)
    {
        copy = null;
        if (value.ValueKind != JsonValueKind.Number)
        {
            return Fail(path, $"must be an integer, got {Describe(value)}");
        }
        var fits = type == typeof(int) ? value.TryGetInt32(out _)
            : type == typeof(long) ? value.TryGetInt64(out _)
            : type == typeof(ulong) ? value.TryGetUInt64(out _)
            : type == typeof(uint) ? value.TryGetUInt32(out _)
            : type == typeof(short) ? value.TryGetInt16(out _)
            : value.TryGetByte(out _);
        if (fits)
        {
            return Leaf(value, out copy);
        }
        var raw = value.GetRawText();
        var whole = raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0;
        if (!whole)
        {
            return Fail(path, $"must be an integer, got {raw}");
        }
        var (min, max) = Range(type);
        return Fail(path, $"must be an integer from {min} to {max}, got {raw}");
    }

    private bool Fail(string path, string message)
    {
        _problems.Add(new ManifestProblem(path, message));
        return false;
    }

    private static bool Leaf(JsonElement value, out JsonNode? copy)
    {
        copy = JsonValue.Create(value);
        return true;
    }

    private static bool IsInteger(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(ulong) || type == typeof(uint) || type == typeof(short) || type == typeof(byte);

    private static (string Min, string Max) Range(Type type) =>
        type == typeof(int) ? ("-2147483648", "2147483647")
        : type == typeof(long) ? ("-9223372036854775808", "9223372036854775807")
        : type == typeof(ulong) ? ("0", "18446744073709551615")
        : type == typeof(uint) ? ("0", "4294967295")
        : type == typeof(short) ? ("-32768", "32767")
        : ("0", "255");

    private string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }
        if (type == typeof(bool))
        {
            return "true or false";
        }
        if (IsInteger(type))
        {
            return "an integer";
        }
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "a number";
        }
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", EnumNames(type));
        }
        return context.GetTypeInfo(type)?.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            _ => "a value",
        };
    }

    /// <summary>An enum's wire names: each member's <see cref="JsonStringEnumMemberNameAttribute"/>, or its name.</summary>
    internal static IReadOnlyList<string> EnumNames(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name)
            .ToArray();

    private static string UnknownMember(string name, IEnumerable<string> known)
    {
        var candidates = known.ToList();
        // A near miss (a typo, a wrong case) or a field cut short ("maxPerplexity" for "maxPerplexityRatio").
        var closest = candidates
            .Select(candidate => (Candidate: candidate, Distance: EditDistance(name.ToUpperInvariant(), candidate.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(1, c.Candidate.Length / 4)
                || (name.Length >= 4 && c.Candidate.StartsWith(name, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(c => c.Distance)
            .Select(c => c.Candidate)
            .FirstOrDefault();
        return closest is not null
            ? $"unknown field (did you mean '{closest}'?)"
            : $"unknown field (known: {string.Join(", ", candidates)})";
    }

    /// <summary>The optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }

    private static string Join(string path, string member) => path.Length == 0 ? member : path + "." + member;

    /// <summary>A JSON value as the messages show it: <c>the string "x"</c>, <c>12</c>, <c>true</c>, <c>null</c>, <c>an object</c>, <c>an array</c>.</summary>
    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Shorten(value.GetString() ?? "")}\"",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
