namespace Distill.Contracts.Methods;

/// <summary>How feature alignment compares projected student states with teacher states.</summary>
public enum HiddenLossKind
{
    /// <summary>HiddenStateTerms.SquaredError: squared error averaged over features.</summary>
    Mse,

    /// <summary>HiddenStateTerms.CosineDistance: 1 − cosine similarity.</summary>
    Cosine,
}
