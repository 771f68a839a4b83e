namespace Distill.Training.Distillation;

/// <summary>
/// <c>filters.json</c> of a TED filters artifact: what the filters in <c>filters.safetensors</c> are for. Written by
/// <see cref="TedFilterArtifact.Save"/>, checked by <see cref="TedFilterArtifact.Load"/>.
/// </summary>
public sealed record TedFilterDescription
{
    public const string FormatName = "distill-ted-filters";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = CurrentVersion;

    /// <summary><c>teacher</c> or <c>student</c>.</summary>
    public required string Role { get; init; }

    /// <summary>The depth of the model the filters were learned on.</summary>
    public required int ModelLayers { get; init; }

    /// <summary>Layers per filter.</summary>
    public required int Interval { get; init; }

    public required int FilterCount { get; init; }

    /// <summary>The 1-based layers the filters read (for readers; implied by the interval and the count).</summary>
    public required IReadOnlyList<int> Layers { get; init; }

    /// <summary>The model's hidden size.</summary>
    public required long InputWidth { get; init; }

    /// <summary>d_f.</summary>
    public required long FilterWidth { get; init; }

    public required bool Nonlinear { get; init; }

    /// <summary>Stage I's optimizer steps (informative).</summary>
    public long? TrainedSteps { get; init; }

    internal static string RoleName(ModelRole role) => role == ModelRole.Teacher ? "teacher" : "student";
}
