using Distill.Contracts.Methods;
using Distill.Contracts.Models;

namespace Distill.Training.Comparison;

/// <summary>
/// The comparison's defaults: a student of about a quarter of the teacher's parameters, and each method's settings for
/// the tiny models the comparison runs on (see the Comparison README for why each value).
/// </summary>
public static class ComparisonDefaults
{
    /// <summary>
    /// Half the teacher's layers (at least 1) and half its width, with the teacher's heads when they divide the new
    /// width (and leave an even head size for rotary embeddings), else half of them; the MLP keeps the teacher's ratio.
    /// About a quarter of the teacher's parameters when the layers dominate; more when the embeddings do.
    /// </summary>
    public static StudentShape QuarterShape(ModelConfig teacher)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        var hidden = Math.Max(1, teacher.HiddenSize / 2);
        var gpt2 = teacher.Family == ModelFamily.Gpt2;
        bool Fits(int heads) => heads >= 1 && hidden % heads == 0 && (gpt2 || hidden / heads % 2 == 0);
        var heads = Fits(teacher.NumHeads) ? teacher.NumHeads : Fits(teacher.NumHeads / 2) ? teacher.NumHeads / 2 : 1;
        int? kvHeads = gpt2 ? null : heads % teacher.NumKeyValueHeads == 0 ? teacher.NumKeyValueHeads : heads;
        return new StudentShape
        {
            Layers = Math.Max(1, teacher.NumLayers / 2),
            HiddenSize = hidden,
            Heads = heads,
            KeyValueHeads = kvHeads,
        };
    }

    /// <summary>Every method of <see cref="MethodNames.All"/> with its comparison settings.</summary>
    public static IReadOnlyList<MethodOptions> AllMethods() => [.. MethodNames.All.Select(Method)];

    /// <summary>
    /// The settings <paramref name="name"/> runs with in the comparison. <c>ce</c>, <c>kd</c>, <c>reverse-kl</c> and
    /// <c>atkd</c> keep the manifest's defaults. The layer-wise methods keep KD's logit term and add their layer term with
    /// a weight chosen for models of width 64–128 (the authors tuned theirs per task, 20–7500, for width 768).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="MethodNames.All"/>.</exception>
    public static MethodOptions Method(string name) => name switch
    {
        MethodNames.Ce or MethodNames.Kd or MethodNames.ReverseKl or MethodNames.Atkd => new MethodOptions { Name = name },
        MethodNames.Lwd => new MethodOptions
        {
            Name = name,
            Temperature = 1,
            Weights = new MethodWeights { Ce = 0, Kd = 1, Hidden = 0.1 },
        },
        MethodNames.Ted => new MethodOptions
        {
            Name = name,
            Temperature = 1,
            Weights = new MethodWeights { Ce = 0, Kd = 1, Hidden = 0.1 },
            Ted = new TedOptions { StageOneSteps = 50, StageOneLearningRate = 1e-3 },
        },
        MethodNames.FeatureAlignment => new MethodOptions
        {
            Name = name,
            Weights = new MethodWeights { Ce = 0, Kd = 1, Hidden = 0.1, Attention = 0.1 },
        },
        _ => throw new ArgumentException($"unknown method '{name}' (known: {string.Join(", ", MethodNames.All)})", nameof(name)),
    };
}
