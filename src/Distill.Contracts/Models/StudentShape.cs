namespace Distill.Contracts.Models;

/// <summary>
/// The shape of a student (a manifest's student section). A value left null is the teacher's (the intermediate size
/// keeps the teacher's ratio to the hidden size); the rest of the config (family, vocabulary, positions, rope, norm epsilon, dropout, tied head) always is.
/// </summary>
public sealed record StudentShape
{
    /// <summary>Decoder layers (at least 1).</summary>
    public int? Layers { get; init; }

    /// <summary>Model width; the heads must divide it.</summary>
    public int? HiddenSize { get; init; }

    /// <summary>Attention (query) heads.</summary>
    public int? Heads { get; init; }

    /// <summary>Key/value heads; they must divide the heads. GPT-2 has none of its own: they are the heads.</summary>
    public int? KeyValueHeads { get; init; }

    /// <summary>Width of the MLP's hidden layer; unset, the teacher's ratio to the hidden size.</summary>
    public int? IntermediateSize { get; init; }

    /// <summary>
    /// The student's config: <paramref name="teacher"/>'s with this shape's values written over it. An unset
    /// intermediate size keeps the teacher's ratio to the hidden size. Throws <see cref="StudentShapeException"/>
    /// naming every invalid field.
    /// </summary>
    public ModelConfig ToConfig(ModelConfig teacher)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        var problems = new List<StudentShapeProblem>();
        var layers = Layers ?? teacher.NumLayers;
        var hidden = HiddenSize ?? teacher.HiddenSize;
        var heads = Heads ?? teacher.NumHeads;
        var gpt2 = teacher.Family == ModelFamily.Gpt2;
        var kvHeads = KeyValueHeads ?? (gpt2 ? heads : teacher.NumKeyValueHeads);
        var intermediate = IntermediateSize ?? (hidden == teacher.HiddenSize
            ? teacher.IntermediateSize
            : (int)Math.Round((double)teacher.IntermediateSize * hidden / teacher.HiddenSize, MidpointRounding.AwayFromZero));

        if (layers < 1)
        {
            problems.Add(new("layers", $"must be at least 1 (got {layers})"));
        }
        foreach (var (field, value, given) in new[]
        {
            ("hidden_size", hidden, HiddenSize.HasValue),
            ("heads", heads, Heads.HasValue),
            ("kv_heads", kvHeads, KeyValueHeads.HasValue),
            ("intermediate_size", intermediate, IntermediateSize.HasValue),
        })
        {
            if (value < 1)
            {
                problems.Add(new(field, $"must be positive (got {value}{(given ? "" : ", the teacher's")})"));
            }
        }
        // The teacher's own head_dim is kept while its width and heads are; otherwise it is hidden_size / heads.
        var keepsHeadDim = hidden == teacher.HiddenSize && heads == teacher.NumHeads;
        var headDim = keepsHeadDim ? teacher.HeadDim : heads > 0 ? hidden / heads : 0;
        if (!keepsHeadDim && hidden > 0 && heads > 0)
        {
            if (hidden % heads != 0)
            {
                problems.Add(new("heads", $"{heads} heads do not divide hidden_size {hidden}"));
            }
            else if (!gpt2 && headDim % 2 != 0)
            {
                problems.Add(new("heads", $"hidden_size / heads = {hidden} / {heads} = {headDim} is odd, but rotary embeddings need an even head size"));
            }
        }
        if (gpt2 && kvHeads != heads)
        {
            problems.Add(new("kv_heads", $"GPT-2 has no grouped-query attention: kv_heads must equal heads ({heads}), not {kvHeads}"));
        }
        else if (kvHeads > 0 && heads > 0 && heads % kvHeads != 0)
        {
            var origin = KeyValueHeads.HasValue ? "" : " (the teacher's)";
            problems.Add(new("kv_heads", $"{kvHeads} key/value heads{origin} do not divide the {heads} heads"));
        }
        if (problems.Count > 0)
        {
            throw new StudentShapeException(problems);
        }

        var config = teacher with
        {
            NumLayers = layers,
            HiddenSize = hidden,
            NumHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            IntermediateSize = intermediate,
        };
        config.Validate("the student config");
        return config;
    }
}
