using System.Globalization;
using System.Text.Json;

namespace Distill.Training.Tokenizers;

/// <summary>A JSON value of a tokenizer file together with its path, so every error can say where it is.</summary>
internal readonly struct TokenizerJsonNode(JsonElement element, string path, string file)
{
    public JsonElement Element { get; } = element;

    public string Path { get; } = path;

    public string File { get; } = file;

    public bool IsNull => Element.ValueKind == JsonValueKind.Null;

    public TokenizerFormatException Error(string problem, Exception? innerException = null) => new(File, Path, problem, innerException);

    /// <summary>The property <paramref name="name"/>, or null when it is absent or JSON null.</summary>
    public TokenizerJsonNode? Optional(string name)
    {
        RequireKind(JsonValueKind.Object, "an object");
        return Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? new TokenizerJsonNode(value, Child(name), File)
            : null;
    }

    public TokenizerJsonNode Required(string name) =>
        Optional(name) ?? throw new TokenizerFormatException(File, Child(name), "is missing");

    public string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    public string GetString()
    {
        RequireKind(JsonValueKind.String, "a string");
        return Element.GetString()!;
    }

    public bool GetBoolean()
    {
        if (Element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw Error($"expected true or false, found {Describe(Element)}");
        }
        return Element.GetBoolean();
    }

    public int GetInt32()
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt32(out var value))
        {
            throw Error($"expected an integer, found {Describe(Element)}");
        }
        return value;
    }

    public double GetDouble()
    {
        RequireKind(JsonValueKind.Number, "a number");
        return Element.GetDouble();
    }

    public string? OptionalString(string name) => Optional(name)?.GetString();

    public bool OptionalBoolean(string name, bool fallback) => Optional(name)?.GetBoolean() ?? fallback;

    public int OptionalInt32(string name, int fallback) => Optional(name)?.GetInt32() ?? fallback;

    /// <summary>The <c>type</c> tag of a component.</summary>
    public string GetTypeTag() => Required("type").GetString();

    public IEnumerable<TokenizerJsonNode> Items()
    {
        RequireKind(JsonValueKind.Array, "an array");
        var index = 0;
        foreach (var item in Element.EnumerateArray())
        {
            yield return new TokenizerJsonNode(item, $"{Path}[{index.ToString(CultureInfo.InvariantCulture)}]", File);
            index++;
        }
    }

    public int Count()
    {
        RequireKind(JsonValueKind.Array, "an array");
        return Element.GetArrayLength();
    }

    public IEnumerable<(string Name, TokenizerJsonNode Value)> Properties()
    {
        RequireKind(JsonValueKind.Object, "an object");
        foreach (var property in Element.EnumerateObject())
        {
            yield return (property.Name, new TokenizerJsonNode(property.Value, $"{Path}[{JsonSerializer.Serialize(property.Name)}]", File));
        }
    }

    public TokenizerFormatException Unsupported(string what) => Error($"{what} is not supported");

    private void RequireKind(JsonValueKind kind, string what)
    {
        if (Element.ValueKind != kind)
        {
            throw Error($"expected {what}, found {Describe(Element)}");
        }
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {JsonSerializer.Serialize(element.GetString())}",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => "null",
    };
}
