using System.Text.Json.Serialization;

namespace Distill.Training.Tokenizers;

/// <summary>The source-generated JSON contract of the plain token tables the tokenizers read (GPT-2's encoder.json).</summary>
[JsonSerializable(typeof(Dictionary<string, int>))]
internal sealed partial class TokenizerJsonContext : JsonSerializerContext;
