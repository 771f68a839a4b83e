namespace Distill.Contracts.Methods;

/// <summary>The effective weight of every loss term for one method (0 for the terms the method does not use).</summary>
public sealed record TermWeights(double Ce, double Kd, double ReverseKl, double Atkd, double Hidden, double Attention)
{
    /// <summary>
    /// Each method's default weights. <c>ce</c>: CE 1. <c>kd</c>, <c>reverse-kl</c>, <c>atkd</c>: the divergence alone
    /// (weight 1, CE 0), the token-level distillation the ATKD authors' baselines and ATKD itself train with.
    /// <c>ted</c>, <c>lwd</c>: CE 1 + KD 1 + hidden 1, the TED code's form (its α and β were tuned per task, 5–20 and
    /// 20–7500; no language-model values are published, so tune β). <c>feature-alignment</c>: every weight 1, the
    /// suggested starting point.
    /// </summary>
    public static TermWeights Defaults(string method) => method switch
    {
        MethodNames.Ce => new(1, 0, 0, 0, 0, 0),
        MethodNames.Kd => new(0, 1, 0, 0, 0, 0),
        MethodNames.ReverseKl => new(0, 0, 1, 0, 0, 0),
        MethodNames.Atkd => new(0, 0, 0, 1, 0, 0),
        MethodNames.Ted or MethodNames.Lwd => new(1, 1, 0, 0, 1, 0),
        MethodNames.FeatureAlignment => new(1, 1, 0, 0, 1, 1),
        _ => throw new ArgumentException($"unknown method '{method}' (known: {string.Join(", ", MethodNames.All)})", nameof(method)),
    };

    /// <summary>The terms a method has: setting a weight for any other term is a manifest error.</summary>
    public static bool Uses(string method, string term) => term switch
    {
        "ce" => true,
        "kd" => method is MethodNames.Kd or MethodNames.Ted or MethodNames.Lwd or MethodNames.FeatureAlignment,
        "reverseKl" => method is MethodNames.ReverseKl,
        "atkd" => method is MethodNames.Atkd,
        "hidden" => method is MethodNames.Ted or MethodNames.Lwd or MethodNames.FeatureAlignment,
        "attention" => method is MethodNames.FeatureAlignment,
        _ => false,
    };

    /// <summary>True when a term that compares logits with the teacher's has a positive weight.</summary>
    public bool DistilsLogits => Kd > 0 || ReverseKl > 0 || Atkd > 0;
}
