namespace Distill.Contracts.Methods;

/// <summary>
/// The manifest's per-term weights (<c>method.weights</c>); a term left out takes its method's default
/// (<see cref="TermWeights.Defaults"/>). TED's α and β are <see cref="Kd"/> and <see cref="Hidden"/>; feature
/// alignment's output, feature, attention and CE weights are <see cref="Kd"/>, <see cref="Hidden"/>,
/// <see cref="Attention"/> and <see cref="Ce"/>.
/// </summary>
public sealed record MethodWeights
{
    /// <summary>Cross-entropy on the data (the task loss).</summary>
    public double? Ce { get; init; }

    /// <summary>Forward KL with temperature, T²·KL(p_T ‖ q_T) (TED's α_kd; feature alignment's output term).</summary>
    public double? Kd { get; init; }

    /// <summary>Reverse KL with temperature, T²·KL(q_T ‖ p_T).</summary>
    public double? ReverseKl { get; init; }

    /// <summary>The ATKD group loss.</summary>
    public double? Atkd { get; init; }

    /// <summary>The hidden-state term averaged over matched layers (TED's β_mse; LWD's MSE; feature alignment's feature term).</summary>
    public double? Hidden { get; init; }

    /// <summary>Attention alignment averaged over matched layers (feature alignment).</summary>
    public double? Attention { get; init; }
}
