namespace Distill.Training.Evaluation;

/// <summary>One model's language-modelling quality and speed on the evaluated blocks.</summary>
public sealed record ModelMetrics
{
    /// <summary>The name the model was given (its path, or a role such as "student").</summary>
    public required string Name { get; init; }

    /// <summary>Parameter elements (tied weights counted once).</summary>
    public required long Parameters { get; init; }

    /// <summary>Mean negative log-likelihood of the counted targets, in nats per token (token-weighted).</summary>
    public required double MeanLoss { get; init; }

    /// <summary>exp(<see cref="MeanLoss"/>).</summary>
    public required double Perplexity { get; init; }

    /// <summary>Input positions per second through the forward pass and the head (no gradients, eval mode).</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Seconds spent in the forward pass and the head, the throughput's denominator.</summary>
    public required double ForwardSeconds { get; init; }
}
