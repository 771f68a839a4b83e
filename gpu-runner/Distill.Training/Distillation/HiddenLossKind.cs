namespace Distill.Training.Distillation;

/// <summary>How feature alignment compares projected student states with teacher states.</summary>
public enum HiddenLossKind
{
    /// <summary><see cref="HiddenStateTerms.SquaredError"/>: squared error averaged over features.</summary>
    Mse,

    /// <summary><see cref="HiddenStateTerms.CosineDistance"/>: 1 − cosine similarity.</summary>
    Cosine,
}
