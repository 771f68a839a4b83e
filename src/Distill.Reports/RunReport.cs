using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;

namespace Distill.Reports;

/// <summary>
/// What the run report says (<see cref="MarkdownReport.Render"/> writes it): what ran, on which models and data, how
/// long each stage took, how the student compares with the teacher, sample continuations and the charts beside it.
/// </summary>
public sealed record RunReport
{
    public required string RunId { get; init; }

    /// <summary>The manifest's name.</summary>
    public required string Name { get; init; }

    /// <summary>The method's name (<see cref="Contracts.Methods.MethodNames"/>).</summary>
    public required string Method { get; init; }

    /// <summary>The method's settings in a line (temperature, weights, …); null for none.</summary>
    public string? MethodDetails { get; init; }

    public required ReportModel Teacher { get; init; }

    public required ReportModel Student { get; init; }

    /// <summary>The tokenized data; null when it is not known.</summary>
    public ReportData? Data { get; init; }

    /// <summary>The stages in order, as the run state recorded them.</summary>
    public required IReadOnlyList<ReportStage> Stages { get; init; }

    public required TeacherComparison Comparison { get; init; }

    /// <summary>Validation blocks evaluated, and their size.</summary>
    public required long EvaluatedBlocks { get; init; }

    public required int BlockSize { get; init; }

    /// <summary>The manifest's gates, shown with what was measured; null for none.</summary>
    public EvaluationGates? Gates { get; init; }

    public IReadOnlyList<ReportSample> Samples { get; init; } = [];

    /// <summary>Images beside the report (file names relative to it).</summary>
    public IReadOnlyList<ReportImage> Images { get; init; } = [];

    /// <summary>Other files beside the report (file names relative to it) and what each holds.</summary>
    public IReadOnlyList<ReportImage> Files { get; init; } = [];

    public required DateTimeOffset GeneratedAt { get; init; }
}
