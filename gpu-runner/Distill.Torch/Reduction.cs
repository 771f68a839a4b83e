namespace Distill.Torch;

/// <summary>How a loss reduces its per-element values; the values are the shim's codes.</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}
