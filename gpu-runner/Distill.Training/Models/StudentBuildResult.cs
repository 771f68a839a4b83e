namespace Distill.Training.Models;

/// <summary>A student built by <see cref="StudentBuilder"/> and an account of where each of its tensors came from.</summary>
public sealed record StudentBuildResult
{
    /// <summary>The student; the caller owns (disposes) it.</summary>
    public required CausalLanguageModel Model { get; init; }

    /// <summary>For each student layer, the teacher layer it was copied from, or null when it was initialised randomly.</summary>
    public required IReadOnlyList<int?> LayerSources { get; init; }

    /// <summary>Student tensor name → the teacher tensor it was copied from.</summary>
    public required IReadOnlyDictionary<string, string> Copied { get; init; }

    /// <summary>Student tensors initialised randomly from the seed, in parameter order.</summary>
    public required IReadOnlyList<string> RandomlyInitialized { get; init; }

    /// <summary>Why each part that could have come from the teacher did not (empty for a random build).</summary>
    public required IReadOnlyList<string> Notes { get; init; }
}
