using System.Text.Json;

namespace Distill.Reports;

/// <summary>
/// The loss curve and throughput of one training stage (distill, or a TED filter stage), stored as
/// <see cref="FileName"/> in the stage's artifact so the evaluate stage can draw it. Times and tokens cover every
/// session of the stage (a resumed stage included).
/// </summary>
public sealed record TrainingHistory
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>The file's name inside an artifact folder.</summary>
    public const string FileName = "training-history.json";

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The stage that trained (<see cref="Contracts.Stages.StageNames"/>).</summary>
    public required string Stage { get; init; }

    /// <summary>Optimizer steps done.</summary>
    public required long Steps { get; init; }

    /// <summary>The checkpoint step the last session resumed from; null when it ran from the start in one go.</summary>
    public long? ResumedFromStep { get; init; }

    /// <summary>Seconds spent in training steps, over all sessions.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Input tokens trained on, over all sessions.</summary>
    public required long Tokens { get; init; }

    /// <summary>Tokens / training seconds (0 when nothing was timed).</summary>
    public double TokensPerSecond => TrainingSeconds > 0 ? Tokens / TrainingSeconds : 0;

    /// <summary>One point per reported step, in step order.</summary>
    public required IReadOnlyList<TrainingHistoryPoint> Points { get; init; }

    /// <summary>The last step's training loss; null when no step was reported.</summary>
    public double? FinalLoss => Points.Count > 0 ? Points[^1].Loss : null;

    /// <summary>The last validation loss computed; null when none was.</summary>
    public double? FinalValidationLoss => Points.LastOrDefault(p => p.ValidationLoss is not null)?.ValidationLoss;

    public string ToJson() => JsonSerializer.Serialize(this, ReportsJsonContext.Default.TrainingHistory);

    /// <summary>Reads a history; malformed JSON or another schema version throws <see cref="JsonException"/> naming <paramref name="source"/>.</summary>
    public static TrainingHistory FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        TrainingHistory? history;
        try
        {
            history = JsonSerializer.Deserialize(json, ReportsJsonContext.Default.TrainingHistory);
        }
        catch (JsonException e)
        {
            throw new JsonException($"{source}: not a training history: {e.Message}", e);
        }
        if (history is null)
        {
            throw new JsonException($"{source}: the training history is null");
        }
        if (history.SchemaVersion != CurrentSchemaVersion)
        {
            throw new JsonException($"{source}: schema version {history.SchemaVersion} is not {CurrentSchemaVersion}");
        }
        return history;
    }
}
