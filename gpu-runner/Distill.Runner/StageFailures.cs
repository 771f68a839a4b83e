using Distill.Contracts.Checkpoints;
using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Training.Data;
using Distill.Training.Distillation;
using Distill.Training.Models;
using Distill.Training.Tokenizers;
using Distill.Training.Trainers;

namespace Distill.Runner;

/// <summary>
/// The one place that decides what an error of a stage means:
/// <list type="table">
/// <item><term>bad input, never retried</term><description>
/// <see cref="DataFormatException"/>, <see cref="ManifestException"/>, <see cref="MethodOptionsException"/>,
/// <see cref="StudentShapeException"/>, <see cref="ModelConfigException"/>, <see cref="ModelCheckpointException"/>,
/// <see cref="SafeTensorsFormatException"/>, <see cref="TokenizerFormatException"/>, <see cref="TedFilterArtifactException"/>,
/// <see cref="CheckpointMismatchException"/>, <see cref="CheckpointException"/>, <see cref="TrainerOptionsException"/>,
/// <see cref="StageInputException"/>, and <see cref="System.Text.Json.JsonException"/> (a document of the run that does
/// not parse)</description></item>
/// <item><term>fenced</term><description><see cref="StageFencedException"/>, or any error once the stage's fence tripped</description></item>
/// <item><term>interrupted</term><description><see cref="OperationCanceledException"/> while the runner shuts down</description></item>
/// <item><term>transient</term><description>everything else: I/O, storage and bus errors, and anything unexpected</description></item>
/// </list>
/// </summary>
public static class StageFailures
{
    /// <summary>At most this many reasons are listed; the rest are counted.</summary>
    public const int MaxReasons = 20;

    /// <param name="error">What the stage threw.</param>
    /// <param name="fenced">The stage's fence tripped: whatever the error, the runner lost the stage.</param>
    /// <param name="shuttingDown">The runner was asked to stop.</param>
    /// <param name="localRoots">
    /// Local folders mirroring blob containers (the runner's cache and work folders); a path under one is reported as
    /// the blob it came from, so the reasons name <c>uploads/run42/teacher/model.safetensors</c>, not a cache path.
    /// </param>
    public static StageFailure Classify(Exception error, bool fenced, bool shuttingDown, IReadOnlyList<string>? localRoots = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (fenced || error is StageFencedException)
        {
            return new StageFailure(StageFailureKind.Fenced, [error.Message]);
        }
        if (error is OperationCanceledException && shuttingDown)
        {
            return new StageFailure(StageFailureKind.Interrupted, ["the runner is shutting down"]);
        }
        var reasons = BadInputReasons(error);
        if (reasons is null)
        {
            return new StageFailure(StageFailureKind.Transient, [$"{error.GetType().Name}: {error.Message}"]);
        }
        return new StageFailure(StageFailureKind.BadInput, Limit(reasons.Select(r => Relative(r, localRoots ?? [])).ToList()));
    }

    /// <summary>The reasons of a bad-input error (one per problem where the error lists them); null for any other error.</summary>
    private static List<string>? BadInputReasons(Exception error) => error switch
    {
        ManifestException e => e.Problems.Count > 0 ? [.. e.Problems.Select(p => $"{e.FileName}: {p}")] : [e.Message],
        DataFormatException e => e.Problems.Count > 0 ? [.. e.Problems.Select(p => p.ToString())] : [e.Message],
        MethodOptionsException e => e.Problems.Count > 0 ? [.. e.Problems] : [e.Message],
        TrainerOptionsException e => e.Problems.Count > 0 ? [.. e.Problems.Select(p => "training: " + p)] : [e.Message],
        StudentShapeException or ModelConfigException or ModelCheckpointException or SafeTensorsFormatException or TokenizerFormatException
            or TedFilterArtifactException or CheckpointMismatchException or CheckpointException or StageInputException
            or System.Text.Json.JsonException => [error.Message],
        _ => null,
    };

    private static string Relative(string reason, IReadOnlyList<string> roots)
    {
        foreach (var root in roots)
        {
            var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
            reason = reason.Replace(prefix, "", StringComparison.Ordinal);
        }
        return reason;
    }

    private static List<string> Limit(List<string> reasons)
    {
        if (reasons.Count <= MaxReasons)
        {
            return reasons;
        }
        var kept = reasons.Take(MaxReasons).ToList();
        kept.Add($"and {reasons.Count - MaxReasons} more problem(s) of the same kind");
        return kept;
    }
}
