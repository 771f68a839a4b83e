using System.Globalization;

namespace Distill.Training.Evaluation;

/// <summary>
/// How <see cref="TextGenerator"/> picks each next token. A <see cref="Temperature"/> of 0 (the default) is greedy
/// decoding: always the most likely token. Above 0 the logits are divided by the temperature, cut to the
/// <see cref="TopK"/> most likely tokens and then to the smallest prefix whose probability reaches <see cref="TopP"/>,
/// and a token is drawn from what is left with a generator seeded by <see cref="Seed"/>, so the same seed gives the
/// same sample.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Greedy decoding of up to 64 tokens.</summary>
    public static SamplingOptions Greedy { get; } = new();

    /// <summary>Tokens to generate at most (fewer when an end-of-text token comes first).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>0 for greedy decoding; otherwise the softmax temperature of sampling.</summary>
    public double Temperature { get; init; }

    /// <summary>Sample among the k most likely tokens only; 0 for no limit.</summary>
    public int TopK { get; init; }

    /// <summary>Sample among the most likely tokens whose probabilities sum to at least this (nucleus sampling); 1 for no limit.</summary>
    public double TopP { get; init; } = 1;

    /// <summary>Seeds the sampling generator (unused by greedy decoding).</summary>
    public ulong Seed { get; init; }

    public bool IsGreedy => Temperature == 0;

    /// <summary>Top-k sampling with a temperature.</summary>
    public static SamplingOptions TopKSampling(int k, double temperature = 1, ulong seed = 0, int maxNewTokens = 64) =>
        new() { TopK = k, Temperature = temperature, Seed = seed, MaxNewTokens = maxNewTokens };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxNewTokens, nameof(MaxNewTokens));
        ArgumentOutOfRangeException.ThrowIfNegative(TopK, nameof(TopK));
        if (!double.IsFinite(Temperature) || Temperature < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "must be 0 (greedy) or positive");
        }
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "must be in (0, 1]");
        }
    }

    /// <summary>"greedy", or the sampling settings, e.g. "top-k 40, T 0.8, seed 1".</summary>
    public string Describe()
    {
        if (IsGreedy)
        {
            return "greedy";
        }
        var parts = new List<string>();
        if (TopK > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"top-k {TopK}"));
        }
        if (TopP < 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"top-p {TopP:0.###}"));
        }
        if (parts.Count == 0)
        {
            parts.Add("sampling");
        }
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"T {Temperature:0.###}"));
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"seed {Seed}"));
        return string.Join(", ", parts);
    }
}
