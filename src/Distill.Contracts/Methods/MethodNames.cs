namespace Distill.Contracts.Methods;

/// <summary>The distillation methods a manifest's <c>method.name</c> can select.</summary>
public static class MethodNames
{
    /// <summary>Cross-entropy on the data only (the student trained alone; the baseline every method must beat).</summary>
    public const string Ce = "ce";

    /// <summary>Forward KL to the teacher with temperature (Hinton KD, scaled by T²), optionally plus cross-entropy.</summary>
    public const string Kd = "kd";

    /// <summary>Reverse KL, KL(student ‖ teacher), with temperature.</summary>
    public const string ReverseKl = "reverse-kl";

    /// <summary>Adaptive Teaching KD: TKD/DKD decomposition with an easy/hard token split.</summary>
    public const string Atkd = "atkd";

    /// <summary>Task-aware layer-wise distillation: filters learned in Stage I, filtered-state MSE in Stage II.</summary>
    public const string Ted = "ted";

    /// <summary>Layer-wise distillation without filters (TED's LWD baseline): projected student states vs. raw teacher states.</summary>
    public const string Lwd = "lwd";

    /// <summary>Feature alignment: projected hidden-state MSE or cosine, attention alignment and output KL.</summary>
    public const string FeatureAlignment = "feature-alignment";

    /// <summary>Every method, in the order the messages list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Ce, Kd, ReverseKl, Atkd, Ted, Lwd, FeatureAlignment];
}
